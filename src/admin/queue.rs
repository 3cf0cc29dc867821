//! `GET /admin`: the moderation queue, one compact card per comment, the notice of the last
//! action with its Undo, and the place kept (tab, filters, page, the next comment).
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Moderator;
use super::views::{AdminComment, AdminLayout, action_label, encode};
use crate::content::Guide;
use crate::state::AppState;
use crate::store::{Action, QueueFilter, Role, Status};
use crate::web::{HtmlPage, Result, render};

/// Comments per queue page.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    section: Option<String>,
    q: Option<String>,
    page: Option<String>,
    /// "all": every card ticked (select-all without JavaScript).
    select: Option<String>,
    /// Set by the action handlers after a redirect: what was done, to how many, and (for
    /// Undo) to which comments, as `12.13.14`.
    done: Option<String>,
    n: Option<u32>,
    skipped: Option<u32>,
    undo: Option<String>,
}

impl QueueQuery {
    pub fn done(&self) -> Option<&str> {
        self.done.as_deref()
    }

    pub fn n(&self) -> Option<u32> {
        self.n
    }

    pub fn undo(&self) -> Option<&str> {
        self.undo.as_deref()
    }
}

/// One tab of the queue.
pub struct Tab {
    pub status: Status,
    pub count: i64,
    pub current: bool,
}

/// The notice after an action: what happened, and how to take it back.
pub struct Notice {
    pub text: String,
    /// (action, comment ids) when it can be undone.
    pub undo: Option<(String, Vec<i64>)>,
}

#[derive(Template)]
#[template(path = "admin/queue.html")]
pub struct QueuePage<'a> {
    pub layout: AdminLayout<'a>,
    pub guide: &'a Guide,
    pub tabs: Vec<Tab>,
    pub status: Status,
    pub section: &'a str,
    pub query: &'a str,
    pub comments: Vec<AdminComment>,
    /// The bulk actions that fit this tab.
    pub bulk: Vec<Action>,
    pub all_selected: bool,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub notice: Option<Notice>,
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

    /// This page with every card ticked, or none.
    pub fn select_url(&self) -> String {
        if self.all_selected {
            self.return_to.clone()
        } else {
            format!("{}&select=all", self.return_to)
        }
    }

    pub fn filtered(&self) -> bool {
        !self.section.is_empty() || !self.query.is_empty()
    }

    pub fn label(&self, action: &Action) -> &'static str {
        action_label(*action)
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

pub async fn show_queue(
    State(state): State<AppState>,
    moderator: Moderator,
    query: std::result::Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let site = state.site();
    let Query(query) = query.unwrap_or_default();
    let status = query
        .status
        .as_deref()
        .and_then(Status::parse)
        .unwrap_or(Status::Pending);
    let section = query.section.unwrap_or_default();
    let section = if site.guide.section(&section).is_some() {
        section
    } else {
        String::new()
    };
    let text: String = query
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(200)
        .collect();
    let asked_page = query
        .page
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000);

    let mut filter = QueueFilter {
        status,
        section: (!section.is_empty()).then(|| section.clone()),
        text: (!text.is_empty()).then(|| text.clone()),
        offset: (asked_page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let mut found = state.store.queue(&filter).await?;
    let pages = (found.total + PAGE_SIZE - 1) / PAGE_SIZE;
    // After the last comment of the last page was acted on, show the page before it.
    let page = if found.comments.is_empty() && asked_page > 1 && pages >= 1 {
        filter.offset = (pages - 1) * PAGE_SIZE;
        found = state.store.queue(&filter).await?;
        pages
    } else {
        asked_page
    };
    let counts = state.store.counts().await?;
    let ids: Vec<i64> = found.comments.iter().map(|c| c.id).collect();
    let events = state.store.events(&ids).await?;
    let mut parents = Vec::new();
    for parent_id in found.comments.iter().filter_map(|c| c.parent_id) {
        if let Some(parent) = state.store.get(parent_id).await? {
            parents.push(parent);
        }
    }
    let guide = &site.guide;
    let all_selected = query.select.as_deref() == Some("all");
    let mut comments: Vec<AdminComment> = found
        .comments
        .into_iter()
        .map(|c| {
            let parent = c
                .parent_id
                .and_then(|id| parents.iter().find(|p| p.id == id));
            let mut item = AdminComment::new(c, guide, &events).with_parent(parent);
            item.selected = all_selected;
            item
        })
        .collect();
    let order: Vec<i64> = comments.iter().map(|c| c.comment.id).collect();
    for (i, item) in comments.iter_mut().enumerate() {
        item.next = order
            .get(i + 1)
            .or_else(|| i.checked_sub(1).and_then(|p| order.get(p)))
            .copied();
    }
    let today = crate::content::Day(time::OffsetDateTime::now_utc().date());
    let mut layout = AdminLayout::new(
        &guide.site,
        &site.assets,
        "Moderation queue",
        Some(&moderator),
    )
    .current("queue");
    if let Some(first) = comments.first() {
        layout.skip_to = format!("#comment-{}", first.comment.id);
        layout.skip_label = "Skip to the first comment";
    }
    let view = QueuePage {
        layout,
        guide,
        tabs: counts
            .iter()
            .map(|(s, n)| Tab {
                status: *s,
                count: *n,
                current: *s == status,
            })
            .collect(),
        status,
        section: &section,
        query: &text,
        comments,
        bulk: Action::ALL
            .into_iter()
            .filter(|a| a.target(status).is_ok())
            .collect(),
        all_selected,
        page,
        pages,
        total: found.total,
        notice: notice(
            query.done.as_deref(),
            query.n.unwrap_or(0),
            query.skipped.unwrap_or(0),
            query.undo.as_deref(),
        ),
        return_to: queue_url(status, &section, &text, page),
        // Content problems are an editor's business: one line, for accounts that are both.
        content_problems: if moderator.is(Role::Editor) {
            state.sites.problems().len()
        } else {
            0
        },
        overdue_reviews: guide
            .sections
            .iter()
            .filter(|s| s.next_review < today)
            .map(|s| (s.path(), s.title.clone()))
            .collect(),
    };
    Ok(HtmlPage::ok(render(&view, "the moderation queue")?).into_response())
}

/// "3 comments approved." and the like, from the redirect's query, with Undo where the
/// action can be taken back.
pub fn notice(done: Option<&str>, n: u32, skipped: u32, undo: Option<&str>) -> Option<Notice> {
    let done = done?;
    let past = match done {
        "approve" => "approved",
        "unapprove" => "unapproved: back to pending",
        "spam" => "marked as spam",
        "trash" => "moved to the trash",
        "restore" => "restored to pending",
        "delete" => "deleted for good",
        "answer" => "answered",
        "approve-answer" => "approved and answered: both are on the site now",
        "edit" => "edited",
        "undo" => "put back as it was",
        "none" => {
            return Some(Notice {
                text: "Select at least one comment first.".into(),
                undo: None,
            });
        }
        _ => return None,
    };
    let noun = if n == 1 { "comment" } else { "comments" };
    let mut text = format!("{n} {noun} {past}.");
    if skipped > 0 {
        text.push_str(&format!(" {skipped} could not be, because of their state."));
    }
    let undoable = matches!(done, "approve" | "unapprove" | "spam" | "trash" | "restore");
    let ids: Vec<i64> = undo
        .unwrap_or_default()
        .split('.')
        .filter_map(|id| id.parse().ok())
        .take(super::MAX_BULK)
        .collect();
    Some(Notice {
        text,
        undo: (undoable && !ids.is_empty()).then(|| (done.to_owned(), ids)),
    })
}
