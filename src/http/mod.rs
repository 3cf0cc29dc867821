//! HTTP: routes for every public URL, and the layers every response passes through.
mod comments;
mod error_pages;
mod health;
mod pages;
mod search;
mod security;
mod static_files;
mod trace;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::app::AppState;

/// Largest request body accepted anywhere (comment forms are far smaller).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Per-request compression, for what was not compressed ahead of time (search results,
/// re-rendered forms, admin pages, the 404 page) and is worth it.
fn compression() -> CompressionLayer<impl Predicate> {
    let not_precompressed = |_: StatusCode,
                             _: axum::http::Version,
                             _: &axum::http::HeaderMap,
                             extensions: &axum::http::Extensions| {
        extensions.get::<pages::Precompressed>().is_none()
    };
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(DefaultPredicate::new().and(not_precompressed))
}

/// All routes plus layers. The access log is outermost, so that every response (errors
/// included) is logged once, then the security headers.
///
/// Pages served from memory take a short path: they need no body limit, timeout, error-page
/// rewriting or per-request compression, and each of those layers costs time on every
/// request (a timer, a boxed future, a wrapped body). Everything else gets all of them.
pub fn router(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    let cached = Router::new()
        .route("/", get(pages::show_page))
        .route("/guide", get(pages::show_page))
        .route("/guide/{slug}", get(comments::show_section))
        .route("/sitemap.xml", get(pages::show_page))
        .route("/feed.xml", get(pages::show_page))
        .route("/robots.txt", get(pages::show_page))
        .route("/static/{*path}", get(static_files::serve_asset));
    let dynamic = Router::new()
        .route("/guide/{slug}/comments", post(comments::submit_comment))
        .route("/search", get(search::search))
        .route("/healthz", get(health::healthz))
        .merge(crate::admin::router())
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error_pages::render_error_pages,
        ))
        .layer(compression())
        .layer(axum::middleware::from_fn(trace::request_span));
    cached
        .merge(dynamic)
        .layer(security::SecurityHeadersLayer)
        .layer(trace::AccessLogLayer)
        .with_state(state)
}
