//! `GET /search?q=`: ranked results over the guide, rendered per request.
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::state::AppState;
use crate::web::{AppError, HtmlPage, Result};

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
    // One snapshot for the whole request: a reload meanwhile cannot mix versions.
    let site = state.site();
    let hits = site.guide.search.search(&query);
    let html = site
        .render_search(&query, &hits)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("rendering search results: {err}")))?;
    Ok(HtmlPage::ok(html).into_response())
}
