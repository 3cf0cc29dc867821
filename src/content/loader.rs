//! Walks `content/`, parses and validates every file, and either returns the whole
//! [`Guide`] or every [`Problem`] found (not just the first), for `check` and for start-up.
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::front_matter::{self, Field, LineError, Split};
use super::markdown::{self, MarkdownProblem, RenderOptions};
use super::{
    Day, FaqEntry, Guide, Home, Item, NavLink, Problem, SearchIndex, Section, SiteInfo, Synonyms,
    line_of, slugify,
};
use crate::assets::Assets;

mod failure;
mod links;
mod pages;
mod settings;
mod sources;

pub use failure::LoadFailure;
use links::Unloaded;
use settings::{HomeFront, ItemFront, SectionFront, SiteFile};

/// The sections every guide must have, by slug. A guide without one of them is incomplete.
pub const REQUIRED_SECTIONS: [&str; 7] = [
    "what-is-smp",
    "process",
    "cost-and-longevity",
    "risks",
    "choosing-a-practitioner",
    "pros-and-cons",
    "faq",
];

/// Collects problems for one file at a time, so that messages carry the right path.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, path: &Path, line: usize, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.to_owned(),
            line,
            message: message.into(),
        });
    }

    fn markdown(
        &mut self,
        path: &Path,
        source: &str,
        body_offset: usize,
        found: Vec<MarkdownProblem>,
    ) {
        for problem in found {
            self.add(
                path,
                line_of(source, body_offset + problem.offset),
                problem.message,
            );
        }
    }
}

/// A section parsed from its file, before cross-file checks.
struct Loaded {
    path: PathBuf,
    split_front_line: usize,
    front_text: String,
    /// Internal links in the body and in front matter fragments, with their file line.
    links: Vec<(String, usize)>,
    /// Citation numbers in the body and in front matter fragments, with their file line.
    citations: Vec<(usize, usize)>,
    draft: bool,
    section: Section,
}

/// Loads and validates the content folder. A section or page that does not load is one
/// problem, not many: links to it are counted as unchecked instead of reported as broken,
/// and a required one is not also reported missing.
pub fn load(dir: &Path, assets: &Assets) -> Result<Guide, LoadFailure> {
    let mut problems = Problems::default();
    let site = load_site(&dir.join("site.toml"), &mut problems);
    let home = load_home(&dir.join("home.md"), assets, &mut problems);
    let (loaded, mut unloaded) = load_sections(&dir.join("guide"), assets, &mut problems);
    let (pages, unloaded_pages) = pages::load(&dir.join("pages"), assets, &mut problems);
    let synonyms_path = dir.join(SYNONYMS_FILE);
    let synonyms = load_synonyms(&synonyms_path, &mut problems);
    check_uniqueness(&loaded, &mut problems);
    check_required(dir, &loaded, &unloaded, &mut problems);
    unloaded.extend(unloaded_pages);
    for l in &loaded {
        sources::check_citations(
            &l.path,
            &l.citations,
            l.section.sources.len(),
            &mut problems,
        );
    }
    let (published, drafts): (Vec<_>, Vec<_>) = loaded.into_iter().partition(|l| !l.draft);
    let mut other_links: Vec<(PathBuf, Vec<(String, usize)>)> = pages
        .iter()
        .map(|p| (p.path.clone(), p.links.clone()))
        .collect();
    if let Some((_, links)) = &home {
        other_links.push((dir.join("home.md"), links.clone()));
    }
    if let Some((site, line)) = &site
        && let Some(link) = &site.urgent_advice
    {
        other_links.push((dir.join("site.toml"), vec![(link.clone(), *line)]));
    }
    let page_paths: Vec<String> = pages.iter().map(|p| p.page.path()).collect();
    let unchecked_links = links::check_links(
        &published,
        &drafts,
        &other_links,
        &page_paths,
        &unloaded,
        assets,
        &mut problems,
    );
    let home = home.map(|(home, _)| home);

    let failure = |problems: Problems| LoadFailure {
        problems: problems.0,
        unchecked_links,
    };
    let (Some((mut site, _)), Some(mut home)) = (site, home) else {
        return Err(failure(problems));
    };
    if !problems.0.is_empty() {
        return Err(failure(problems));
    }
    let mut warnings = warnings(&published, &drafts, time::OffsetDateTime::now_utc().date());
    for p in &pages {
        sources::warn_about_sources(
            &p.path,
            &p.front_text,
            p.front_line,
            &p.page.sources,
            None,
            &mut warnings,
        );
    }
    let mut pages: Vec<super::Page> = pages.into_iter().map(|p| p.page).collect();
    pages.sort_by_key(|p| p.order);
    site.footer = pages
        .iter()
        .map(|page| NavLink {
            label: page.title.clone(),
            url: page.path(),
        })
        .collect();
    let mut sections: Vec<Section> = published.into_iter().map(|l| l.section).collect();
    sections.sort_by_key(|s| s.order);
    let mut drafts: Vec<Section> = drafts.into_iter().map(|l| l.section).collect();
    drafts.sort_by_key(|s| s.order);
    if let Some(newest) = sections.iter().map(|s| s.updated).max() {
        home.updated = newest;
    }
    let search = SearchIndex::build(&sections, synonyms);
    for (line, message) in search.unused_synonyms() {
        warnings.add(&synonyms_path, line, message);
    }
    Ok(Guide {
        site,
        home,
        sections,
        drafts,
        pages,
        search,
        warnings: warnings.0,
    })
}

