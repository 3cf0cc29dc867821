//! The public routes: pages, the comment form, the links in readers' email, search, health
//! and static files. Each is a thin handler that takes what the domain decided and turns it
//! into a response.
mod comments;
mod health;
mod memory;
mod metrics;
mod notify;
mod pages;
mod remember;
mod search;
mod static_files;

use axum::Router;
use axum::routing::{get, post};

pub use memory::FromMemory;
pub use metrics::metrics_router;
pub use pages::not_found;

use crate::paths;
use crate::state::AppState;

/// Routes answered from memory. Plain GET and HEAD requests for them are answered by
/// [`FromMemory`] before the router; these routes see the rest (query strings, other
/// methods, pages that do not exist).
pub fn cached_routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/guide/{slug}", get(comments::show_section))
        .route("/static/{*path}", get(static_files::serve_asset))
        .route(memory::SECTION_FEED_ROUTE, get(pages::show_page));
    for path in paths::RENDERED {
        router = router.route(path, get(pages::show_page));
    }
    router
}

/// Routes that do work per request.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/guide/{slug}/comments", post(comments::submit_comment))
        .route(
            paths::NOTIFY_CONFIRM,
            get(notify::confirm_page).post(notify::confirm),
        )
        .route(
            paths::NOTIFY_UNSUBSCRIBE,
            get(notify::unsubscribe_page).post(notify::unsubscribe_now),
        )
        .route(paths::FORGET_ME, post(remember::forget))
        .route(paths::SEARCH, get(search::search))
        .route("/healthz", get(health::healthz))
}
