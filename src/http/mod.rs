//! The public routes: pages, the comment form, search, health and static files. Each is a
//! thin handler that takes what the domain decided and turns it into a response.
mod comments;
mod health;
mod pages;
mod search;
mod static_files;

use axum::Router;
use axum::routing::{get, post};

pub use pages::not_found;

use crate::paths;
use crate::state::AppState;

/// Routes answered from memory: they need none of the layers that dynamic routes get
/// (body limit, timeout, error pages, per-request compression), each of which costs time
/// on every request.
pub fn cached_routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/guide/{slug}", get(comments::show_section))
        .route("/static/{*path}", get(static_files::serve_asset));
    for path in paths::RENDERED {
        router = router.route(path, get(pages::show_page));
    }
    router
}

/// Routes that do work per request.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/guide/{slug}/comments", post(comments::submit_comment))
        .route(paths::SEARCH, get(search::search))
        .route("/healthz", get(health::healthz))
}
