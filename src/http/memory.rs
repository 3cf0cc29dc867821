//! Pages and static files answered straight from memory, before the router: a request
//! for a stored page costs a lookup, the encoding choice and the header block, and one
//! access log line. Anything else (a query string, another method, a path with no stored
//! page, a percent-encoded name, a section page for a reader whose browser holds their
//! remembered details) goes on to the router, which answers it as before.
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;

use crate::paths;
use crate::state::AppState;
use crate::web::{FixedHeaders, Stored, log_request, memory_response, message_page};

/// Answers before the router: stored pages and files, and requests the server refuses.
pub struct FromMemory {
    state: AppState,
    fixed: FixedHeaders,
}

impl FromMemory {
    pub fn new(state: AppState, fixed: FixedHeaders) -> Self {
        Self { state, fixed }
    }

    /// The stored response for `request`, if it is a plain GET or HEAD of a stored page
    /// or file; `None` leaves it to the router.
    pub fn answer<B>(&self, request: &Request<B>) -> Option<Response<Full<Bytes>>> {
        if !matches!(*request.method(), Method::GET | Method::HEAD)
            || request.uri().query().is_some()
        {
            return None;
        }
        let started = Instant::now();
        let path = request.uri().path();
        let site = self.state.site();
        let (route, response) = if let Some(name) = path.strip_prefix("/static/") {
            let (asset, kind) = site.assets.lookup(name)?;
            let stored = super::static_files::stored(asset, kind);
            (
                STATIC_ROUTE,
                memory_response(&stored, &self.fixed, request.headers()),
            )
        } else {
            // The form on a section page is filled in for a reader who asked to be
            // remembered: rendered for them alone, by the router.
            if path.starts_with("/guide/") && super::remember::may_carry_cookie(request.headers()) {
                return None;
            }
            let page = site.page(path)?;
            let response = memory_response(&Stored::page(&page), &self.fixed, request.headers());
            (route_of(path), response)
        };
        log_request(request.method(), path, route, response.status(), started);
        Some(response)
    }

    /// `400 Bad Request`, explained, with the site's headers, and logged.
    pub fn refuse_request<B>(&self, request: &Request<B>, message: &str) -> Response<Full<Bytes>> {
        let started = Instant::now();
        let body = message_page("Your request could not be read", message);
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = StatusCode::BAD_REQUEST;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        self.fixed.add_to(headers);
        log_request(
            request.method(),
            request.uri().path(),
            "",
            response.status(),
            started,
        );
        response
    }
}

impl crate::server::FrontDesk for FromMemory {
    fn stored_response(
        &self,
        request: &Request<hyper::body::Incoming>,
    ) -> Option<Response<Full<Bytes>>> {
        self.answer(request)
    }

    fn refuse(
        &self,
        request: &Request<hyper::body::Incoming>,
        message: &'static str,
    ) -> Response<Full<Bytes>> {
        self.refuse_request(request, message)
    }
}

const STATIC_ROUTE: &str = "/static/{*path}";
/// Each section's comment feed (`/feed/comments/{slug}.xml`).
pub const SECTION_FEED_ROUTE: &str = "/feed/comments/{file}";

/// The route the router would have logged for a stored page's path.
fn route_of(path: &str) -> &'static str {
    if path.starts_with("/guide/") {
        return "/guide/{slug}";
    }
    if path.starts_with("/feed/comments/") {
        return SECTION_FEED_ROUTE;
    }
    // The pages beyond the guide (`/about`, ...) are served by the router's fallback,
    // which has no route of its own.
    paths::RENDERED
        .into_iter()
        .find(|rendered| *rendered == path)
        .unwrap_or("")
}
