//! Pages rendered ahead of time: the home page, the one-page guide, feeds (of the guide and
//! of its comments), the sitemap,
//! robots.txt and the pages beyond the guide (`/about`, ...).
use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};

use crate::state::AppState;
use crate::web::{AppError, cached_response};

/// `GET /`, `/guide`, `/sitemap.xml`, `/feed.xml`, `/feed/comments.xml`,
/// `/feed/comments/{slug}.xml`, `/robots.txt`.
///
/// Takes the whole request rather than `Uri` and `HeaderMap` extractors, which would copy
/// the request's headers on every call.
pub async fn show_page(State(state): State<AppState>, request: Request) -> Response {
    match state.site().page(request.uri().path()) {
        Some(page) => cached_response(&page, request.headers()),
        None => AppError::NotFound.into_response(),
    }
}

/// Every path without a route of its own: the pages beyond the guide (`/about`, ...),
/// whose paths come from the content and so can change on reload, and otherwise 404. A
/// trailing slash on a real page redirects to the page.
pub async fn not_found(State(state): State<AppState>, request: Request) -> Response {
    let site = state.site();
    let path = request.uri().path();
    if matches!(*request.method(), Method::GET | Method::HEAD)
        && let Some(page) = site.page(path)
    {
        return cached_response(&page, request.headers());
    }
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        if site.page(trimmed).is_some() {
            return Redirect::permanent(trimmed).into_response();
        }
    }
    AppError::NotFound.into_response()
}
