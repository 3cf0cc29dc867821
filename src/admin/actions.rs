//! Moderation actions: on one comment, in bulk, and answers from the editorial team.
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::queue::render_comment;
use super::{AdminForm, safe_return_to};
use crate::clock::now;
use crate::comments::moderate;
use crate::state::AppState;
use crate::store::{Action, ActionOutcome, NewAnswer};
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
    let mut back = safe_return_to(fields.get("return_to"));
    let moderated = moderate(
        state.store.as_ref(),
        &state,
        &[id],
        action,
        &moderator.username,
        now(),
    )
    .await?;
    match moderated
        .outcomes
        .into_iter()
        .next()
        .map(|(_, outcome)| outcome)
    {
        Some(ActionOutcome::Done { .. }) => {}
        Some(ActionOutcome::Refused(refused)) => {
            return Err(AppError::Conflict(format!(
                "Comment {id} was not changed: {refused}."
            )));
        }
        Some(ActionOutcome::NotFound) | None => return Err(AppError::NotFound),
    }
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
    let moderated = moderate(
        state.store.as_ref(),
        &state,
        &ids,
        action,
        &moderator.username,
        now(),
    )
    .await?;
    let (done, skipped) = (moderated.done() as u32, moderated.skipped() as u32);
    Ok(Redirect::to(&with_notice(&back, action.as_str(), done, skipped)).into_response())
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
    if crate::comments::answer(state.store.as_ref(), &state, answer)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/admin/comments/{id}?done=answer&n=1")).into_response())
}

fn with_notice(back: &str, done: &str, n: u32, skipped: u32) -> String {
    let separator = if back.contains('?') { '&' } else { '?' };
    format!("{back}{separator}done={done}&n={n}&skipped={skipped}")
}
