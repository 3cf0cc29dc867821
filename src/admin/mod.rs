//! `/admin`: sign-in for moderators and editors; the moderation queue and its actions,
//! Undo, answers, edits, the activity log and the links in moderators' email; and the
//! editor's preview.
//!
//! Every route but the sign-in page requires a signed-in account with the right role: a
//! [`Moderator`] for the queue, an [`Editor`] for the preview (403 for the other role);
//! every POST checks the request's origin and the session's CSRF token. Admin pages may
//! run our own scripts (`static/admin.js`, keyboard shortcuts; `static/preview.js`, the
//! preview's reload): their Content-Security-Policy adds `script-src 'self'`, still
//! without `unsafe-inline`; public pages run no script at all.
mod actions;
mod activity;
mod auth;
mod comment;
mod delete;
mod edit;
mod email;
mod login;
mod preview;
mod queue;
mod views;

pub use views::timestamp;

use axum::Router;
use axum::http::header;
use axum::routing::{get, post};

pub use auth::{Editor, Moderator};

use crate::state::AppState;

/// Most comments one bulk action may touch (a queue page holds 50).
pub const MAX_BULK: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(queue::show_queue))
        .route("/admin/activity", get(activity::show_activity))
        .route("/admin/login", get(login::login_form).post(login::login))
        .route("/admin/logout", post(login::logout))
        .route("/admin/comments/bulk", post(actions::apply_bulk_action))
        .route(
            "/admin/comments/bulk/delete",
            get(delete::confirm_bulk_delete),
        )
        .route("/admin/comments/undo", post(actions::undo_action))
        .route("/admin/preview", get(preview::preview_index))
        .route("/admin/preview/events", get(preview::preview_events))
        .route("/admin/preview/{*path}", get(preview::preview_page))
        .route("/admin/comments/{id}", get(comment::show_comment))
        .route("/admin/comments/{id}/answer", post(comment::answer_comment))
        .route(
            "/admin/comments/{id}/edit",
            get(edit::edit_form).post(edit::save_edit),
        )
        .route(
            "/admin/comments/{id}/delete",
            get(delete::confirm_delete).post(delete::delete_comment),
        )
        .route(
            "/admin/comments/{id}/{action}",
            post(actions::apply_moderation_action),
        )
        .route(
            "/admin/email/{token}",
            get(email::confirm_email_action).post(email::apply_email_action),
        )
        .layer(axum::middleware::map_response(admin_policy))
}

/// Sets the admin pages' Content-Security-Policy (the shared layer keeps a handler's own).
async fn admin_policy(mut response: axum::response::Response) -> axum::response::Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        crate::web::SCRIPT_POLICY.clone(),
    );
    response
}

/// The `ids` fields of a form (bulk actions repeat it), at most [`MAX_BULK`].
fn form_ids(pairs: &[(String, String)]) -> crate::web::Result<Vec<i64>> {
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(key, _)| key == "ids")
        .map(|(_, value)| {
            value.parse().map_err(|_| {
                crate::web::AppError::BadRequest(format!("{value:?} is not a comment id."))
            })
        })
        .collect::<crate::web::Result<_>>()?;
    if ids.len() > MAX_BULK {
        return Err(crate::web::AppError::BadRequest(format!(
            "Select at most {MAX_BULK} comments at a time."
        )));
    }
    Ok(ids)
}

/// A state-changing request from a signed-in account (a moderator unless `A` says
/// otherwise), checked once for every admin POST: a live session with the role (else 303
/// to sign-in, or 403), from this site's own pages (`Origin` or `Referer`, else 403), with
/// the session's CSRF token in the form (else 403).
pub struct AdminForm<A = Moderator> {
    pub moderator: A,
    /// Every field in order (bulk actions repeat `ids`).
    pub pairs: Vec<(String, String)>,
    /// The first value of each field.
    pub fields: std::collections::HashMap<String, String>,
}

impl<A> axum::extract::FromRequest<AppState> for AdminForm<A>
where
    A: axum::extract::FromRequestParts<AppState, Rejection = crate::web::AppError>
        + auth::HasSession
        + Send,
{
    type Rejection = crate::web::AppError;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let moderator = A::from_request_parts(&mut parts, state).await?;
        auth::check_same_origin(state, &parts.headers)?;
        let body = axum::body::to_bytes(body, crate::web::MAX_BODY_BYTES)
            .await
            .map_err(|_| {
                crate::web::AppError::BadRequest(
                    "The form could not be read, or is too large.".into(),
                )
            })?;
        let pairs = read_form(&parts.headers, &body)?;
        let fields = first_values(&pairs);
        auth::check_csrf(moderator.csrf_token(), &fields)?;
        Ok(Self {
            moderator,
            pairs,
            fields,
        })
    }
}

/// Reads an admin form body strictly (the same decoder as the comment form).
fn read_form(
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> crate::web::Result<Vec<(String, String)>> {
    let is_form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form && !body.is_empty() {
        return Err(crate::web::AppError::BadRequest(
            "Forms must be sent as application/x-www-form-urlencoded.".into(),
        ));
    }
    crate::comments::decode_pairs(body).map_err(|err| {
        crate::web::AppError::BadRequest(format!("The form could not be read: {err}."))
    })
}

/// The first value of each field.
fn first_values(pairs: &[(String, String)]) -> std::collections::HashMap<String, String> {
    let mut map = std::collections::HashMap::new();
    for (key, value) in pairs {
        map.entry(key.clone()).or_insert_with(|| value.clone());
    }
    map
}

/// A `return_to` field, if it points back into the admin (never off-site) and can go into
/// a `Location` header as it is: visible ASCII only, no backslash. Anything else returns to
/// the queue. Read before the action is taken, so that a bad value can never turn a
/// finished action into an error.
fn safe_return_to(value: Option<&String>) -> String {
    match value {
        Some(path)
            if path.starts_with("/admin")
                && !path.starts_with("//")
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path.clone()
        }
        _ => "/admin".to_owned(),
    }
}
