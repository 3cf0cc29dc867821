//! `GET /admin` (the queue) and `GET /admin/comments/{id}` (one comment, with the answer form).
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Moderator;
use super::views::{AdminComment, CommentPage, QueuePage, Tab, admin_meta, queue_url};
use crate::site::Layout;
use crate::state::AppState;
use crate::store::{QueueFilter, Role, Status};
use crate::web::{AppError, HtmlPage, Result, render};

/// The last page number the queue accepts (beyond any real queue).
const MAX_PAGE: i64 = 1_000_000;
/// Comments per queue page.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    section: Option<String>,
    q: Option<String>,
    page: Option<String>,
    /// Set by the action handlers after a redirect: what was done, and to how many.
    done: Option<String>,
    n: Option<u32>,
    skipped: Option<u32>,
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
    // Bounded, so that the offset below cannot overflow whatever page is asked for.
    let page = query
        .page
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE);

    let filter = QueueFilter {
        status,
        section: (!section.is_empty()).then(|| section.clone()),
        text: (!text.is_empty()).then(|| text.clone()),
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let found = state.store.queue(&filter).await?;
    let counts = state.store.counts().await?;
    let ids: Vec<i64> = found.comments.iter().map(|c| c.id).collect();
    let events = state.store.events(&ids).await?;
    let guide = &site.guide;
    let today = crate::content::Day(time::OffsetDateTime::now_utc().date());
    let view = QueuePage {
        layout: Layout {
            site: &guide.site,
            assets: &site.assets,
            meta: admin_meta(&site.guide.site, "Moderation queue", "/admin"),
        },
        guide,
        username: &moderator.username,
        csrf: &moderator.csrf_token,
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
        comments: found
            .comments
            .into_iter()
            .map(|c| AdminComment::new(c, guide, &events))
            .collect(),
        page,
        pages: (found.total + PAGE_SIZE - 1) / PAGE_SIZE,
        total: found.total,
        notice: notice(
            query.done.as_deref(),
            query.n.unwrap_or(0),
            query.skipped.unwrap_or(0),
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

/// "3 comments approved." and the like, from the redirect's query.
fn notice(done: Option<&str>, n: u32, skipped: u32) -> Option<String> {
    let done = done?;
    let past = match done {
        "approve" => "approved",
        "spam" => "marked as spam",
        "trash" => "moved to the trash",
        "restore" => "restored to pending",
        "delete" => "deleted for good",
        "answer" => "answered",
        "none" => return Some("Select at least one comment first.".into()),
        _ => return None,
    };
    let noun = if n == 1 { "comment" } else { "comments" };
    let mut text = format!("{n} {noun} {past}.");
    if skipped > 0 {
        text.push_str(&format!(" {skipped} could not be, because of their state."));
    }
    Some(text)
}

pub async fn show_comment(
    State(state): State<AppState>,
    moderator: Moderator,
    Path(id): Path<String>,
    query: std::result::Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let Query(query) = query.unwrap_or_default();
    let notice = notice(query.done.as_deref(), query.n.unwrap_or(1), 0);
    render_comment(&state, &moderator, id, "", None, notice)
        .await
        .map(IntoResponse::into_response)
}

/// The comment page, also used to show an answer's validation error.
pub async fn render_comment(
    state: &AppState,
    moderator: &Moderator,
    id: i64,
    answer: &str,
    answer_error: Option<String>,
    notice: Option<String>,
) -> Result<Response> {
    let site = state.site();
    let comment = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    let parent = match comment.parent_id {
        Some(parent_id) => state.store.get(parent_id).await?,
        None => None,
    };
    let mut ids = vec![id];
    ids.extend(parent.iter().map(|p| p.id));
    let events = state.store.events(&ids).await?;
    let guide = &site.guide;
    let status = if answer_error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let view = CommentPage {
        layout: Layout {
            site: &guide.site,
            assets: &site.assets,
            meta: CommentPage::meta_for(guide, id),
        },
        username: &moderator.username,
        csrf: &moderator.csrf_token,
        item: AdminComment::new(comment, guide, &events),
        parent: parent.map(|p| AdminComment::new(p, guide, &events)),
        answer,
        answer_error,
        notice,
        return_to: format!("/admin/comments/{id}"),
    };
    Ok(HtmlPage::new(status, render(&view, "a comment's page")?).into_response())
}