/// The editors' search synonyms, in the content folder. Optional.
pub const SYNONYMS_FILE: &str = "synonyms.toml";

/// `synonyms.toml`, or none when there is no such file.
fn load_synonyms(path: &Path, problems: &mut Problems) -> Synonyms {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Synonyms::default(),
        Err(err) => {
            problems.add(path, 1, format!("cannot read the file: {err}"));
            return Synonyms::default();
        }
    };
    Synonyms::parse(&text).unwrap_or_else(|found| {
        for (line, message) in found {
            problems.add(path, line, message);
        }
        Synonyms::default()
    })
}

/// Search results and link previews cut longer text; past these, editors are warned.
pub const MAX_TITLE_CHARS: usize = 60;
pub const MAX_DESCRIPTION_CHARS: usize = 160;

/// Below this Flesch reading ease a section is warned about: plain English starts at 60.
pub const MIN_READING_EASE: f64 = 60.0;

fn warnings(published: &[Loaded], drafts: &[Loaded], today: time::Date) -> Problems {
    let mut found = Problems::default();
    for l in published.iter().chain(drafts) {
        let s = &l.section;
        sources::warn_about_sources(
            &l.path,
            &l.front_text,
            l.split_front_line,
            &s.sources,
            Some(sources::MIN_SOURCES),
            &mut found,
        );
        if let Some(score) = s.reading_ease
            && score < MIN_READING_EASE
        {
            found.add(&l.path, 1, format!(
                "reading ease is {score:.0}, below {MIN_READING_EASE:.0}: use shorter sentences and everyday words"
            ));
        }
        let title = s.title.chars().count();
        if title > MAX_TITLE_CHARS {
            found.add(
                &l.path,
                l.key_line("title"),
                format!(
                    "the title has {title} characters; search results show about {MAX_TITLE_CHARS}"
                ),
            );
        }
        let description = s.description.chars().count();
        if description > MAX_DESCRIPTION_CHARS {
            found.add(&l.path, l.key_line("description"), format!(
                "the description has {description} characters; search results show about {MAX_DESCRIPTION_CHARS}"
            ));
        }
        if s.next_review.0 < today {
            found.add(&l.path, l.key_line("next_review"), format!(
                "the review was due on {}: review the section, then update last_reviewed and next_review",
                s.next_review.human()
            ));
        }
    }
    found
}

