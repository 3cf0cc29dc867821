//! The guide's content: loaded once from `content/`, validated, rendered to HTML, and
//! immutable afterwards. Requests never touch the files.
mod dates;
mod front_matter;
mod loader;
mod markdown;
mod readability;
mod reviewer;
mod search;
mod suggest;

use std::fmt;
use std::path::PathBuf;

pub use dates::{Day, human_date};
pub use loader::{LoadFailure, MIN_READING_EASE, REQUIRED_SECTIONS, check_section_text, load};
pub use markdown::{
    Heading, Rendered, TextBlock, escape_html, html_entity, push_escaped, slugify,
    split_at_structured,
};
pub use reviewer::Reviewer;
pub use search::{MAX_TERMS, SearchHit, SearchIndex, SearchResults, Synonyms};

/// The whole guide, as readers see it.
#[derive(Debug)]
pub struct Guide {
    pub site: SiteInfo,
    pub home: Home,
    /// Published sections, in reading order (by `order`).
    pub sections: Vec<Section>,
    /// Sections with `draft = true`: never public, previewed by moderators.
    pub drafts: Vec<Section>,
    /// Pages beyond the guide (about, comment rules, privacy), in footer order.
    pub pages: Vec<Page>,
    pub search: SearchIndex,
    /// Things worth fixing that do not stop the guide from loading (long titles and
    /// descriptions, overdue reviews).
    pub warnings: Vec<Problem>,
}

impl Guide {
    /// The section with this slug, if published.
    pub fn section(&self, slug: &str) -> Option<&Section> {
        self.sections.iter().find(|section| section.slug == slug)
    }

    /// The page beyond the guide with this slug (`about` for `/about`).
    pub fn page(&self, slug: &str) -> Option<&Page> {
        self.pages.iter().find(|page| page.slug == slug)
    }

    /// The draft with this slug.
    pub fn draft(&self, slug: &str) -> Option<&Section> {
        self.drafts.iter().find(|section| section.slug == slug)
    }

    /// The newest `updated` date of any page, for feeds and the sitemap.
    pub fn last_updated(&self) -> Day {
        self.sections
            .iter()
            .map(|section| section.updated)
            .chain(self.pages.iter().map(|page| page.updated))
            .max()
            .unwrap_or(self.home.updated)
            .max(self.home.updated)
    }
}

/// `content/site.toml`: what every page shares.
#[derive(Debug, Clone)]
pub struct SiteInfo {
    pub title: String,
    pub description: String,
    /// Absolute, without a trailing slash; empty until the server fills in its own
    /// address (`site.toml` may leave it out).
    pub base_url: String,
    pub language: String,
    pub byline: String,
    pub disclaimer: String,
    /// Where the comment form sends readers who need urgent help (an internal link to the
    /// urgent-advice box, checked like any other link).
    pub urgent_advice: Option<String>,
    /// One honest sentence under every section's reviewer, e.g. that no doctor reviews it.
    pub review_note: Option<String>,
    pub nav: Vec<NavLink>,
    /// The pages beyond the guide, in order, for every footer.
    pub footer: Vec<NavLink>,
    /// Whether the comment form offers email about the comment: set by the server when it
    /// can send email and knows its public address (never from `site.toml`).
    pub reader_mail: bool,
}

