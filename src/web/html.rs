//! The one way a page rendered per request becomes a response: its status, `text/html`,
//! and `Cache-Control: no-store` (such pages carry form values, a session or a query, and
//! must not be kept); a template that fails to render becomes the 500 page. And the
//! redirect after a public form is posted, never cached either.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::AppError;

/// A page rendered for one request.
#[derive(Debug)]
pub struct HtmlPage {
    pub status: StatusCode,
    pub html: String,
}

impl HtmlPage {
    /// A page with this status, e.g. 422 for a form re-shown with its errors.
    pub fn new(status: StatusCode, html: String) -> Self {
        Self { status, html }
    }

    /// A 200 page.
    pub fn ok(html: String) -> Self {
        Self::new(StatusCode::OK, html)
    }
}

impl IntoResponse for HtmlPage {
    fn into_response(self) -> Response {
        let mut response = (self.status, Html(self.html)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// Renders a template; a failure (a bug, never bad input) becomes a 500 naming `what`.
pub fn render(template: &impl askama::Template, what: &str) -> Result<String, AppError> {
    template
        .render()
        .map_err(|err| AppError::Internal(anyhow::anyhow!("rendering {what}: {err}")))
}

/// `303 See Other`, never cached.
pub fn see_other(location: &str) -> Response {
    let mut response = Redirect::to(location).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
