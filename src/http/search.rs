//! `GET /search?q=`: ranked results over the guide, rendered per request.
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::site::SearchQuery;
use crate::state::AppState;
use crate::web::{AppError, HtmlPage, Result};

/// Queries are cut to this many characters; nobody needs more to find a page.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

/// No span of its own: the request span around every handler already names the route.
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response> {
    let trimmed = params.q.trim();
    let text: String = trimmed.chars().take(MAX_QUERY_CHARS).collect();
    let query = SearchQuery {
        cut: text.len() < trimmed.len(),
        max_chars: MAX_QUERY_CHARS,
        text,
    };
    // One snapshot for the whole request: a reload meanwhile cannot mix versions.
    let site = state.site();
    let results = site.guide.search.search(&query.text);
    let html = site
        .render_search(&query, &results)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("rendering search results: {err}")))?;
    Ok(HtmlPage::ok(html).into_response())
}
