//! askama view structs: one per template, holding references into the loaded guide.
use askama::Template;

use std::collections::HashMap;

use super::PublicComment;
use super::json_ld;
use crate::assets::Assets;
use crate::comments::CommentForm;
use crate::content::{Guide, Heading, Page, SearchResults, Section, SiteInfo, split_at_structured};

/// What the base layout needs on every page: the site's settings, its static files, and
/// the facts of the page it wraps. Every page view holds one.
#[derive(Debug, Clone)]
pub struct Layout<'a> {
    pub site: &'a SiteInfo,
    pub assets: &'a Assets,
    pub meta: PageMeta,
}

impl<'a> Layout<'a> {
    /// The layout of a page of `guide`'s site.
    pub fn new(guide: &'a Guide, assets: &'a Assets, meta: PageMeta) -> Self {
        Self {
            site: &guide.site,
            assets,
            meta,
        }
    }
}

/// What the base layout needs to know about the page it wraps.
#[derive(Debug, Clone)]
pub struct PageMeta {
    /// The full `<title>`, unique per page.
    pub title: String,
    pub description: String,
    /// Request path, for `aria-current` and the canonical link.
    pub path: String,
    /// `None` where there is no page to point to (the 404 page).
    pub canonical: Option<String>,
    /// OpenGraph type: `website` or `article`.
    pub og_type: &'static str,
    pub json_ld: Option<String>,
    /// Keeps search result and error pages out of search engines.
    pub noindex: bool,
    /// Absolute URL of the image link previews show.
    pub og_image: Option<String>,
    /// Set on an editor's preview: the bar above the page, and the script that reloads it
    /// after a save.
    pub preview: Option<PreviewBanner>,
    /// A form came back with mistakes: the script that moves focus to its error summary.
    pub focus_error: bool,
    /// A section's own comment feed, offered beside the site's feeds.
    pub comment_feed: Option<FeedLink>,
}

/// A feed a page offers with `<link rel="alternate">`.
#[derive(Debug, Clone)]
pub struct FeedLink {
    pub href: String,
    pub title: String,
}

/// What an editor's preview shows above the page.
#[derive(Debug, Clone, Default)]
pub struct PreviewBanner {
    /// The problems that kept the last save from going live, as `PATH:LINE: message`.
    pub problems: Vec<String>,
    /// The page is a draft: readers cannot see it.
    pub draft: bool,
}

impl PageMeta {
    fn new(site: &SiteInfo, title: &str, description: &str, path: &str) -> Self {
        let title = if path == "/" {
            title.to_owned()
        } else {
            format!("{title} | {}", site.title)
        };
        Self {
            title,
            description: description.to_owned(),
            path: path.to_owned(),
            canonical: Some(format!("{}{path}", site.base_url)),
            og_type: "website",
            json_ld: None,
            noindex: false,
            og_image: None,
            preview: None,
            focus_error: false,
            comment_feed: None,
        }
    }

    /// Adds the share image, with its absolute URL (previews fetch it from elsewhere).
    fn with_image(mut self, site: &SiteInfo, assets: &Assets) -> Self {
        self.og_image = assets
            .get(OG_IMAGE)
            .map(|asset| format!("{}{}", site.base_url, asset.url));
        self
    }
}

/// The 1200×630 image that link previews show, under `static/`.
pub const OG_IMAGE: &str = "img/og-image.png";

/// A section body cut at its structured part, with ids prefixed where needed.
pub struct SectionBody<'a> {
    pub section: &'a Section,
    pub prefix: String,
    /// Heading level of the structured part's titles (2 on a section page, 3 in the
    /// one-page guide); items below it use the next level.
    pub level: u8,
    pub before: &'a str,
    pub after: &'a str,
    /// Inside the one-page guide: structured parts use their combined rendering.
    pub combined: bool,
}

impl<'a> SectionBody<'a> {
    /// The level of the headings inside the structured part's items.
    pub fn item_level(&self) -> u8 {
        self.level + 1
    }

