//! `AppError`: the failures a handler can return, each mapped to one status code.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Handler errors. Validation failures are not errors: they are ordinary 422 responses.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404: the site's own "page not found" page (filled in by `http::error_pages`).
    #[error("not found")]
    NotFound,
    /// 303 to `/admin/login`: no valid moderator session.
    #[error("not signed in")]
    Unauthorized,
    /// 403: a state-changing request without a valid CSRF token or from another origin.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 409: a moderation action that does not fit the comment's state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 503 with `Retry-After`: the database cannot answer just now (full, locked, down).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// 503 with `Retry-After`: the server is too busy for this request just now (every
    /// password check taken); nothing was done.
    #[error("busy")]
    Busy { retry_after: u64, message: String },
    /// 429 with `Retry-After`: too many attempts.
    #[error("too many requests")]
    TooManyRequests { retry_after: u64, message: String },
    /// 400: a request that cannot be read at all (not a form, not UTF-8).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 500: a bug or a failed dependency; details are logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Marks a response whose body should be replaced by the site's error page.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage;

/// Carries the cause of a 500 to the trace layer, which logs it inside the request span.
#[derive(Debug, Clone)]
pub struct InternalCause(pub std::sync::Arc<String>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => {
                let mut response = StatusCode::NOT_FOUND.into_response();
                response.extensions_mut().insert(ErrorPage);
                response
            }
            AppError::Unauthorized => axum::response::Redirect::to("/admin/login").into_response(),
            AppError::Forbidden(message) => (
                StatusCode::FORBIDDEN,
                [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                message_page("Not allowed", &message),
            )
                .into_response(),
            AppError::Conflict(message) => (
                StatusCode::CONFLICT,
                [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                message_page("That cannot be done", &message),
            )
                .into_response(),
            AppError::TooManyRequests {
                retry_after,
                message,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    (
                        axum::http::header::CONTENT_TYPE,
                        "text/html; charset=utf-8".to_owned(),
                    ),
                    (axum::http::header::RETRY_AFTER, retry_after.to_string()),
                ],
                message_page("Too many attempts", &message),
            )
                .into_response(),
            AppError::Busy {
                retry_after,
                message,
            } => (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (
                        axum::http::header::CONTENT_TYPE,
                        "text/html; charset=utf-8".to_owned(),
                    ),
                    (axum::http::header::RETRY_AFTER, retry_after.to_string()),
                ],
                message_page("Please try again in a moment", &message),
            )
                .into_response(),
            AppError::Unavailable(cause) => {
                let mut response = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [
                        (
                            axum::http::header::CONTENT_TYPE,
                            "text/html; charset=utf-8".to_owned(),
                        ),
                        (
                            axum::http::header::RETRY_AFTER,
                            RETRY_UNAVAILABLE_SECS.to_string(),
                        ),
                    ],
                    message_page(
                        "Please try again in a minute",
                        "The site cannot reach its database just now. Nothing you sent was lost or half-done: please try again in a minute.",
                    ),
                )
                    .into_response();
                response
                    .extensions_mut()
                    .insert(InternalCause(std::sync::Arc::new(cause)));
                response
            }
            AppError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                message_page("Your request could not be read", &message),
            )
                .into_response(),
            AppError::Internal(cause) => {
                let mut response = (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    INTERNAL_ERROR_PAGE,
                )
                    .into_response();
                response
                    .extensions_mut()
                    .insert(InternalCause(std::sync::Arc::new(format!("{cause:#}"))));
                response
            }
        }
    }
}

/// A small self-contained page for errors that happen before any template is involved.
pub fn message_page(title: &str, message: &str) -> String {
    let escape = crate::content::escape_html;
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head>\
<body><main><h1>{title}</h1><p>{message}</p><p><a href=\"/\">Back to the guide</a></p></main></body></html>",
        title = escape(title),
        message = escape(message)
    )
}

/// The one place store errors become responses: "unavailable" is 503 with `Retry-After`
/// on every route, anything else a 500.
impl From<crate::store::StoreError> for AppError {
    fn from(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::Unavailable(cause) => AppError::Unavailable(cause),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// How long readers are asked to wait when the database is unavailable.
pub const RETRY_UNAVAILABLE_SECS: u64 = 60;

/// A self-contained page: it must render even when templates or content are the problem.
const INTERNAL_ERROR_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Something went wrong</title></head>\
<body><main><h1>Something went wrong</h1><p>Sorry, the server could not answer this request. \
Please try again in a moment, or go back to <a href=\"/\">the start of the guide</a>.</p></main></body></html>";
