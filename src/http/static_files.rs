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
    let mut response = encoded_response(&asset.body, asset.content_type, cache, &headers);
    if asset.content_type.starts_with("image/svg+xml") {
        // Illustrations carry their own dark-mode colours in an inline <style>; they hold
        // no script, and this policy still allows none, nor anything fetched.
        response.headers_mut().insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SVG_POLICY),
        );
    }
    response
}

/// The policy for SVG files, which may style themselves but do nothing else.
pub const SVG_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
