//! `GET /static/...`: files from memory. Fingerprinted names are cached for a year; plain
//! names (for links from outside, such as a favicon) must revalidate.
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use crate::assets::{Asset, AssetName};
use crate::state::AppState;
use crate::web::{AppError, Result, Stored, encoded_response};

/// A fingerprinted name never changes its bytes. (`public` would add nothing: the
/// response is cacheable by anyone anyway, as it carries no `Authorization`.)
static IMMUTABLE: HeaderValue = HeaderValue::from_static("max-age=31536000, immutable");
static REVALIDATE: HeaderValue = HeaderValue::from_static("public, no-cache");

pub async fn serve_asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    // Only names read from static/ at start are served, so no path can leave that folder.
    let site = state.site();
    let (asset, name) = site.assets.lookup(&path).ok_or(AppError::NotFound)?;
    Ok(encoded_response(&stored(asset, name), &headers))
}

/// How a static file is served: its bytes, type and caching, and for SVG files a policy
/// of their own.
pub fn stored(asset: &Asset, name: AssetName) -> Stored<'_> {
    Stored {
        body: &asset.body,
        content_type: asset.content_type,
        cache_control: match name {
            AssetName::Fingerprinted => IMMUTABLE.clone(),
            AssetName::Plain => REVALIDATE.clone(),
        },
        // Illustrations carry their own dark-mode colours in an inline <style>; they hold
        // no script, and this policy still allows none, nor anything fetched.
        own_policy: asset
            .content_type
            .starts_with("image/svg+xml")
            .then_some(SVG_POLICY),
    }
}

/// The policy for SVG files, which may style themselves but do nothing else.
pub const SVG_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