impl SiteInfo {
    /// The `aria-current` value of the menu link to `url` on the page at `path`: `page`
    /// for the page itself; `true` for the link to the part of the site the page sits in
    /// (`/guide` on `/guide/risks`), when no menu link names the page itself.
    pub fn nav_current(&self, path: &str, url: &str) -> Option<&'static str> {
        if url == path {
            return Some("page");
        }
        let inside = |url: &str| {
            url != "/"
                && path
                    .strip_prefix(url.trim_end_matches('/'))
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        let exact = self.nav.iter().any(|link| link.url == path);
        let deepest = self
            .nav
            .iter()
            .filter(|link| inside(&link.url))
            .max_by_key(|link| link.url.len());
        (!exact && inside(url) && deepest.is_some_and(|link| link.url == url)).then_some("true")
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NavLink {
    pub label: String,
    pub url: String,
}

/// `content/home.md`: the introduction and summary around the table of contents.
#[derive(Debug)]
pub struct Home {
    pub title: String,
    pub description: String,
    pub intro_html: String,
    pub summary_html: String,
    pub updated: Day,
}

/// One section of the guide: `content/guide/*.md`.
#[derive(Debug)]
pub struct Section {
    /// The file it was loaded from, for messages to editors.
    pub file: PathBuf,
    pub slug: String,
    pub order: u32,
    pub title: String,
    pub description: String,
    /// When the section first went public (`published`, or `updated` when not given).
    pub published: Day,
    pub updated: Day,
    pub last_reviewed: Day,
    pub next_review: Day,
    pub reviewed_by: Reviewer,
    /// Numbered in this order: `[1]` in the text cites the first.
    pub sources: Vec<Source>,
    /// Flesch reading ease of the section's prose, for `check`.
    pub reading_ease: Option<f64>,
    pub body: Rendered,
    /// The body rendered for the one-page guide: ids prefixed with the slug, links to
    /// other sections turned into links within the page.
    pub combined_html: String,
    pub steps: Vec<Item>,
    pub pros: Vec<Item>,
    pub cons: Vec<Item>,
    pub faq: Vec<FaqEntry>,
}

impl Section {
    /// The path readers use, e.g. `/guide/risks`.
    pub fn path(&self) -> String {
        format!("/guide/{}", self.slug)
    }
}

/// A page beyond the guide: `content/pages/*.md`, served at `/{slug}` and linked from
/// every footer.
#[derive(Debug)]
pub struct Page {
    pub slug: String,
    pub order: u32,
    pub title: String,
    pub description: String,
    pub updated: Day,
    pub sources: Vec<Source>,
    pub body: Rendered,
}

impl Page {
    /// The path readers use, e.g. `/about`.
    pub fn path(&self) -> String {
        format!("/{}", self.slug)
    }
}

/// Where a fact comes from: one entry of a page's numbered sources list.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The source's own title.
    pub title: String,
    /// Who publishes it (a health service, a journal, a regulator).
    #[serde(default)]
    pub publisher: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// The day an editor read it.
    #[serde(default)]
    pub accessed: Option<Day>,
}

/// A titled piece of structured content (a practitioner step, a pro or a con).
#[derive(Debug)]
pub struct Item {
    pub title: String,
    pub html: String,
    /// Plain text, for search.
    pub text: String,
    /// As rendered inside the one-page guide (ids and in-page links prefixed).
    pub combined_html: String,
}

#[derive(Debug)]
pub struct FaqEntry {
    pub question: String,
    pub id: String,
    pub answer_html: String,
    /// As rendered inside the one-page guide (ids and in-page links prefixed).
    pub combined_answer_html: String,
    pub answer_text: String,
}

/// One problem with the content, written for the person editing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

pub use crate::text::line_of;

impl Section {
    /// The page's own table of contents (levels 2 and 3), with the headings of the
    /// structured part (steps, pros and cons, questions) where that part is placed.
    pub fn toc(&self) -> Vec<Heading> {
        let (before, _) = split_at_structured(&self.body.html);
        let headings_before = count_headings(before);
        let mut toc: Vec<Heading> = Vec::new();
        let mut structured_done = false;
        for (seen, heading) in self.body.headings.iter().enumerate() {
            if seen == headings_before && !structured_done {
                toc.extend(self.structured_headings());
                structured_done = true;
            }
            if heading.level <= 3 {
                toc.push(heading.clone());
            }
        }
        if !structured_done {
            toc.extend(self.structured_headings());
        }
        toc
    }

    /// Headings the template writes for the structured part.
    pub fn structured_headings(&self) -> Vec<Heading> {
        let heading = |id: &str, text: &str| Heading {
            level: 2,
            id: id.to_owned(),
            text: text.to_owned(),
        };
        let mut out = Vec::new();
        if !self.steps.is_empty() {
            out.push(heading("steps", "Step by step"));
        }
        if !self.pros.is_empty() {
            out.push(heading("pros", "Pros"));
        }
        if !self.cons.is_empty() {
            out.push(heading("cons", "Cons"));
        }
        out.extend(self.faq.iter().map(|f| heading(&f.id, &f.question)));
        out
    }
}

/// Counts `<h2>`..`<h6>` opening tags in rendered HTML.
fn count_headings(html: &str) -> usize {
    html.match_indices("<h")
        .filter(|(i, _)| matches!(html.as_bytes().get(i + 2), Some(b'2'..=b'6')))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(nav: &[&str]) -> SiteInfo {
        SiteInfo {
            title: String::new(),
            description: String::new(),
            base_url: String::new(),
            language: "en".into(),
            byline: String::new(),
            disclaimer: String::new(),
            urgent_advice: None,
            review_note: None,
            nav: nav
                .iter()
                .map(|url| NavLink {
                    label: (*url).to_owned(),
                    url: (*url).to_owned(),
                })
                .collect(),
            footer: Vec::new(),
            reader_mail: false,
        }
    }

    #[test]
    fn the_menu_marks_the_page_or_the_part_of_the_site_it_is_in() {
        let site = site(&["/", "/guide", "/guide/faq", "/search"]);
        let cases = [
            ("/", "/", Some("page")),
            ("/", "/guide", None),
            ("/guide", "/guide", Some("page")),
            ("/guide/faq", "/guide/faq", Some("page")),
            ("/guide/faq", "/guide", None),
            ("/guide/risks", "/guide", Some("true")),
            ("/guide/risks", "/", None),
            ("/guidebook", "/guide", None),
            ("/about", "/", None),
        ];
        for (path, url, expected) in cases {
            assert_eq!(site.nav_current(path, url), expected, "{path} {url}");
        }
    }
}
