//! Moderation actions: on one comment, in bulk, and answers from the editorial team.
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::queue::render_comment;
use super::{AdminForm, Moderator, safe_return_to};
use crate::clock::now;
use crate::comments::{Action, ActionOutcome, NewAnswer};
use crate::state::AppState;
use crate::web::{AppError, Result};

/// Most comments one bulk action may touch (a queue page holds 50).
const MAX_BULK: usize = 200;

pub async fn apply_moderation_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    AdminForm {
        moderator, fields, ..
    }: AdminForm,
) -> Result<Response> {
    let action = Action::parse(&action).ok_or(AppError::NotFound)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    match apply(&state, &moderator, id, action).await? {
        ActionOutcome::Done { .. } => {}
        ActionOutcome::NotFound => return Err(AppError::NotFound),
        ActionOutcome::Refused(refused) => {
            return Err(AppError::Conflict(format!(
                "Comment {id} was not changed: {refused}."
            )));
        }
    }
    let mut back = safe_return_to(fields.get("return_to"));
    // A deleted comment's own page is gone: go back to the queue instead.
    if action == Action::Delete && back.starts_with("/admin/comments/") {
        back = "/admin".to_owned();
    }
    Ok(Redirect::to(&with_notice(&back, action.as_str(), 1, 0)).into_response())
}

pub async fn apply_bulk_action(
    State(state): State<AppState>,
    AdminForm {
        moderator,
        pairs,
        fields,
    }: AdminForm,
) -> Result<Response> {
    let action = fields
        .get("action")
        .and_then(|a| Action::parse(a))
        .ok_or_else(|| {
            AppError::BadRequest(
                "Choose one of the actions: approve, spam, trash, restore or delete.".into(),
            )
        })?;
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(key, _)| key == "ids")
        .map(|(_, value)| {
            value
                .parse()
                .map_err(|_| AppError::BadRequest(format!("{value:?} is not a comment id.")))
        })
        .collect::<Result<_>>()?;
    if ids.len() > MAX_BULK {
        return Err(AppError::BadRequest(format!(
            "Select at most {MAX_BULK} comments at a time."
        )));
    }
    let back = safe_return_to(fields.get("return_to"));
    if ids.is_empty() {
        return Ok(Redirect::to(&with_notice(&back, "none", 0, 0)).into_response());
    }
    let (mut done, mut skipped) = (0, 0);
    let mut changed_sections = Vec::new();
    for id in ids {
        match record(&state, &moderator, id, action).await? {
            ActionOutcome::Done {
                section,
                public_change,
            } => {
                done += 1;
                if public_change && !changed_sections.contains(&section) {
                    changed_sections.push(section);
                }
            }
            ActionOutcome::NotFound | ActionOutcome::Refused(_) => skipped += 1,
        }
    }
    // Each changed page is rendered once, not once per comment.
    for section in changed_sections {
        state.refresh_section(&section).await;
    }
    Ok(Redirect::to(&with_notice(&back, action.as_str(), done, skipped)).into_response())
}

/// Applies one action and, when readers' pages changed, re-renders them at once.
async fn apply(
    state: &AppState,
    moderator: &Moderator,
    id: i64,
    action: Action,
) -> Result<ActionOutcome> {
    let outcome = record(state, moderator, id, action).await?;
    if let ActionOutcome::Done {
        section,
        public_change: true,
    } = &outcome
    {
        state.refresh_section(section).await;
    }
    Ok(outcome)
}

/// Applies one action (stored with its audit entry) without re-rendering anything.
async fn record(
    state: &AppState,
    moderator: &Moderator,
    id: i64,
    action: Action,
) -> Result<ActionOutcome> {
    let outcome = state
        .store
        .apply(id, action, &moderator.username, now())
        .await?;
    if matches!(outcome, ActionOutcome::Done { .. }) {
        tracing::info!(comment_id = id, action = %action, moderator = %moderator.username, "moderated");
    }
    Ok(outcome)
}

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
            return render_comment(&state, &moderator, id, &raw, Some(message), None).await;
        }
    };
    let answer = NewAnswer {
        parent_id: id,
        body: text,
        author: state.site().guide.site.byline.clone(),
        moderator: moderator.username.clone(),
        created_at: now(),
    };
    let Some((answer_id, section)) = state.store.answer(answer).await? else {
        return Err(AppError::NotFound);
    };
    tracing::info!(comment_id = id, answer_id, moderator = %moderator.username, "answered");
    state.refresh_section(&section).await;
    Ok(Redirect::to(&format!("/admin/comments/{id}?done=answer&n=1")).into_response())
}

fn with_notice(back: &str, done: &str, n: u32, skipped: u32) -> String {
    let separator = if back.contains('?') { '&' } else { '?' };
    format!("{back}{separator}done={done}&n={n}&skipped={skipped}")
}