fn read(path: &Path, problems: &mut Problems) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => {
            problems.add(path, 1, "the file is empty");
            None
        }
        Ok(text) => Some(text),
        Err(err) => {
            problems.add(path, 1, format!("cannot read the file: {err}"));
            None
        }
    }
}

/// The site's settings, with the line of `urgent_advice` for the link check.
fn load_site(path: &Path, problems: &mut Problems) -> Option<(SiteInfo, usize)> {
    let text = read(path, problems)?;
    let split = Split {
        front: &text,
        front_line: 1,
        body: "",
    };
    let file: SiteFile = parse_or_report(path, &split, settings::SITE, problems)?;
    let line = |key: &str| front_matter::key_line(&split, key);
    if let Some(Err(err)) = file
        .base_url
        .as_deref()
        .map(crate::config::validate_base_url)
    {
        problems.add(path, line("base_url"), err.to_string());
    }
    for (key, value) in [
        ("title", &file.title),
        ("language", &file.language),
        ("byline", &file.byline),
    ] {
        if value.trim().is_empty() {
            problems.add(path, line(key), format!("`{key}` must not be empty"));
        }
    }
    let urgent_line = line("urgent_advice");
    Some((
        SiteInfo {
            title: file.title,
            description: file.description,
            base_url: file
                .base_url
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
            language: file.language,
            byline: file.byline,
            disclaimer: file.disclaimer,
            urgent_advice: file.urgent_advice,
            review_note: file.review_note,
            nav: file.nav,
            footer: Vec::new(),
            reader_mail: false,
        },
        urgent_line,
    ))
}

/// The home page, with its internal links and their lines (checked with the sections').
fn load_home(
    path: &Path,
    assets: &Assets,
    problems: &mut Problems,
) -> Option<(Home, Vec<(String, usize)>)> {
    let source = read(path, problems)?;
    let split = split_or_report(path, &source, problems)?;
    let front: HomeFront = parse_or_report(path, &split, settings::HOME, problems)?;
    let body_offset = source.len() - split.body.len();
    let (intro, found) = markdown::render(split.body, assets, RenderOptions::STANDALONE);
    problems.markdown(path, &source, body_offset, found);
    let (summary, found) =
        markdown::render_fragment(&front.summary, assets, RenderOptions::STANDALONE);
    let summary_line = front_matter::key_line(&split, "summary");
    for problem in found {
        problems.add(path, summary_line, problem.message);
    }
    let mut links: Vec<(String, usize)> = intro
        .links
        .iter()
        .map(|(link, offset)| (link.clone(), line_of(&source, body_offset + offset)))
        .collect();
    links.extend(summary.links.into_iter().map(|link| (link, summary_line)));
    let home = Home {
        title: front.title,
        description: front.description,
        intro_html: intro.html,
        summary_html: summary.html,
        // Replaced by the newest section's date once the sections are loaded.
        updated: Day(time::Date::MIN),
    };
    Some((home, links))
}

fn split_or_report<'a>(path: &Path, source: &'a str, problems: &mut Problems) -> Option<Split<'a>> {
    front_matter::split(source)
        .map_err(|LineError { line, message }| problems.add(path, line, message))
        .ok()
}

fn parse_or_report<T: serde::de::DeserializeOwned>(
    path: &Path,
    split: &Split<'_>,
    fields: &'static [Field],
    problems: &mut Problems,
) -> Option<T> {
    match front_matter::parse(split, fields) {
        Ok(front) => Some(front),
        Err(found) => {
            for LineError { line, message } in found {
                problems.add(path, line, message);
            }
            None
        }
    }
}