    fn standalone(section: &'a Section) -> Self {
        let (before, after) = split_at_structured(&section.body.html);
        Self {
            section,
            prefix: String::new(),
            level: 2,
            before,
            after,
            combined: false,
        }
    }

    fn combined(section: &'a Section) -> Self {
        let (before, after) = split_at_structured(&section.combined_html);
        Self {
            section,
            prefix: format!("{}-", section.slug),
            level: 3,
            before,
            after,
            combined: true,
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage<'a> {
    pub layout: Layout<'a>,
    pub guide: &'a Guide,
    counts: &'a HashMap<String, usize>,
}

impl<'a> HomePage<'a> {
    pub fn new(guide: &'a Guide, assets: &'a Assets, counts: &'a HashMap<String, usize>) -> Self {
        let home = &guide.home;
        let mut meta = PageMeta::new(&guide.site, &home.title, &home.description, "/")
            .with_image(&guide.site, assets);
        meta.json_ld = Some(json_ld::home(guide));
        Self {
            layout: Layout::new(guide, assets, meta),
            guide,
            counts,
        }
    }

    /// Approved comments on a section, for the table of contents.
    pub fn comment_count(&self, slug: &str) -> usize {
        self.counts.get(slug).copied().unwrap_or(0)
    }
}

/// The comment being answered, when a reader follows a "Reply" link.
#[derive(Debug, Clone)]
pub struct ReplyTarget {
    pub id: i64,
    pub author: String,
}

/// What makes a section page differ from its cached version.
#[derive(Debug, Clone, Default)]
pub struct SectionExtras {
    pub form: CommentForm,
    pub reply_to: Option<ReplyTarget>,
    /// The reader's own comment, awaiting moderation (through a signed link).
    pub pending: Option<PublicComment>,
    /// The signed link had expired or was not genuine.
    pub preview_expired: bool,
    /// A moderator's preview of a draft section.
    pub draft_preview: bool,
    /// The form is filled in from the reader's "remember me" cookie: offer to forget it.
    pub remembered: bool,
    /// The reader's pending comment asked for email: its notice says a confirmation email
    /// is on its way.
    pub emailed: bool,
    /// `[comments] moderation_time`, for the notices a reader sees after posting; empty
    /// means the default.
    pub moderation_time: String,
}

#[derive(Template)]
#[template(path = "section.html")]
pub struct SectionPage<'a> {
    pub layout: Layout<'a>,
    pub section: &'a Section,
    pub body: SectionBody<'a>,
    pub toc: Vec<Heading>,
    pub position: usize,
    pub total: usize,
    pub prev: Option<&'a Section>,
    pub next: Option<&'a Section>,
    pub threads: &'a [PublicComment],
    pub comment_count: usize,
    pub extras: &'a SectionExtras,
}

impl<'a> SectionPage<'a> {
    pub fn new(
        guide: &'a Guide,
        assets: &'a Assets,
        index: usize,
        threads: &'a [PublicComment],
        extras: &'a SectionExtras,
    ) -> Self {
        let section = &guide.sections[index];
        let mut page = Self::build(guide, assets, section, threads, extras);
        page.layout.meta.og_type = "article";
        page.layout.meta.json_ld = Some(json_ld::section(guide, section, threads));
        page.layout.meta.comment_feed = Some(FeedLink {
            href: super::section_feed_path(&section.slug),
            title: format!("{}: comments on {}", guide.site.title, section.title),
        });
        page.position = index + 1;
        page.prev = index.checked_sub(1).map(|i| &guide.sections[i]);
        page.next = guide.sections.get(index + 1);
        page
    }

    /// A draft, as a signed-in moderator previews it: no neighbours, no comments, and a
    /// banner saying readers cannot see it.
    pub fn draft_preview(
        guide: &'a Guide,
        assets: &'a Assets,
        section: &'a Section,
        extras: &'a SectionExtras,
    ) -> Self {
        let mut page = Self::build(guide, assets, section, &[], extras);
        page.layout.meta.noindex = true;
        page
    }

