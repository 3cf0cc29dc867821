//! Bytes rendered ahead of time (pages, static files), answered straight from memory with
//! a strong ETag, in the encoding the client accepts.
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::encoded::Encoded;
use crate::site::RenderedPage;

/// 200 with the bytes, or 304 when the client already holds this version.
pub fn cached_response(page: &RenderedPage, headers: &HeaderMap) -> Response {
    encoded_response(&page.body, page.content_type, NO_CACHE, headers)
}

/// Pages may change with every approved comment: browsers revalidate (cheaply, by ETag).
pub const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// Picks the encoding the client accepts, and answers 304 when its ETag matches.
pub fn encoded_response(
    body: &Encoded,
    content_type: &'static str,
    cache_control: HeaderValue,
    request: &HeaderMap,
) -> Response {
    let (coding, bytes, etag) = body.select(request);
    let mut response = if etag_matches(request, etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Response::new(Body::from(bytes.clone()));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(encoding) = coding.header_value() {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, encoding);
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag.clone());
    headers.insert(header::CACHE_CONTROL, cache_control);
    if body.varies() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response.extensions_mut().insert(Precompressed);
    response
}

/// Marks responses that must not be compressed again per request.
#[derive(Debug, Clone, Copy)]
pub struct Precompressed;

/// `If-None-Match` holds our ETag (weak comparison, as RFC 9110 asks for GET).
pub fn etag_matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let etag = etag.to_str().unwrap_or_default();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}
