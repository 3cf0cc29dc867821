//! `GET /static/...`: files from memory. Fingerprinted names are cached for a year; plain
//! names (for links from outside, such as a favicon) must revalidate.
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::pages::etag_matches;
use crate::app::AppState;
use crate::assets::AssetName;
use crate::error::AppError;

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
        return AppError::NotFound.into_response();
    };
    let cache = HeaderValue::from_static(match name {
        AssetName::Fingerprinted => IMMUTABLE,
        AssetName::Plain => REVALIDATE,
    });
    let etag = HeaderValue::from_str(&asset.etag).expect("ETags are hex in quotes");
    if etag_matches(&headers, &asset.etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        Body::from(asset.bytes.clone()),
    )
        .into_response()
}