    /// What every section page has; `position` 0 means "not in the reading order".
    fn build(
        guide: &'a Guide,
        assets: &'a Assets,
        section: &'a Section,
        threads: &'a [PublicComment],
        extras: &'a SectionExtras,
    ) -> Self {
        let mut meta = PageMeta::new(
            &guide.site,
            &section.title,
            &section.description,
            &section.path(),
        )
        .with_image(&guide.site, assets);
        if extras.form.has_errors() {
            // Read first by screen readers, and shown in the tab and the history.
            meta.title = format!("Error: {}", meta.title);
            meta.focus_error = true;
        }
        Self {
            layout: Layout::new(guide, assets, meta),
            section,
            body: SectionBody::standalone(section),
            toc: section.toc(),
            position: 0,
            total: guide.sections.len(),
            prev: None,
            next: None,
            threads,
            comment_count: super::comments::count(threads),
            extras,
        }
    }

    /// How soon moderators usually read new comments ("within a day").
    pub fn moderation_time(&self) -> &str {
        match self.extras.moderation_time.as_str() {
            "" => crate::config::DEFAULT_MODERATION_TIME,
            configured => configured,
        }
    }

    /// The reader's own pending comment, when it answers the comment `id`: shown in that
    /// thread, where it will appear once approved.
    pub fn pending_reply_to(&self, id: &i64) -> Option<&PublicComment> {
        self.extras
            .pending
            .as_ref()
            .filter(|pending| pending.parent == Some(*id))
    }

    /// The reader's own pending comment when no thread on the page takes it: a new comment,
    /// or a reply whose parent is no longer shown.
    pub fn pending_on_its_own(&self) -> Option<&PublicComment> {
        self.extras.pending.as_ref().filter(|pending| {
            pending
                .parent
                .is_none_or(|parent| !self.threads.iter().any(|c| c.id == parent))
        })
    }

    /// `aria-describedby` for a field: its hint (if any) and its error (if any).
    pub fn described_by(&self, field: &str, has_hint: bool) -> String {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(format!("hint-{field}"));
        }
        if self.extras.form.error_for(field).is_some() {
            ids.push(format!("error-{field}"));
        }
        ids.join(" ")
    }
}

/// A page beyond the guide: about, comment rules, privacy notice.
#[derive(Template)]
#[template(path = "page.html")]
pub struct StandalonePage<'a> {
    pub layout: Layout<'a>,
    pub page: &'a Page,
}

impl<'a> StandalonePage<'a> {
    pub fn new(guide: &'a Guide, assets: &'a Assets, page: &'a Page) -> Self {
        Self {
            layout: Layout::new(
                guide,
                assets,
                PageMeta::new(&guide.site, &page.title, &page.description, &page.path())
                    .with_image(&guide.site, assets),
            ),
            page,
        }
    }
}

#[derive(Template)]
#[template(path = "guide.html")]
pub struct GuidePage<'a> {
    pub layout: Layout<'a>,
    pub guide: &'a Guide,
    pub bodies: Vec<SectionBody<'a>>,
}

impl<'a> GuidePage<'a> {
    pub fn new(guide: &'a Guide, assets: &'a Assets) -> Self {
        let description = format!(
            "The whole {} on one printable page: every section from what SMP is to the FAQ.",
            guide.site.title
        );
        Self {
            layout: Layout::new(
                guide,
                assets,
                PageMeta::new(&guide.site, "The complete guide", &description, "/guide")
                    .with_image(&guide.site, assets),
            ),
            guide,
            bodies: guide.sections.iter().map(SectionBody::combined).collect(),
        }
    }
}

/// What the reader searched for, as the search page shows it.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Trimmed, and cut to `max_chars`.
    pub text: String,
    /// The reader typed more than `max_chars` characters.
    pub cut: bool,
    pub max_chars: usize,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage<'a> {
    pub layout: Layout<'a>,
    pub query: &'a SearchQuery,
    pub results: &'a SearchResults,
    pub sections: &'a [Section],
}

