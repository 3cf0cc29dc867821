//! `GET /admin/comments/{id}`: one comment whole, the one it replies to, the editorial
//! answers already under it, and the answer form (`POST .../answer`) with a preview.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::queue::{Notice, QueueQuery, notice};
use super::views::{AdminComment, AdminLayout};
use super::{AdminForm, Moderator};
use crate::clock::now;
use crate::state::AppState;
use crate::store::{AnswerOutcome, NewAnswer, Status};
use crate::web::{AppError, HtmlPage, Result, render};

#[derive(Template)]
#[template(path = "admin/comment.html")]
pub struct CommentPage<'a> {
    pub layout: AdminLayout<'a>,
    pub item: AdminComment,
    pub parent: Option<AdminComment>,
    /// Editorial answers published under it, oldest first.
    pub answers: Vec<AdminComment>,
    pub answer: &'a str,
    pub answer_error: Option<String>,
    /// The answer as it will look, after "Preview".
    pub preview: Option<String>,
    pub notice: Option<Notice>,
    pub return_to: String,
}

impl CommentPage<'_> {
    pub fn pending(&self) -> bool {
        self.item.comment.status == Status::Pending
    }
}

pub async fn show_comment(
    State(state): State<AppState>,
    moderator: Moderator,
    Path(id): Path<String>,
    query: std::result::Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let Query(query) = query.unwrap_or_default();
    let notice = notice(query.done(), query.n().unwrap_or(1), 0, query.undo());
    render_comment(&state, &moderator, id, "", None, None, notice).await
}

/// The comment page, also used to show an answer's preview or validation error.
pub async fn render_comment(
    state: &AppState,
    moderator: &Moderator,
    id: i64,
    answer: &str,
    answer_error: Option<String>,
    preview: Option<String>,
    notice: Option<Notice>,
) -> Result<Response> {
    let site = state.site();
    let comment = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    let parent = match comment.parent_id {
        Some(parent_id) => state.store.get(parent_id).await?,
        None => None,
    };
    // Answers sit in the thread: under this comment, or beside it when it is a reply.
    let thread = comment.parent_id.unwrap_or(id);
    let answers: Vec<_> = state
        .store
        .approved(Some(&comment.section))
        .await?
        .into_iter()
        .filter(|c| c.editorial && c.parent_id == Some(thread) && c.id != id)
        .collect();
    let mut ids = vec![id];
    ids.extend(parent.iter().map(|p| p.id));
    let events = state.store.events(&ids).await?;
    let guide = &site.guide;
    let status = if answer_error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let title = format!("Comment {id}");
    let view = CommentPage {
        layout: AdminLayout::new(&guide.site, &site.assets, &title, Some(moderator)),
        item: AdminComment::new(comment, guide, &events).with_parent(parent.as_ref()),
        parent: parent.map(|p| AdminComment::new(p, guide, &events)),
        answers: answers
            .into_iter()
            .map(|a| AdminComment::new(a, guide, &[]))
            .collect(),
        answer,
        answer_error,
        preview,
        notice,
        return_to: format!("/admin/comments/{id}"),
    };
    Ok(HtmlPage::new(status, render(&view, "a comment's page")?).into_response())
}

/// `POST /admin/comments/{id}/answer`: `intent=preview` shows the answer as it will look;
/// otherwise it is published (and a pending comment approved with it, as the button says).
pub async fn answer_comment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm {
        moderator, fields, ..
    }: AdminForm,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let raw = fields.get("answer").cloned().unwrap_or_default();
    let text = match crate::comments::parse_comment_text(&raw) {
        Ok(text) => text,
        Err(message) => {
            return render_comment(&state, &moderator, id, &raw, Some(message), None, None).await;
        }
    };
    if fields.get("intent").map(String::as_str) == Some("preview") {
        let html = crate::comments::answer_html(&text);
        return render_comment(&state, &moderator, id, &raw, None, Some(html), None).await;
    }
    let answer = NewAnswer {
        parent_id: id,
        body: text,
        author: state.site().guide.site.byline.clone(),
        moderator: moderator.username.clone(),
        created_at: now(),
        approve_parent: fields.get("approve").map(String::as_str) == Some("yes"),
    };
    match crate::comments::answer(state.store.as_ref(), &state, answer).await? {
        AnswerOutcome::Published {
            approved_parent, ..
        } => {
            let done = if approved_parent {
                "approve-answer"
            } else {
                "answer"
            };
            Ok(
                Redirect::to(&format!("/admin/comments/{id}?done={done}&n=1#answers"))
                    .into_response(),
            )
        }
        AnswerOutcome::NotFound => Err(AppError::NotFound),
        AnswerOutcome::Refused(Status::Pending) => {
            let message = "This comment is still pending: use “Approve and publish answer”, so that readers see both.".to_owned();
            render_comment(&state, &moderator, id, &raw, Some(message), None, None).await
        }
        AnswerOutcome::Refused(status) => Err(AppError::Conflict(format!(
            "Comment {id} is in the {status} and cannot be answered: restore it first."
        ))),
    }
}
