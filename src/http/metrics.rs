//! `GET /metrics` on the operators' own address (`metrics_addr`): Prometheus' text format.
//! Nothing else is served there, and nothing of this is served on the public port.
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::metrics;
use crate::state::AppState;

/// The metrics listener's routes: `/metrics`, and 404 for anything else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found: try /metrics\n") })
        .with_state(state)
}

/// Reads the gauges that live in the database, then renders everything recorded so far.
/// A database that does not answer leaves its gauges as they were: the scrape still
/// succeeds, so the request and reload counters stay visible when they matter most.
async fn scrape(State(state): State<AppState>) -> Response {
    match state.store.counts().await {
        Ok(counts) => {
            let counts: Vec<(&'static str, i64)> =
                counts.iter().map(|(s, n)| (s.as_str(), *n)).collect();
            metrics::comments_by_status(&counts);
        }
        Err(err) => tracing::warn!("metrics: cannot count comments: {err}"),
    }
    let (open, idle) = state.store.connections();
    metrics::db_connections(open, idle);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics::render(),
    )
        .into_response()
}
