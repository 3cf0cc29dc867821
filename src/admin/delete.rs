//! Deleting for good, only from spam and trash, and only after a confirmation page that
//! works without JavaScript: `GET .../delete` shows what will go, its form POSTs with
//! `confirm=yes`.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::views::{AdminComment, AdminLayout};
use super::{AdminForm, Moderator, safe_return_to};
use crate::state::AppState;
use crate::store::{Action, Comment};
use crate::web::{AppError, HtmlPage, Result, render};

#[derive(Template)]
#[template(path = "admin/confirm_delete.html")]
pub struct ConfirmDeletePage<'a> {
    pub layout: AdminLayout<'a>,
    pub comments: Vec<AdminComment>,
    /// Selected comments that are not in spam or trash, and so stay.
    pub kept: usize,
    /// Where the form posts: one comment's delete, or the bulk action.
    pub action: String,
    pub bulk: bool,
    pub return_to: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReturnTo {
    return_to: Option<String>,
}

/// `GET /admin/comments/{id}/delete`.
pub async fn confirm_delete(
    State(state): State<AppState>,
    moderator: Moderator,
    Path(id): Path<String>,
    query: std::result::Result<Query<ReturnTo>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let comment = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    if Action::Delete.target(comment.status).is_err() {
        return Err(AppError::Conflict(format!(
            "Comment {id} is {}: only comments in spam or the trash can be deleted for good. Move it to the trash first.",
            comment.status
        )));
    }
    let Query(query) = query.unwrap_or_default();
    let back = safe_return_to(query.return_to.as_ref());
    let back = if back.starts_with(&format!("/admin/comments/{id}")) {
        "/admin?status=trash".to_owned()
    } else {
        back
    };
    render_page(
        &state,
        &moderator,
        vec![comment],
        0,
        format!("/admin/comments/{id}/delete"),
        false,
        back,
    )
}

/// `GET /admin/comments/bulk/delete?ids=1&ids=2`.
pub async fn confirm_bulk_delete(
    State(state): State<AppState>,
    moderator: Moderator,
    uri: axum::http::Uri,
) -> Result<Response> {
    let pairs = crate::comments::decode_pairs(uri.query().unwrap_or_default().as_bytes())
        .map_err(|err| AppError::BadRequest(format!("The address could not be read: {err}.")))?;
    let ids = super::form_ids(&pairs)?;
    let return_to = pairs
        .iter()
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| v.clone());
    let mut deletable = Vec::new();
    let mut kept = 0;
    for id in ids {
        match state.store.get(id).await? {
            Some(c) if Action::Delete.target(c.status).is_ok() => deletable.push(c),
            Some(_) => kept += 1,
            None => {}
        }
    }
    if deletable.is_empty() {
        return Err(AppError::Conflict(
            "None of the selected comments can be deleted for good: only comments in spam or the trash can."
                .into(),
        ));
    }
    render_page(
        &state,
        &moderator,
        deletable,
        kept,
        "/admin/comments/bulk".to_owned(),
        true,
        safe_return_to(return_to.as_ref()),
    )
}

fn render_page(
    state: &AppState,
    moderator: &Moderator,
    comments: Vec<Comment>,
    kept: usize,
    action: String,
    bulk: bool,
    return_to: String,
) -> Result<Response> {
    let site = state.site();
    let guide = &site.guide;
    let title = if comments.len() == 1 {
        format!("Delete comment {} for good?", comments[0].id)
    } else {
        format!("Delete {} comments for good?", comments.len())
    };
    let view = ConfirmDeletePage {
        layout: AdminLayout::new(&guide.site, &site.assets, &title, Some(moderator)),
        comments: comments
            .into_iter()
            .map(|c| AdminComment::new(c, guide, &[]))
            .collect(),
        kept,
        action,
        bulk,
        return_to,
    };
    Ok(HtmlPage::ok(render(&view, "a deletion's confirmation page")?).into_response())
}

/// `POST /admin/comments/{id}/delete`: with `confirm=yes`, deletes; without, shows the
/// confirmation page.
pub async fn delete_comment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    super::actions::act_on_one(&state, id, Action::Delete, form).await
}
