//! askama views of the admin pages. They share the site's base layout.
use askama::Template;

use crate::assets::Assets;
use crate::content::{Guide, SiteInfo, human_date};
use crate::site::{Layout, PageMeta};
use crate::store::{Action, Comment, Event, Status};

/// A comment as a moderator sees it: everything, including the private fields.
pub struct AdminComment {
    pub comment: Comment,
    pub section_title: String,
    pub when: String,
    pub paragraphs: Vec<String>,
    pub events: Vec<AdminEvent>,
    /// The actions that fit the comment's state.
    pub actions: Vec<Action>,
}

pub struct AdminEvent {
    pub action: String,
    pub moderator: String,
    pub when: String,
}

impl AdminComment {
    pub fn new(comment: Comment, guide: &Guide, events: &[Event]) -> Self {
        let section_title = guide
            .section(&comment.section)
            .map_or_else(|| comment.section.clone(), |s| s.title.clone());
        let events = events
            .iter()
            .filter(|e| e.comment_id == comment.id)
            .map(|e| AdminEvent {
                action: e.action.clone(),
                moderator: e.moderator.clone(),
                when: timestamp(e.at),
            })
            .collect();
        let actions = Action::ALL
            .into_iter()
            .filter(|a| a.target(comment.status).is_ok())
            .collect();
        Self {
            section_title,
            when: timestamp(comment.created_at),
            paragraphs: comment.body.split("\n\n").map(str::to_owned).collect(),
            events,
            actions,
            comment,
        }
    }

    pub fn url(&self) -> &str {
        self.comment.url.as_deref().unwrap_or("")
    }

    /// Held because the text may describe a medical problem: the card says so first.
    pub fn medical_concern(&self) -> bool {
        self.comment
            .flag_reason
            .as_deref()
            .is_some_and(|reason| reason.starts_with(crate::comments::MEDICAL_CONCERN))
    }
}

/// `25 November 2026, 14:03 UTC`.
pub fn timestamp(at: i64) -> String {
    let t = crate::clock::datetime(at);
    format!(
        "{}, {:02}:{:02} UTC",
        human_date(t.date()),
        t.hour(),
        t.minute()
    )
}

/// Page facts for an admin page: never indexed.
pub fn admin_meta(site: &SiteInfo, title: &str, path: &str) -> PageMeta {
    PageMeta {
        title: format!("{title} | {} admin", site.title),
        description: format!("Moderation for {}.", site.title),
        path: path.to_owned(),
        canonical: Some(format!("{}{path}", site.base_url)),
        og_type: "website",
        json_ld: None,
        noindex: true,
        og_image: None,
        preview: None,
    }
}

#[derive(Template)]
#[template(path = "admin/login.html")]
pub struct LoginPage<'a> {
    pub layout: Layout<'a>,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

impl<'a> LoginPage<'a> {
    pub fn new(
        guide: &'a Guide,
        assets: &'a Assets,
        username: &'a str,
        error: Option<&'a str>,
    ) -> Self {
        Self {
            layout: Layout {
                site: &guide.site,
                assets,
                meta: admin_meta(&guide.site, "Sign in", "/admin/login"),
            },
            username,
            error,
        }
    }
}

/// One tab of the queue.
pub struct Tab {
    pub status: Status,
    pub count: i64,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "admin/queue.html")]
pub struct QueuePage<'a> {
    pub layout: Layout<'a>,
    pub guide: &'a Guide,
    pub username: &'a str,
    pub csrf: &'a str,
    pub tabs: Vec<Tab>,
    pub status: Status,
    pub section: &'a str,
    pub query: &'a str,
    pub comments: Vec<AdminComment>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub notice: Option<String>,
    /// This page's own URL, so that actions come back to it.
    pub return_to: String,
    /// Sections whose `next_review` date has passed.
    pub overdue_reviews: Vec<(String, String)>,
    /// How many problems keep the last content edit from going live (shown as one line,
    /// with a link to the preview, to accounts that are editors too).
    pub content_problems: usize,
}

impl QueuePage<'_> {
    /// The queue URL for another page number, keeping the filters.
    pub fn page_url(&self, page: i64) -> String {
        queue_url(self.status, self.section, self.query, page)
    }

    pub fn tab_url(&self, status: &Status) -> String {
        queue_url(*status, self.section, self.query, 1)
    }
}

pub fn queue_url(status: Status, section: &str, query: &str, page: i64) -> String {
    let mut url = format!("/admin?status={status}");
    if !section.is_empty() {
        url.push_str(&format!("&section={}", encode(section)));
    }
    if !query.is_empty() {
        url.push_str(&format!("&q={}", encode(query)));
    }
    if page > 1 {
        url.push_str(&format!("&page={page}"));
    }
    url
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[derive(Template)]
#[template(path = "admin/comment.html")]
pub struct CommentPage<'a> {
    pub layout: Layout<'a>,
    pub username: &'a str,
    pub csrf: &'a str,
    pub item: AdminComment,
    pub parent: Option<AdminComment>,
    pub answer: &'a str,
    pub answer_error: Option<String>,
    pub notice: Option<String>,
    pub return_to: String,
}

impl<'a> CommentPage<'a> {
    pub fn meta_for(guide: &Guide, id: i64) -> PageMeta {
        admin_meta(
            &guide.site,
            &format!("Comment {id}"),
            &format!("/admin/comments/{id}"),
        )
    }
}

/// One page in the editor's preview index.
pub struct PreviewLink {
    pub title: String,
    /// The page's own path (`/guide/risks`); the preview is under `/admin/preview`.
    pub path: String,
    pub draft: bool,
}

impl PreviewLink {
    pub fn new(title: &str, path: &str, draft: bool) -> Self {
        Self {
            title: title.to_owned(),
            path: path.to_owned(),
            draft,
        }
    }

    /// The preview's address.
    pub fn href(&self) -> String {
        format!(
            "/admin/preview{}",
            if self.path == "/" { "/" } else { &self.path }
        )
    }
}

#[derive(Template)]
#[template(path = "admin/preview.html")]
pub struct PreviewIndex<'a> {
    pub layout: Layout<'a>,
    pub username: &'a str,
    pub csrf: &'a str,
    pub links: Vec<PreviewLink>,
}

impl<'a> PreviewIndex<'a> {
    pub fn new(
        guide: &'a Guide,
        assets: &'a Assets,
        username: &'a str,
        csrf: &'a str,
        links: Vec<PreviewLink>,
        banner: crate::site::PreviewBanner,
    ) -> Self {
        let mut meta = admin_meta(&guide.site, "Preview", "/admin/preview");
        // The index shows the problems and reloads itself after a save too.
        meta.preview = Some(banner);
        Self {
            layout: Layout {
                site: &guide.site,
                assets,
                meta,
            },
            username,
            csrf,
            links,
        }
    }
}
