//! What every route shares, public (`http`) and moderation (`admin`) alike: the error type
//! and its pages, the one HTML response wrapper, cached responses, and the layers every
//! response passes through (security headers, the access log, error pages, limits).
mod cached;
mod error;
mod error_pages;
mod html;
mod origin;
mod security;
mod trace;

pub use cached::{
    NO_CACHE, Precompressed, Stored, cached_response, encoded_response, etag_matches,
    memory_response,
};
pub use error::{AppError, ErrorPage, InternalCause, RETRY_UNAVAILABLE_SECS, Result, message_page};
pub use error_pages::render_error_pages;
pub use html::{HtmlPage, render, see_other};
pub use origin::{refuse_cross_site, require_same_origin};
pub use security::{CONTENT_SECURITY_POLICY, FixedHeaders, SCRIPT_POLICY, SecurityHeadersLayer};
pub use trace::{AccessLogLayer, log_request, request_span};

/// Largest request body accepted anywhere (comment forms are far smaller).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
