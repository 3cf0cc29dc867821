//! Gives error and redirect responses a body: the site's own page for those marked with
//! [`ErrorPage`], a short explanation for 413 and 405, and a link for redirects (RFC 9110
//! section 15.4: a redirect should carry a short note with a link to the new address).
use axum::body::{Body, HttpBody};
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
    let status = response.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return payload_too_large();
    }
    if response.extensions().get::<ErrorPage>().is_some() && status == StatusCode::NOT_FOUND {
        return not_found_response(&state.site());
    }
    if response.body().size_hint().exact() == Some(0) {
        if status == StatusCode::METHOD_NOT_ALLOWED {
            return with_note(response, method_not_allowed_note);
        }
        if status.is_redirection() && response.headers().contains_key(header::LOCATION) {
            return with_note(response, redirect_note);
        }
    }
    response
}

/// The site's 404 page (compressed per request, like every page that is not stored).
fn not_found_response(site: &Site) -> Response {
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

/// Puts `note` (made from the response's headers) in an empty response's body.
fn with_note(response: Response, note: fn(&Response) -> String) -> Response {
    let body = note(&response);
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// axum names the allowed methods in `Allow` after this layer has run, so the note
/// speaks of pages and forms instead.
fn method_not_allowed_note(_: &Response) -> String {
    crate::web::message_page(
        "Not possible here",
        "This address does not answer that kind of request. Pages are read (GET); \
         forms send what you type to addresses of their own.",
    )
}

fn redirect_note(response: &Response) -> String {
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("/");
    let location = crate::content::escape_html(location);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Moved</title></head>\
<body><p>This continues at <a href=\"{location}\">{location}</a>.</p></body></html>"
    )
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
