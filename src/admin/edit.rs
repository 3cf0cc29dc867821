//! `GET/POST /admin/comments/{id}/edit`: a moderator changes a comment's text, for example
//! to take out a phone number, giving a reason (required for readers' comments); an
//! editorial answer is edited the same way, with a preview. The audit trail keeps who,
//! when and the reason, never the old text.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::views::{AdminComment, AdminLayout};
use super::{AdminForm, Moderator};
use crate::clock::now;
use crate::state::AppState;
use crate::store::EditOutcome;
use crate::web::{AppError, HtmlPage, Result, render};

/// Longest reason kept in the audit trail.
const REASON_MAX: usize = 200;

#[derive(Template)]
#[template(path = "admin/edit.html")]
pub struct EditPage<'a> {
    pub layout: AdminLayout<'a>,
    pub item: AdminComment,
    pub body: &'a str,
    pub reason: &'a str,
    /// (field, message)
    pub errors: Vec<(&'static str, String)>,
    pub preview: Option<String>,
}

impl EditPage<'_> {
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    moderator: Moderator,
    Path(id): Path<String>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let comment = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    let body = comment.body.clone();
    render_edit(&state, &moderator, id, &body, "", Vec::new(), None).await
}

async fn render_edit(
    state: &AppState,
    moderator: &Moderator,
    id: i64,
    body: &str,
    reason: &str,
    errors: Vec<(&'static str, String)>,
    preview: Option<String>,
) -> Result<Response> {
    let site = state.site();
    let comment = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    let events = state.store.events(&[id]).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = format!("Edit comment {id}");
    let view = EditPage {
        layout: AdminLayout::new(&site.guide.site, &site.assets, &title, Some(moderator)),
        item: AdminComment::new(comment, &site.guide, &events),
        body,
        reason,
        errors,
        preview,
    };
    Ok(HtmlPage::new(status, render(&view, "a comment's edit page")?).into_response())
}

pub async fn save_edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm {
        moderator, fields, ..
    }: AdminForm,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let comment = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    let raw_body = fields.get("body").cloned().unwrap_or_default();
    let raw_reason = fields.get("reason").cloned().unwrap_or_default();
    let mut errors = Vec::new();
    let body = match crate::comments::parse_comment_text(&raw_body) {
        Ok(body) => Some(body),
        Err(message) => {
            errors.push(("body", message.replace("your answer", "the text")));
            None
        }
    };
    let reason: String = raw_reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() && !comment.editorial {
        errors.push((
            "reason",
            "Say why you are changing a reader's words, for example “removed a phone number”."
                .to_owned(),
        ));
    } else if reason.chars().count() > REASON_MAX {
        errors.push((
            "reason",
            format!("Keep the reason to {REASON_MAX} characters."),
        ));
    }
    let Some(body) = body.filter(|_| errors.is_empty()) else {
        return render_edit(&state, &moderator, id, &raw_body, &raw_reason, errors, None).await;
    };
    if fields.get("intent").map(String::as_str) == Some("preview") {
        let html = if comment.editorial {
            crate::comments::answer_html(&body)
        } else {
            body.split("\n\n")
                .map(|p| format!("<p>{}</p>", crate::content::escape_html(p)))
                .collect()
        };
        return render_edit(
            &state,
            &moderator,
            id,
            &raw_body,
            &raw_reason,
            errors,
            Some(html),
        )
        .await;
    }
    let reason = if reason.is_empty() {
        "answer corrected".to_owned()
    } else {
        reason
    };
    let outcome = crate::comments::edit(
        state.store.as_ref(),
        &state,
        id,
        &body,
        &reason,
        &moderator.username,
        now(),
    )
    .await?;
    match outcome {
        EditOutcome::Done { .. } => {
            // An answer's page is its comment's: go back there, to the answers.
            let back = match (comment.editorial, comment.parent_id) {
                (true, Some(parent)) => format!("/admin/comments/{parent}?done=edit&n=1#answers"),
                _ => format!("/admin/comments/{id}?done=edit&n=1"),
            };
            Ok(Redirect::to(&back).into_response())
        }
        EditOutcome::NotFound => Err(AppError::NotFound),
    }
}