/// Every section in `dir` that loaded, and those that did not.
fn load_sections(
    dir: &Path,
    assets: &Assets,
    problems: &mut Problems,
) -> (Vec<Loaded>, Vec<Unloaded>) {
    let mut paths = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
            .collect::<Vec<_>>(),
        Err(err) => {
            problems.add(dir, 1, format!("cannot read the guide folder: {err}"));
            return (Vec::new(), Vec::new());
        }
    };
    paths.sort();
    let mut loaded = Vec::new();
    let mut unloaded = Vec::new();
    for path in paths {
        match read(&path, problems) {
            None => unloaded.push(Unloaded::section(&path, None)),
            Some(source) => match parse_section(path.clone(), &source, assets, problems) {
                Some(section) => loaded.push(section),
                None => unloaded.push(Unloaded::section(&path, Some(&source))),
            },
        }
    }
    (loaded, unloaded)
}

/// Checks one section file's text on its own (front matter, Markdown, structured parts),
/// without the checks that need the other files. For fuzzing and quick checks.
pub fn check_section_text(source: &str) -> Vec<Problem> {
    let mut problems = Problems::default();
    parse_section(
        PathBuf::from("section.md"),
        source,
        &Assets::default(),
        &mut problems,
    );
    problems.0
}

fn parse_section(
    path: PathBuf,
    source: &str,
    assets: &Assets,
    problems: &mut Problems,
) -> Option<Loaded> {
    let split = split_or_report(&path, source, problems)?;
    let front: SectionFront = parse_or_report(&path, &split, settings::SECTION, problems)?;
    let key_line = |key: &str| front_matter::key_line(&split, key);
    let body_offset = source.len() - split.body.len();

    if front.slug.is_empty()
        || !front
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.add(&path, key_line("slug"), format!(
            "slug {:?} may only hold lowercase letters, digits and hyphens, e.g. \"pros-and-cons\"",
            front.slug
        ));
    }
    for (key, value) in [
        ("title", front.title.as_str()),
        ("description", front.description.as_str()),
        ("reviewed_by", front.reviewed_by.name()),
    ] {
        if value.trim().is_empty() {
            problems.add(&path, key_line(key), format!("`{key}` must not be empty"));
        }
    }
    if front.next_review < front.last_reviewed {
        problems.add(
            &path,
            key_line("next_review"),
            "`next_review` is before `last_reviewed`",
        );
    }

    let (body, found) = markdown::render(split.body, assets, RenderOptions::STANDALONE);
    problems.markdown(&path, source, body_offset, found);
    let prefix = format!("{}-", front.slug);
    let combined_opts = RenderOptions {
        id_prefix: &prefix,
        same_page_guide_links: true,
        heading_shift: 1,
    };
    let combined_html = markdown::render(split.body, assets, combined_opts).0.html;
    let mut links: Vec<(String, usize)> = body
        .links
        .iter()
        .map(|(link, offset)| (link.clone(), line_of(source, body_offset + offset)))
        .collect();
    let mut citations: Vec<(usize, usize)> = body
        .citations
        .iter()
        .map(|(number, offset)| (*number, line_of(source, body_offset + offset)))
        .collect();
    let mut prose: Vec<String> = body
        .blocks
        .iter()
        .filter(|block| !block.heading)
        .map(|block| block.text.clone())
        .collect();

    if front
        .faq
        .iter()
        .any(|entry| entry.question.trim().is_empty())
    {
        problems.add(
            &path,
            key_line("question"),
            "an FAQ entry has an empty question",
        );
    }
    // The n-th `text = ` or `answer = ` of the file, for messages about the n-th item.
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Each fragment is rendered for the section's own page and for the one-page guide.
    let mut fragment = |key: &str, text: &str, what: &str| -> (markdown::Fragment, String) {
        let nth = seen.entry(key.to_owned()).or_default();
        let line = front_matter::nth_key_line(&split, key, *nth);
        *nth += 1;
        if text.trim().is_empty() {
            problems.add(&path, line, format!("{what} is empty"));
        }
        let combined_html = markdown::render_fragment(text, assets, combined_opts)
            .0
            .html;
        let (fragment, found) = markdown::render_fragment(text, assets, RenderOptions::STANDALONE);
        for problem in found {
            problems.add(&path, line, problem.message);
        }
        links.extend(fragment.links.iter().map(|link| (link.clone(), line)));
        citations.extend(fragment.citations.iter().map(|number| (*number, line)));
        prose.extend(fragment.blocks.iter().cloned());
        (fragment, combined_html)
    };
    let mut items = |key: &str, list: Vec<ItemFront>| -> Vec<Item> {
        list.into_iter()
            .map(|item| {
                let what = format!("the text of {key} \"{}\"", item.title);
                let (text, combined_html) = fragment("text", &item.text, &what);
                Item {
                    title: item.title,
                    html: text.html,
                    text: text.text,
                    combined_html,
                }
            })
            .collect()
    };
    let steps = items("steps", front.steps);
    let pros = items("pros", front.pros);
    let cons = items("cons", front.cons);
    let mut faq_ids = HashSet::new();
    let mut faq = Vec::with_capacity(front.faq.len());
    for entry in front.faq {
        let what = format!("the answer to \"{}\"", entry.question);
        let (answer, combined_answer_html) = fragment("answer", &entry.answer, &what);
        let mut id = slugify(&entry.question);
        while !faq_ids.insert(id.clone()) || body.headings.iter().any(|h| h.id == id) {
            id.push_str("-q");
        }
        faq.push(FaqEntry {
            question: entry.question,
            id,
            answer_html: answer.html,
            combined_answer_html,
            answer_text: answer.text,
        });
    }

    let reading_ease = super::readability::reading_ease(prose.iter().map(String::as_str));
    Some(Loaded {
        front_text: split.front.to_owned(),
        split_front_line: split.front_line,
        draft: front.draft,
        links,
        citations,
        section: Section {
            file: path.clone(),
            slug: front.slug,
            order: front.order,
            title: front.title,
            description: front.description,
            published: front.published.unwrap_or(front.updated),
            updated: front.updated,
            last_reviewed: front.last_reviewed,
            next_review: front.next_review,
            reviewed_by: front.reviewed_by,
            sources: front.sources,
            reading_ease,
            combined_html,
            body,
            steps,
            pros,
            cons,
            faq,
        },
        path,
    })
}

