//! One connection's service: the protocol checks every request passes, then the answer
//! from memory when there is one, and the router otherwise.
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, Version, header};
use http_body_util::{Either, Full};
use hyper::body::{Body as _, Incoming};
use tower::ServiceExt;
use tower::util::Oneshot;

use super::heads::HeadScanner;

/// A response body: bytes from memory, or whatever the router made.
pub type ResponseBody = Either<Full<Bytes>, Body>;

/// What answers before the router: pages and files from memory, and the requests that
/// the server refuses to read.
pub trait FrontDesk: Send + Sync + 'static {
    /// The response from memory, or `None` to leave the request to the router.
    fn stored_response(&self, request: &Request<Incoming>) -> Option<Response<Full<Bytes>>>;

    /// A `400 Bad Request` with `message`, in the site's manner (and logged).
    fn refuse(&self, request: &Request<Incoming>, message: &'static str) -> Response<Full<Bytes>>;
}

/// The service for one connection.
pub struct ConnectionService {
    pub router: Router,
    pub desk: Arc<dyn FrontDesk>,
    pub peer: SocketAddr,
    pub scanner: Arc<Mutex<HeadScanner>>,
}

impl hyper::service::Service<Request<Incoming>> for ConnectionService {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: Request<Incoming>) -> Answer {
        // `None`: a chunked body, whose end the head scanner does not follow, so this
        // request is the connection's last.
        let body_length = request.body().size_hint().exact();
        let bare_line_ending = self
            .scanner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .request(body_length);
        if let Some(problem) = malformed(&request, bare_line_ending) {
            let mut response = self.desk.refuse(&request, problem).map(Either::Left);
            close_after(&mut response);
            return Answer::ready(response);
        }
        let close = body_length.is_none();
        if let Some(response) = self.desk.stored_response(&request) {
            let mut response = response.map(Either::Left);
            if close {
                close_after(&mut response);
            }
            return Answer::ready(response);
        }
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(self.peer));
        Answer::Routed {
            inner: self.router.clone().oneshot(request),
            close,
        }
    }
}

/// What makes a request unreadable before any route looks at it (RFC 9112 sections 2.2
/// and 3.2): a line not ended by CR LF, more than one `Host`, or none in HTTP/1.1.
fn malformed<B>(request: &Request<B>, bare_line_ending: bool) -> Option<&'static str> {
    if bare_line_ending {
        return Some("Every line of a request must end with CR LF.");
    }
    let mut hosts = request.headers().get_all(header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (Some(_), Some(_)) => Some("A request must name its host only once (one Host header)."),
        (None, _) if request.version() == Version::HTTP_11 => {
            Some("An HTTP/1.1 request must name its host (a Host header).")
        }
        _ => None,
    }
}

fn close_after<B>(response: &mut Response<B>) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

pin_project_lite::pin_project! {
    /// The response: ready at once, or the router's.
    #[project = AnswerProjection]
    pub enum Answer {
        Ready { response: Option<Response<ResponseBody>> },
        Routed {
            #[pin]
            inner: Oneshot<Router, Request<Body>>,
            close: bool,
        },
    }
}

impl Answer {
    fn ready(response: Response<ResponseBody>) -> Self {
        Answer::Ready {
            response: Some(response),
        }
    }
}

impl Future for Answer {
    type Output = Result<Response<ResponseBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AnswerProjection::Ready { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // hyper never polls a finished future; should it, it waits forever.
                None => Poll::Pending,
            },
            AnswerProjection::Routed { inner, close } => {
                let Ok(response) = ready!(inner.poll(cx));
                let mut response = response.map(Either::Right);
                if *close {
                    close_after(&mut response);
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_headers_are_checked_as_rfc_9112_asks() {
        let request = |version: Version, hosts: &[&str]| {
            let mut builder = Request::builder().uri("/").version(version);
            for host in hosts {
                builder = builder.header(header::HOST, *host);
            }
            builder.body(()).unwrap()
        };
        let cases = [
            (Version::HTTP_11, &["x"][..], false, None),
            (Version::HTTP_11, &["x", "y"][..], false, Some("once")),
            (Version::HTTP_11, &["x", "x"][..], false, Some("once")),
            (Version::HTTP_11, &[][..], false, Some("must name its host")),
            (Version::HTTP_10, &[][..], false, None),
            (Version::HTTP_11, &["x"][..], true, Some("CR LF")),
        ];
        for (version, hosts, bare, expected) in cases {
            let problem = malformed(&request(version, hosts), bare);
            match expected {
                None => assert_eq!(problem, None, "{version:?} {hosts:?}"),
                Some(part) => assert!(
                    problem.is_some_and(|p| p.contains(part)),
                    "{version:?} {hosts:?}: {problem:?}"
                ),
            }
        }
    }
}
