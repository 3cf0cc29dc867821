//! Swaps the body of error responses marked with [`ErrorPage`] for the site's own page.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::ErrorPage;

pub async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if response.extensions().get::<ErrorPage>().is_none() {
        return response;
    }
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return not_found_response(&state);
    }
    response
}

/// The site's 404 page.
pub fn not_found_response(state: &AppState) -> Response {
    let page = &state.site.not_found;
    (
        StatusCode::NOT_FOUND,
        [
            (header::CONTENT_TYPE, page.content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from(page.body.clone()),
    )
        .into_response()
}