impl Loaded {
    fn key_line(&self, key: &str) -> usize {
        let split = Split {
            front: &self.front_text,
            front_line: self.split_front_line,
            body: "",
        };
        front_matter::key_line(&split, key)
    }
}

fn check_uniqueness(loaded: &[Loaded], problems: &mut Problems) {
    let mut slugs: HashMap<&str, &Path> = HashMap::new();
    let mut orders: HashMap<u32, &Path> = HashMap::new();
    for l in loaded {
        if let Some(first) = slugs.insert(&l.section.slug, &l.path) {
            problems.add(
                &l.path,
                l.key_line("slug"),
                format!(
                    "slug \"{}\" is already used by {}",
                    l.section.slug,
                    first.display()
                ),
            );
        }
        if let Some(first) = orders.insert(l.section.order, &l.path) {
            problems.add(
                &l.path,
                l.key_line("order"),
                format!(
                    "order {} is already used by {}",
                    l.section.order,
                    first.display()
                ),
            );
        }
    }
}

/// Every required section must be there and published; one whose file did not load has
/// its own problem already.
fn check_required(dir: &Path, loaded: &[Loaded], unloaded: &[Unloaded], problems: &mut Problems) {
    for slug in REQUIRED_SECTIONS {
        match loaded.iter().find(|l| l.section.slug == slug) {
            None if unloaded.iter().any(|u| u.is_section(slug)) => {}
            None => problems.add(
                &dir.join("guide").join(format!("{slug}.md")),
                1,
                format!(
                    "the required section \"{slug}\" is missing: add a file with slug = \"{slug}\""
                ),
            ),
            Some(l) if l.draft => problems.add(
                &l.path,
                l.key_line("draft"),
                format!("the required section \"{slug}\" cannot be a draft"),
            ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests;