impl<'a> SearchPage<'a> {
    pub fn new(
        guide: &'a Guide,
        assets: &'a Assets,
        query: &'a SearchQuery,
        results: &'a SearchResults,
    ) -> Self {
        let title = if query.text.is_empty() {
            "Search the guide".to_owned()
        } else {
            format!("Search results for “{}”", query.text)
        };
        let mut meta = PageMeta::new(
            &guide.site,
            &title,
            "Search every section of the guide.",
            "/search",
        );
        meta.noindex = true;
        Self {
            layout: Layout::new(guide, assets, meta),
            query,
            results,
            sections: &guide.sections,
        }
    }
}

#[derive(Template)]
#[template(path = "errors/404.html")]
pub struct NotFoundPage<'a> {
    pub layout: Layout<'a>,
    pub guide: &'a Guide,
}

impl<'a> NotFoundPage<'a> {
    pub fn new(guide: &'a Guide, assets: &'a Assets) -> Self {
        let mut meta = PageMeta::new(
            &guide.site,
            "Page not found",
            "This page does not exist. Find your way back to the guide.",
            "/404",
        );
        meta.noindex = true;
        meta.canonical = None;
        Self {
            layout: Layout::new(guide, assets, meta),
            guide,
        }
    }
}

/// A small page about a link in a reader's email (confirm, unsubscribe): what it does, and
/// the button that does it, since a GET must change nothing (mail scanners fetch links).
#[derive(Debug, Clone, Default)]
pub struct ReaderNotice {
    pub title: String,
    pub paragraphs: Vec<String>,
    /// The button, when there is something to do.
    pub form: Option<NoticeForm>,
    /// A link onwards (the comment, or its section): address and text.
    pub link: Option<(String, String)>,
}

/// A button that POSTs to `action`.
#[derive(Debug, Clone)]
pub struct NoticeForm {
    pub action: String,
    pub button: String,
    /// Sends `List-Unsubscribe=One-Click`, as mail programs do (RFC 8058).
    pub one_click: bool,
}

#[derive(Template)]
#[template(path = "notify.html")]
pub struct NoticePage<'a> {
    pub layout: Layout<'a>,
    pub notice: &'a ReaderNotice,
}

impl<'a> NoticePage<'a> {
    pub fn new(guide: &'a Guide, assets: &'a Assets, notice: &'a ReaderNotice) -> Self {
        let mut meta = PageMeta::new(
            &guide.site,
            &notice.title,
            "Email about your comment.",
            "/notify",
        );
        meta.noindex = true;
        meta.canonical = None;
        Self {
            layout: Layout::new(guide, assets, meta),
            notice,
        }
    }
}

#[derive(Template)]
#[template(path = "sitemap.xml")]
pub struct SitemapXml<'a> {
    pub guide: &'a Guide,
}

#[derive(Template)]
#[template(path = "feed.xml")]
pub struct FeedXml<'a> {
    pub guide: &'a Guide,
    pub updated: String,
}

impl<'a> FeedXml<'a> {
    pub fn new(guide: &'a Guide) -> Self {
        Self {
            guide,
            updated: guide.last_updated().rfc3339(),
        }
    }

    /// A section's body for a feed reader, which shows it away from the site: links and
    /// images to `/...` made absolute (the entry's `xml:base` covers `#...` links too).
    pub fn content_html(&self, section: &Section) -> String {
        absolute_links(&section.body.html, &self.guide.site.base_url)
    }
}

/// Rewrites the `href="/` and `src="/` attributes of rendered HTML to start with `base`.
/// Text that looks the same is escaped (`&quot;`) in rendered HTML, so it is never touched.
pub fn absolute_links(html: &str, base: &str) -> String {
    html.replace("href=\"/", &format!("href=\"{base}/"))
        .replace("src=\"/", &format!("src=\"{base}/"))
}
