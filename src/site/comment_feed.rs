//! Atom feeds of approved comments: the newest across the guide (`/feed/comments.xml`) and
//! per section (`/feed/comments/{slug}.xml`). Rendered with the pages, from the same
//! threads, whenever a section's comments change; nothing private is in a comment as
//! readers see it, so nothing private can reach a feed.
use askama::Template;

use super::PublicComment;
use super::views::absolute_links;
use crate::content::{Guide, Section, escape_html};

/// How many comments a feed holds: the newest.
pub const COMMENT_FEED_ENTRIES: usize = 50;

/// The site-wide comment feed.
pub const SITE_COMMENT_FEED: &str = crate::paths::COMMENT_FEED;

/// The path of a section's comment feed.
pub fn section_feed_path(slug: &str) -> String {
    format!("/feed/comments/{slug}.xml")
}

/// One comment as a feed entry, every URL absolute.
pub struct FeedEntry {
    pub title: String,
    /// The comment's anchor on its section page; also the entry's id.
    pub url: String,
    /// The section page, the base of the entry's relative links.
    pub page_url: String,
    pub author: String,
    pub website: Option<String>,
    /// RFC 3339, UTC.
    pub datetime: String,
    /// The comment as HTML: readers' text escaped into paragraphs, editorial answers as
    /// sanitised Markdown with links made absolute. Escaped again by the template.
    pub html: String,
}

#[derive(Template)]
#[template(path = "comments-feed.xml")]
pub struct CommentFeedXml<'a> {
    pub guide: &'a Guide,
    pub title: String,
    pub subtitle: String,
    /// The page the feed follows.
    pub page_url: String,
    pub self_url: String,
    pub updated: String,
    pub entries: Vec<FeedEntry>,
}

impl<'a> CommentFeedXml<'a> {
    /// The newest comments of every section in `threads` (pairs of a section and its
    /// threads, in reading order).
    pub fn site(guide: &'a Guide, threads: &[(&Section, &[PublicComment])]) -> Self {
        let base = &guide.site.base_url;
        let entries = newest(guide, threads);
        Self {
            title: format!("{}: comments", guide.site.title),
            subtitle: format!(
                "The newest approved comments and answers on every section of the {}.",
                guide.site.title
            ),
            page_url: format!("{base}/"),
            self_url: format!("{base}{SITE_COMMENT_FEED}"),
            updated: updated(&entries, || guide.last_updated().rfc3339()),
            entries,
            guide,
        }
    }

    /// The newest comments of one section.
    pub fn section(guide: &'a Guide, section: &Section, threads: &[PublicComment]) -> Self {
        let base = &guide.site.base_url;
        let entries = newest(guide, &[(section, threads)]);
        Self {
            title: format!("Comments on {} | {}", section.title, guide.site.title),
            subtitle: format!(
                "The newest approved comments and answers on “{}”.",
                section.title
            ),
            page_url: format!("{base}{}#comments", section.path()),
            self_url: format!("{base}{}", section_feed_path(&section.slug)),
            updated: updated(&entries, || section.updated.rfc3339()),
            entries,
            guide,
        }
    }
}

/// The newest entry's time; for a feed with none, the time of what it follows.
fn updated(entries: &[FeedEntry], otherwise: impl FnOnce() -> String) -> String {
    entries
        .first()
        .map_or_else(otherwise, |entry| entry.datetime.clone())
}

/// The newest [`COMMENT_FEED_ENTRIES`] comments and replies, newest first.
fn newest(guide: &Guide, threads: &[(&Section, &[PublicComment])]) -> Vec<FeedEntry> {
    let mut all: Vec<(&Section, &PublicComment)> = threads
        .iter()
        .flat_map(|(section, list)| {
            list.iter()
                .flat_map(|c| std::iter::once(c).chain(&c.replies))
                .map(move |c| (*section, c))
        })
        .collect();
    all.sort_by_key(|(_, c)| std::cmp::Reverse((c.created_at, c.id)));
    all.truncate(COMMENT_FEED_ENTRIES);
    all.into_iter()
        .map(|(section, c)| entry(guide, section, c))
        .collect()
}

fn entry(guide: &Guide, section: &Section, comment: &PublicComment) -> FeedEntry {
    let page_url = format!("{}{}", guide.site.base_url, section.path());
    let html = match &comment.html {
        Some(answer) => absolute_links(answer, &guide.site.base_url),
        None => comment
            .paragraphs
            .iter()
            .map(|lines| {
                let lines: Vec<String> = lines.iter().map(|l| escape_html(l)).collect();
                format!("<p>{}</p>", lines.join("<br>"))
            })
            .collect(),
    };
    let what = if comment.editorial {
        "Answer"
    } else if comment.parent.is_some() {
        "Reply"
    } else {
        "Comment"
    };
    FeedEntry {
        title: format!("{what} by {} on “{}”", comment.author, section.title),
        url: format!("{page_url}#comment-{}", comment.id),
        page_url,
        author: comment.author.clone(),
        website: comment.url.clone(),
        datetime: comment.datetime.clone(),
        html,
    }
}
