//! One log line per request: method, path, route, status and latency. Query strings,
//! headers, cookies and bodies are never logged, since they may carry personal data.
//!
//! This is a small hand-written tower layer rather than tower-http's `TraceLayer`: that
//! layer opens a tracing span per request and enters and leaves it on every poll of the
//! response and its body, which cost a quarter of the throughput of pages served from
//! memory. Here a request costs one event when its response is ready. Routes that do real
//! work (forms, search, the admin) also get a span (`request_span`), so that what they
//! log names the request it belongs to.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::MatchedPath;
use axum::http::{Method, Request, Response, StatusCode, Uri};
use tower::{Layer, Service};
use tracing::Instrument;

use crate::web::InternalCause;

/// Logs every response: the outermost layer, so errors from any other layer are logged too.
#[derive(Clone, Copy, Default)]
pub struct AccessLogLayer;

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> AccessLog<S> {
        AccessLog { inner }
    }
}

#[derive(Clone)]
pub struct AccessLog<S> {
    inner: S,
}

impl<S, B, R> Service<Request<B>> for AccessLog<S>
where
    S: Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Logged<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // Cheap copies: the method is an enum for the standard ones, the URI and the
        // matched route are reference-counted.
        let line = Line {
            started: Instant::now(),
            method: request.method().clone(),
            uri: request.uri().clone(),
            route: request.extensions().get::<MatchedPath>().cloned(),
        };
        Logged {
            inner: self.inner.call(request),
            line: Some(line),
        }
    }
}

struct Line {
    started: Instant,
    method: Method,
    uri: Uri,
    route: Option<MatchedPath>,
}

impl Line {
    fn write<R>(self, response: &Response<R>) {
        let route = self.route.as_ref().map_or("", MatchedPath::as_str);
        if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
            let (method, path, status) = (
                self.method.as_str(),
                self.uri.path(),
                response.status().as_u16(),
            );
            let elapsed = self.started.elapsed();
            crate::metrics::http_request(route, status, elapsed);
            let latency_us = elapsed.as_micros() as u64;
            tracing::error!(method = %method, path = %path, route = %route, status, latency_us, cause = %cause, "request failed");
        } else {
            log_request(
                &self.method,
                self.uri.path(),
                route,
                response.status(),
                self.started,
            );
        }
    }
}

/// Writes the access log line of one request (when `RUST_LOG` lets INFO through): for
/// routed requests from the layer, and directly for requests answered before the router.
pub fn log_request(method: &Method, path: &str, route: &str, status: StatusCode, started: Instant) {
    // One clock read serves the metrics and the log line; none when neither wants it.
    let log = tracing::enabled!(tracing::Level::INFO);
    if !log && !crate::metrics::enabled() {
        return;
    }
    let elapsed = started.elapsed();
    crate::metrics::http_request(route, status.as_u16(), elapsed);
    if log {
        crate::telemetry::write_access(&crate::telemetry::Access {
            method: method.as_str(),
            path,
            route,
            status: status.as_u16(),
            latency_us: elapsed.as_micros() as u64,
        });
    }
}

pin_project_lite::pin_project! {
    /// The inner response future; logs its response when it is ready.
    pub struct Logged<F> {
        #[pin]
        inner: F,
        line: Option<Line>,
    }
}

impl<F, R, E> Future for Logged<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        if let (Ok(response), Some(line)) = (&output, this.line.take()) {
            line.write(response);
        }
        Poll::Ready(output)
    }
}

/// Runs a request's handler inside a span naming the request, so that whatever the handler
/// logs (a database error, a moderation action) says which request it came from.
pub async fn request_span(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        route,
    );
    next.run(request).instrument(span).await
}
