//! Pre-rendered pages: served straight from memory with a strong ETag.
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppState;
use crate::error::AppError;
use crate::pages::RenderedPage;

/// `GET /`, `/guide`, `/guide/{slug}`, `/sitemap.xml`, `/feed.xml`, `/robots.txt`.
pub async fn show_page(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    match state.site().page(uri.path()) {
        Some(page) => cached_response(&page, &headers),
        None => AppError::NotFound.into_response(),
    }
}

/// Every unknown path. A trailing slash on a real page redirects to the page.
pub async fn not_found(State(state): State<AppState>, uri: Uri) -> Response {
    let path = uri.path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        if state.site().page(trimmed).is_some() {
            return Redirect::permanent(trimmed).into_response();
        }
    }
    AppError::NotFound.into_response()
}

/// 200 with the bytes, or 304 when the client already holds this version.
pub fn cached_response(page: &RenderedPage, headers: &HeaderMap) -> Response {
    let etag = HeaderValue::from_str(&page.etag).expect("ETags are hex in quotes");
    let cache_control = HeaderValue::from_static("no-cache");
    if etag_matches(headers, &page.etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache_control)],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(page.content_type),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache_control),
        ],
        Body::from(page.body.clone()),
    )
        .into_response()
}

/// `If-None-Match` holds our ETag (weak comparison, as RFC 9110 asks for GET).
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}
