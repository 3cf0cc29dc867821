//! The connection loop: HTTP/1.1 through hyper, with the limits a public server needs
//! (header size, header read time, slow readers, connections in all and per client, line
//! endings, `Host`) and a graceful shutdown that lets in-flight requests finish while
//! refusing new connections.
//!
//! Connections are served by one current-thread runtime per core, each accepting from its
//! own `SO_REUSEPORT` listener on the same address (the kernel spreads new connections
//! over them), all sharing the one immutable site snapshot. A connection stays on the
//! thread that accepted it, so a request never waits for another thread to pick it up;
//! measured against one multi-threaded runtime in docs/PERFORMANCE.md. `workers = 0`
//! serves on the caller's runtime instead, from one listener.
mod clients;
mod heads;
mod io;
mod service;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;

pub use service::FrontDesk;

use crate::config::Limits;

/// The bound sockets: one per worker thread (or one for the caller's runtime).
pub struct Listeners {
    sockets: Vec<std::net::TcpListener>,
    own_threads: bool,
}

impl Listeners {
    /// Binds `addr` for `workers` threads, each with its own listener (`SO_REUSEPORT`), or
    /// once for `workers = 0`. Port 0 picks a free port once and binds the rest to it.
    /// Without `SO_REUSEPORT` (not Unix) there is one listener on the shared runtime.
    pub fn bind(addr: SocketAddr, workers: usize) -> std::io::Result<Self> {
        let workers = if cfg!(unix) { workers } else { 0 };
        let mut sockets = Vec::new();
        let mut addr = addr;
        for _ in 0..workers.max(1) {
            let socket = if addr.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            socket.set_reuseaddr(true)?;
            #[cfg(unix)]
            if workers > 0 {
                // Only sockets of the same user may share the port (Linux checks the UID).
                socket.set_reuseport(true)?;
            }
            socket.bind(addr)?;
            let listener = socket.listen(4096)?;
            addr = listener.local_addr()?;
            sockets.push(listener.into_std()?);
        }
        Ok(Self {
            sockets,
            own_threads: workers > 0,
        })
    }

    /// The address bound (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        match self.sockets.first() {
            Some(socket) => socket.local_addr(),
            None => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }
}

/// Everything a worker needs, shared by all of them.
struct Shared {
    router: Router,
    desk: Arc<dyn FrontDesk>,
    http: hyper::server::conn::http1::Builder,
    admission: clients::Admission,
    write_timeout: Duration,
    grace: Duration,
}

/// Serves `router` (with `desk` answering first) on `listeners` until `shutdown`
/// completes, or until this future is dropped; then lets open requests finish for up to
/// `grace`, and returns. Connections from `proxies` have no per-client share.
pub async fn serve(
    listeners: Listeners,
    router: Router,
    desk: Arc<dyn FrontDesk>,
    limits: &Limits,
    proxies: &[std::net::IpAddr],
    grace: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        // Also the time a kept-alive connection may sit idle before its next request.
        .header_read_timeout(Duration::from_secs(limits.header_timeout_secs.max(1)))
        // hyper answers 431 when the request head does not fit (it needs at least 8 KiB).
        .max_buf_size(limits.max_header_bytes.max(8192))
        .keep_alive(true);
    let shared = Arc::new(Shared {
        router,
        desk,
        http,
        admission: clients::Admission::new(limits, proxies),
        write_timeout: Duration::from_secs(limits.write_timeout_secs.max(1)),
        grace,
    });
    let on_own_threads = listeners.own_threads;
    // Dropping the sender (this future ending or being dropped) stops every worker.
    let (stop, stopped) = watch::channel(());
    let (mut closed, mut workers) = (Vec::new(), Vec::new());
    for (index, socket) in listeners.sockets.into_iter().enumerate() {
        let (shared, stopped) = (shared.clone(), stopped.clone());
        // Each worker says when it has closed its listener, and when it is done.
        let (closing, listener_closed) = tokio::sync::oneshot::channel::<()>();
        let (done, finished) = tokio::sync::oneshot::channel::<()>();
        if on_own_threads {
            std::thread::Builder::new()
                .name(format!("http-{index}"))
                .spawn(move || {
                    match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(runtime) => runtime.block_on(worker(socket, shared, stopped, closing)),
                        Err(err) => tracing::error!("cannot start a worker's runtime: {err}"),
                    }
                    drop(done);
                })
                .context("starting a worker thread")?;
        } else {
            tokio::spawn(async move {
                worker(socket, shared, stopped, closing).await;
                drop(done);
            });
        }
        closed.push(listener_closed);
        workers.push(finished);
    }
    drop(stopped);
    shutdown.await;
    drop(stop);
    for listener_closed in closed {
        let _ = listener_closed.await;
    }
    // Only now: whoever reads this line may rely on new connections being refused.
    tracing::info!("shutting down: finishing in-flight requests");
    for finished in workers {
        let _ = finished.await;
    }
    Ok(())
}

/// One worker: accepts from its listener until told to stop, then drains its connections.
async fn worker(
    socket: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<()>,
    closing: tokio::sync::oneshot::Sender<()>,
) {
    let listener = match socket
        .set_nonblocking(true)
        .and_then(|()| TcpListener::from_std(socket))
    {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!("cannot listen: {err}");
            return;
        }
    };
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait a moment instead of spinning.
                    tracing::warn!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            // Any change, or the sender gone: time to stop.
            _ = stop.changed() => break,
        };
        let Ok(admitted) = shared.admission.admit(peer) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let scanner = Arc::new(Mutex::new(heads::HeadScanner::default()));
        let service = service::ConnectionService {
            router: shared.router.clone(),
            desk: shared.desk.clone(),
            peer,
            scanner: scanner.clone(),
        };
        let stream = io::GuardedStream::new(stream, scanner, shared.write_timeout);
        let connection = shared.http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are clients going away or breaking the protocol: not ours to log loudly.
            if let Err(err) = connection.await {
                tracing::debug!("connection from a client ended: {err}");
            }
            drop(admitted);
        });
    }
    // Stop accepting: new connections are refused from here on.
    drop(listener);
    drop(closing);
    if tokio::time::timeout(shared.grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "grace period of {:?} over: closing remaining connections",
            shared.grace
        );
    }
}
