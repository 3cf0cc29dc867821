//! Moderation actions, on one comment and in bulk, and Undo. Every redirect goes back to
//! the page the moderator came from (tab, filters, page) and to the next comment's card.
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{AdminForm, safe_return_to};
use crate::clock::now;
use crate::comments::moderate;
use crate::state::AppState;
use crate::store::{Action, ActionOutcome, UndoOutcome};
use crate::web::{AppError, Result};

pub async fn apply_moderation_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    form: AdminForm,
) -> Result<Response> {
    let action = Action::parse(&action).ok_or(AppError::NotFound)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    act_on_one(&state, id, action, form).await
}

/// One comment, one action: also the confirmed deletion.
pub async fn act_on_one(
    state: &AppState,
    id: i64,
    action: Action,
    AdminForm {
        moderator, fields, ..
    }: AdminForm,
) -> Result<Response> {
    // Read before acting, so that a bad value can never turn a finished action into an error.
    let mut back = safe_return_to(fields.get("return_to"));
    if action == Action::Delete && fields.get("confirm").map(String::as_str) != Some("yes") {
        // Deleting is for good: it always passes through its confirmation page.
        return Ok(Redirect::to(&format!(
            "/admin/comments/{id}/delete?return_to={}",
            super::views::encode(&back)
        ))
        .into_response());
    }
    let moderated = moderate(
        state.store.as_ref(),
        state,
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
            let hint = if action == Action::Delete {
                " Only comments in spam or the trash can be deleted for good: move it to the trash first."
            } else {
                ""
            };
            return Err(AppError::Conflict(format!(
                "Comment {id} was not changed: {refused}.{hint}"
            )));
        }
        Some(ActionOutcome::NotFound) | None => return Err(AppError::NotFound),
    }
    // A deleted comment's own page is gone: go back to the queue instead.
    if action == Action::Delete && back.starts_with("/admin/comments/") {
        back = "/admin".to_owned();
    }
    let next = fields
        .get("next")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|_| !back.starts_with("/admin/comments/"));
    Ok(Redirect::to(&with_notice(&back, action.as_str(), 1, 0, &[id], next)).into_response())
}

pub async fn apply_bulk_action(State(state): State<AppState>, form: AdminForm) -> Result<Response> {
    let action = form
        .fields
        .get("action")
        .and_then(|a| Action::parse(a))
        .ok_or_else(|| {
            AppError::BadRequest(
                "Choose one of the actions: approve, unapprove, spam, trash, restore or delete."
                    .into(),
            )
        })?;
    let ids = super::form_ids(&form.pairs)?;
    let back = safe_return_to(form.fields.get("return_to"));
    if ids.is_empty() {
        return Ok(Redirect::to(&with_notice(&back, "none", 0, 0, &[], None)).into_response());
    }
    if action == Action::Delete && form.fields.get("confirm").map(String::as_str) != Some("yes") {
        let mut url = "/admin/comments/bulk/delete?".to_owned();
        for id in &ids {
            url.push_str(&format!("ids={id}&"));
        }
        url.push_str(&format!("return_to={}", super::views::encode(&back)));
        return Ok(Redirect::to(&url).into_response());
    }
    let moderated = moderate(
        state.store.as_ref(),
        &state,
        &ids,
        action,
        &form.moderator.username,
        now(),
    )
    .await?;
    let done: Vec<i64> = moderated
        .outcomes
        .iter()
        .filter(|(_, o)| matches!(o, ActionOutcome::Done { .. }))
        .map(|(id, _)| *id)
        .collect();
    let skipped = moderated.skipped() as u32;
    Ok(Redirect::to(&with_notice(
        &back,
        action.as_str(),
        done.len() as u32,
        skipped,
        &done,
        None,
    ))
    .into_response())
}

/// `POST /admin/comments/undo`: takes back the moderator's last action on these comments.
pub async fn undo_action(State(state): State<AppState>, form: AdminForm) -> Result<Response> {
    let action = form
        .fields
        .get("action")
        .and_then(|a| Action::parse(a))
        .filter(|a| *a != Action::Delete)
        .ok_or_else(|| AppError::BadRequest("Say which action to undo.".into()))?;
    let ids = super::form_ids(&form.pairs)?;
    if ids.is_empty() {
        return Err(AppError::BadRequest("Say which comments to undo.".into()));
    }
    let outcomes = crate::comments::undo(
        state.store.as_ref(),
        &state,
        &ids,
        action.as_str(),
        &form.moderator.username,
        now(),
    )
    .await?;
    let done: Vec<i64> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, UndoOutcome::Done { .. }))
        .map(|(id, _)| *id)
        .collect();
    if done.is_empty() {
        let reason = outcomes
            .into_iter()
            .find_map(|(_, o)| match o {
                UndoOutcome::Refused(reason) => Some(reason),
                _ => None,
            })
            .unwrap_or_else(|| "the comment is gone".to_owned());
        return Err(AppError::Conflict(format!("Nothing was undone: {reason}.")));
    }
    let back = safe_return_to(form.fields.get("return_to"));
    let skipped = (ids.len() - done.len()) as u32;
    let anchor = (done.len() == 1).then(|| done[0]);
    Ok(Redirect::to(&with_notice(
        &back,
        "undo",
        done.len() as u32,
        skipped,
        &[],
        anchor,
    ))
    .into_response())
}

/// `back` with the notice's query (`done`, `n`, `skipped`, the ids for Undo) and the card
/// to come back to.
pub fn with_notice(
    back: &str,
    done: &str,
    n: u32,
    skipped: u32,
    ids: &[i64],
    anchor: Option<i64>,
) -> String {
    let separator = if back.contains('?') { '&' } else { '?' };
    let mut url = format!("{back}{separator}done={done}&n={n}&skipped={skipped}");
    if !ids.is_empty() {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        url.push_str(&format!("&undo={}", list.join(".")));
    }
    if let Some(id) = anchor {
        url.push_str(&format!("#comment-{id}"));
    }
    url
}
