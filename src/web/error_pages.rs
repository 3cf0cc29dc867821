//! Swaps the body of error responses marked with [`ErrorPage`] for the site's own page.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::site::Site;
use crate::state::AppState;
use crate::web::ErrorPage;

pub async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return payload_too_large();
    }
    if response.extensions().get::<ErrorPage>().is_none() {
        return response;
    }
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return not_found_response(&state.site());
    }
    response
}

/// The site's 404 page.
pub fn not_found_response(site: &Site) -> Response {
    let page = &site.not_found;
    (
        StatusCode::NOT_FOUND,
        [
            (header::CONTENT_TYPE, page.content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from(page.body.identity().clone()),
    )
        .into_response()
}

/// 413 from the body limit, explained to a person.
fn payload_too_large() -> Response {
    let message = format!(
        "What you sent is larger than the {} KiB this site accepts. Comments may be up to 5,000 characters.",
        crate::web::MAX_BODY_BYTES / 1024
    );
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::web::message_page("Too large to accept", &message),
    )
        .into_response()
}
