//! `GET /search?q=`: ranked results over the guide, rendered per request.
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::state::AppState;
use crate::web::{AppError, Result};

/// Queries are cut to this many characters; nobody needs more to find a page.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response> {
    let query: String = params.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let hits = state.site().guide.search.search(&query);
    let html = state
        .site()
        .render_search(&query, &hits)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("rendering search results: {err}")))?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}
