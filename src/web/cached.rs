//! Bytes rendered ahead of time (pages, static files), answered straight from memory with
//! a strong ETag, in the encoding the client accepts.
use std::cell::RefCell;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use crate::encoded::{Coding, Encoded};
use crate::site::RenderedPage;
use crate::web::FixedHeaders;

/// 200 with the bytes, or 304 when the client already holds this version.
pub fn cached_response(page: &RenderedPage, headers: &HeaderMap) -> axum::response::Response {
    encoded_response(&Stored::page(page), headers)
}

/// Pages may change with every approved comment: browsers revalidate (cheaply, by ETag).
pub const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// What is served from memory: a body in its encodings, its type and caching, and the
/// policy of its own that replaces the site's `Content-Security-Policy`, if any.
pub struct Stored<'a> {
    pub body: &'a Encoded,
    pub content_type: &'static str,
    pub cache_control: HeaderValue,
    pub own_policy: Option<&'static str>,
}

impl<'a> Stored<'a> {
    /// A page rendered ahead of time.
    pub fn page(page: &'a RenderedPage) -> Self {
        Self {
            body: &page.body,
            content_type: page.content_type,
            cache_control: NO_CACHE,
            own_policy: None,
        }
    }
}

/// Picks the encoding the client accepts, and answers 304 when its ETag matches, for a
/// routed request (the router's layers add the site's fixed headers).
pub fn encoded_response(stored: &Stored<'_>, request: &HeaderMap) -> axum::response::Response {
    let (status, headers, bytes) = head(stored, None, request);
    let mut response = Response::new(bytes.map_or_else(Body::empty, Body::from));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response.extensions_mut().insert(Precompressed);
    response
}

/// The same for a request answered before the router, with every header the site sends.
pub fn memory_response(
    stored: &Stored<'_>,
    fixed: &FixedHeaders,
    request: &HeaderMap,
) -> Response<Full<Bytes>> {
    let (status, headers, bytes) = head(stored, Some(fixed), request);
    let mut response = Response::new(Full::new(bytes.unwrap_or_default()));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The status, the whole header block and the body (none for 304). With `fixed` (a
/// response from memory) the block is built once per variant and thread and then cloned.
fn head(
    stored: &Stored<'_>,
    fixed: Option<&FixedHeaders>,
    request: &HeaderMap,
) -> (StatusCode, HeaderMap, Option<Bytes>) {
    let (coding, bytes, etag) = stored.body.select(request);
    let not_modified = etag_matches(request, etag);
    let headers = match fixed {
        Some(fixed) => {
            let key = HeadKey {
                stored,
                coding,
                etag,
                not_modified,
                fixed,
            };
            built_head(&key)
        }
        None => build_head(stored, coding, etag, not_modified, None),
    };
    if not_modified {
        (StatusCode::NOT_MODIFIED, headers, None)
    } else {
        (StatusCode::OK, headers, Some(bytes.clone()))
    }
}

fn build_head(
    stored: &Stored<'_>,
    coding: Coding,
    etag: &HeaderValue,
    not_modified: bool,
    fixed: Option<&FixedHeaders>,
) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(16);
    if !not_modified {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(stored.content_type),
        );
        if let Some(encoding) = coding.header_value() {
            headers.insert(header::CONTENT_ENCODING, encoding);
        }
    }
    headers.insert(header::ETAG, etag.clone());
    headers.insert(header::CACHE_CONTROL, stored.cache_control.clone());
    if stored.body.varies() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(policy) = stored.own_policy {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
    }
    if let Some(fixed) = fixed {
        for (name, value) in fixed.iter() {
            if stored.own_policy.is_none() || name != header::CONTENT_SECURITY_POLICY {
                headers.append(name, value.clone());
            }
        }
    }
    headers
}

/// Everything a response head from memory depends on.
struct HeadKey<'a> {
    stored: &'a Stored<'a>,
    coding: Coding,
    etag: &'a HeaderValue,
    not_modified: bool,
    fixed: &'a FixedHeaders,
}

/// A header block built for one [`HeadKey`], with the key's values to check it against.
struct BuiltHead {
    fixed: u64,
    coding: Coding,
    etag: HeaderValue,
    not_modified: bool,
    content_type: &'static str,
    cache_control: HeaderValue,
    own_policy: Option<&'static str>,
    varies: bool,
    headers: HeaderMap,
}

impl BuiltHead {
    /// Whether this block is the one `key` would build. Compared by value, so a slot
    /// reused by another variant (or by a new variant at a freed one's address) is
    /// never mistaken for it.
    fn fits(&self, key: &HeadKey<'_>) -> bool {
        self.fixed == key.fixed.id()
            && self.not_modified == key.not_modified
            && self.coding == key.coding
            && self.etag == key.etag
            && self.content_type == key.stored.content_type
            && self.cache_control == key.stored.cache_control
            && self.own_policy == key.stored.own_policy
            && self.varies == key.stored.body.varies()
    }
}

/// Slots per thread: more than the site's pages and files in their encodings need.
const HEAD_SLOTS: usize = 128;

/// The header block for `key`: cloned from this thread's copy, built on first use. A
/// clone is two allocations and a copy, where building it inserted a dozen headers one
/// by one (about 2,000 instructions a request, measured with callgrind).
fn built_head(key: &HeadKey<'_>) -> HeaderMap {
    thread_local! {
        static HEADS: RefCell<Vec<Option<BuiltHead>>> =
            RefCell::new((0..HEAD_SLOTS).map(|_| None).collect());
    }
    // The ETag's address tells variants apart cheaply; `fits` makes it safe.
    let address = std::ptr::from_ref(key.etag) as usize;
    let slot = ((address >> 4) ^ (address >> 12) ^ usize::from(key.not_modified)) % HEAD_SLOTS;
    HEADS.with_borrow_mut(|heads| {
        if let Some(built) = &heads[slot]
            && built.fits(key)
        {
            return built.headers.clone();
        }
        let headers = build_head(
            key.stored,
            key.coding,
            key.etag,
            key.not_modified,
            Some(key.fixed),
        );
        heads[slot] = Some(BuiltHead {
            fixed: key.fixed.id(),
            coding: key.coding,
            etag: key.etag.clone(),
            not_modified: key.not_modified,
            content_type: key.stored.content_type,
            cache_control: key.stored.cache_control.clone(),
            own_policy: key.stored.own_policy,
            varies: key.stored.body.varies(),
            headers: headers.clone(),
        });
        headers
    })
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
