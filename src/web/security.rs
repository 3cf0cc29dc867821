//! Security headers on every response (and HSTS, when configured).
//!
//! One small layer sets all of them for routed responses: five tower-http
//! `SetResponseHeaderLayer`s would wrap every response future five times. Responses from
//! memory, which never reach the router, get the same [`FixedHeaders`] in their head.
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, header};
use tower::{Layer, Service};

/// No inline script or style anywhere: everything comes from our own origin. JSON-LD is a
/// data block, which CSP does not execute and so does not need to allow.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; manifest-src 'self'";

/// The public policy plus scripts from our own origin, for the pages that run one: the
/// moderation pages, and a comment form sent back with mistakes (whose script moves focus
/// to the error summary). Pages served from memory run no script and keep the policy above.
pub static SCRIPT_POLICY: std::sync::LazyLock<HeaderValue> = std::sync::LazyLock::new(|| {
    HeaderValue::from_str(&format!("{CONTENT_SECURITY_POLICY}; script-src 'self'"))
        .expect("the policy is a valid header value")
});

const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// The security headers, the same on every response.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    ),
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    ),
];

/// The headers every response carries: the security headers, and
/// `Strict-Transport-Security` when the site is configured for it. Built once.
#[derive(Clone, Debug)]
pub struct FixedHeaders {
    headers: Arc<[(HeaderName, HeaderValue)]>,
    /// Tells one set from another (each server in a test process has its own).
    id: u64,
}

impl FixedHeaders {
    /// `hsts_max_age_secs`: send `Strict-Transport-Security: max-age=N` (opt-in; only
    /// for sites served over HTTPS).
    pub fn new(hsts_max_age_secs: Option<u64>) -> Self {
        let mut headers = SECURITY_HEADERS.to_vec();
        if let Some(secs) = hsts_max_age_secs {
            headers.push((
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_str(&format!("max-age={secs}"))
                    .expect("digits are a valid header"),
            ));
        }
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Self {
            headers: headers.into(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &(HeaderName, HeaderValue)> {
        self.headers.iter()
    }

    /// Unique per set made in this process.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Adds each header the response does not already have (a handler's own choice wins,
    /// such as the policy for SVG files).
    pub fn add_to(&self, headers: &mut HeaderMap) {
        headers.reserve(self.headers.len());
        for (name, value) in self.iter() {
            headers.entry(name).or_insert_with(|| value.clone());
        }
    }
}

/// Adds the [`FixedHeaders`] to every response that passes.
#[derive(Clone)]
pub struct SecurityHeadersLayer(pub FixedHeaders);

impl<S> Layer<S> for SecurityHeadersLayer {
    type Service = SecurityHeaders<S>;

    fn layer(&self, inner: S) -> SecurityHeaders<S> {
        SecurityHeaders {
            inner,
            headers: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct SecurityHeaders<S> {
    inner: S,
    headers: FixedHeaders,
}

impl<S, B, R> Service<Request<B>> for SecurityHeaders<S>
where
    S: Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = WithHeaders<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        WithHeaders {
            inner: self.inner.call(request),
            headers: self.headers.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    pub struct WithHeaders<F> {
        #[pin]
        inner: F,
        headers: FixedHeaders,
    }
}

impl<F, R, E> Future for WithHeaders<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut output = std::task::ready!(this.inner.poll(cx));
        if let Ok(response) = &mut output {
            this.headers.add_to(response.headers_mut());
        }
        Poll::Ready(output)
    }
}
