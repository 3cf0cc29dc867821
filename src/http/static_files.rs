//! `GET /static/...`: files from memory. Fingerprinted names are cached for a year; plain
//! names (for links from outside, such as a favicon) must revalidate.
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use crate::assets::AssetName;
use crate::state::AppState;
use crate::web::encoded_response;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "public, no-cache";

pub async fn serve_asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    // Only names read from static/ at start are served, so no path can leave that folder.
    let site = state.site();
    let Some((asset, name)) = site.assets.lookup(&path) else {
        return crate::web::not_found_response(&site);
    };
    let cache = HeaderValue::from_static(match name {
        AssetName::Fingerprinted => IMMUTABLE,
        AssetName::Plain => REVALIDATE,
    });
    encoded_response(&asset.body, asset.content_type, cache, &headers)
}
