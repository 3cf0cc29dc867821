//! `GET /healthz`: 200 `ok` while the server and its database answer, 503 otherwise.
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::state::AppState;

/// A database that takes longer than this to answer counts as down.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let (status, body) = match tokio::time::timeout(PING_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(err)) => {
            tracing::error!("health check: {err}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::error!("health check: the database did not answer within {PING_TIMEOUT:?}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    };
    (status, [(header::CACHE_CONTROL, "no-store")], body)
}
