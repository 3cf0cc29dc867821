//! `/admin`: moderator sign-in, the moderation queue and its actions, Undo, answers,
//! edits, the activity log and the links in moderators' email.
//!
//! Every route but the sign-in page requires a [`Moderator`]; every POST checks the
//! request's origin and the session's CSRF token. Admin pages may run the admin script
//! (`static/admin.js`, keyboard shortcuts): their Content-Security-Policy adds
//! `script-src 'self'`, still without `unsafe-inline`; public pages run no script at all.
mod actions;
mod activity;
mod auth;
mod comment;
mod delete;
mod edit;
mod email;
mod login;
mod queue;
mod views;

pub use views::timestamp;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};

pub use auth::Moderator;

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
        .route("/admin/preview/{slug}", get(preview_draft))
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

/// The public policy plus the admin script from our own origin.
static ADMIN_CSP: std::sync::LazyLock<HeaderValue> = std::sync::LazyLock::new(|| {
    HeaderValue::from_str(&format!(
        "{}; script-src 'self'",
        crate::web::CONTENT_SECURITY_POLICY
    ))
    .expect("the policy is a valid header value")
});

/// Sets the admin pages' Content-Security-Policy (the shared layer keeps a handler's own).
async fn admin_policy(mut response: axum::response::Response) -> axum::response::Response {
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, ADMIN_CSP.clone());
    response
}

/// `GET /admin/preview/{slug}`: a draft section, for moderators only.
async fn preview_draft(
    axum::extract::State(state): axum::extract::State<AppState>,
    _moderator: Moderator,
    axum::extract::Path(slug): axum::extract::Path<String>,
) -> crate::web::Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let site = state.site();
    let html = site
        .render_draft(&slug)
        .ok_or(crate::web::AppError::NotFound)??;
    Ok(crate::web::HtmlPage::ok(html).into_response())
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

/// A state-changing request from a signed-in moderator, checked once for every admin
/// POST: a live session (else 303 to sign-in), from this site's own pages (`Origin` or
/// `Referer`, else 403), with the session's CSRF token in the form (else 403).
pub struct AdminForm {
    pub moderator: Moderator,
    /// Every field in order (bulk actions repeat `ids`).
    pub pairs: Vec<(String, String)>,
    /// The first value of each field.
    pub fields: std::collections::HashMap<String, String>,
}

impl axum::extract::FromRequest<AppState> for AdminForm {
    type Rejection = crate::web::AppError;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = request.into_parts();
        let moderator = Moderator::from_request_parts(&mut parts, state).await?;
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
        auth::check_csrf(&moderator, &fields)?;
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

/// A `return_to` field, if it points back into the admin (never off-site).
fn safe_return_to(value: Option<&String>) -> String {
    match value {
        Some(path)
            if path.starts_with("/admin")
                && !path.starts_with("//")
                && !path.contains(['\r', '\n', '\\']) =>
        {
            path.clone()
        }
        _ => "/admin".to_owned(),
    }
}
