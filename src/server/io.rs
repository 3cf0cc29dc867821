//! The client's socket as hyper sees it: every byte read passes the head scanner, and a
//! response that cannot be written within the write timeout ends the connection.
//!
//! hyper's own header-read timeout covers a client that is slow to *send* (and one that
//! sits idle between requests); nothing covered one that is slow to *read*. A client
//! that opens a tiny receive window and reads a byte at a time keeps the response stuck
//! in the socket, and with it a connection slot, for as long as it likes. Here the
//! clock starts when a write first cannot proceed and stops when everything hyper had to
//! write has gone out (its flush); past the timeout the connection is closed.
//!
//! A stored body that has its own memory file (`crate::file_backed`) is sent from that
//! file with `sendfile`, after the head, instead of being copied with `writev`.
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::heads::HeadScanner;
#[cfg(target_os = "linux")]
use crate::file_backed;
#[cfg(target_os = "linux")]
use tokio::io::Interest;

/// A client connection with the checks above.
pub struct GuardedStream {
    stream: TcpStream,
    scanner: Arc<Mutex<HeadScanner>>,
    write_timeout: Duration,
    /// Armed while a write is stuck; made on the first stall only.
    stalled: Option<Pin<Box<Sleep>>>,
    armed: bool,
}

impl GuardedStream {
    pub fn new(
        stream: TcpStream,
        scanner: Arc<Mutex<HeadScanner>>,
        write_timeout: Duration,
    ) -> Self {
        Self {
            stream,
            scanner,
            write_timeout,
            stalled: None,
            armed: false,
        }
    }

    /// A write could not proceed: start the clock if it is not running, and fail once
    /// it has run out.
    fn stall(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.armed {
            self.armed = true;
            let deadline = Instant::now() + self.write_timeout;
            match &mut self.stalled {
                Some(sleep) => sleep.as_mut().reset(deadline),
                None => self.stalled = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
        let expired = self
            .stalled
            .as_mut()
            .is_some_and(|sleep| sleep.as_mut().poll(cx).is_ready());
        if expired {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read the response in time",
            )));
        }
        Poll::Pending
    }

    /// Sends `head` (with `MSG_MORE`, so that it leaves in the same packet as the start of
    /// the body) and then `body_len` bytes of the stored body from its memory file.
    /// Returns how much of the two went out, as `writev` would.
    #[cfg(target_os = "linux")]
    fn poll_send_stored(
        &mut self,
        cx: &mut Context<'_>,
        head: &[io::IoSlice<'_>],
        body_len: usize,
        from: &file_backed::SendFrom,
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.stream.poll_write_ready(cx))?;
            let sent = self.stream.try_io(Interest::WRITABLE, || {
                send_head_then_file(&self.stream, head, body_len, from)
            });
            match sent {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
                done => return Poll::Ready(done),
            }
        }
    }

    fn written<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Pending => {
                ready!(self.stall(cx))?;
                Poll::Pending
            }
            done => done,
        }
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        let fresh = &buf.filled()[before..];
        if !fresh.is_empty() {
            this.scanner
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .feed(fresh);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        #[cfg(target_os = "linux")]
        if let Some(from) = file_backed::find(bytes) {
            let result = this.poll_send_stored(cx, &[], bytes.len(), &from);
            return this.written(cx, result);
        }
        let result = Pin::new(&mut this.stream).poll_write(cx, bytes);
        this.written(cx, result)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // hyper hands over the head and then the body: the first stored slice is sent
        // from its file, after what comes before it; what follows waits for the next call.
        #[cfg(target_os = "linux")]
        if let Some((at, from)) = bufs
            .iter()
            .enumerate()
            .find_map(|(at, buf)| file_backed::find(buf).map(|from| (at, from)))
        {
            let result = this.poll_send_stored(cx, &bufs[..at], bufs[at].len(), &from);
            return this.written(cx, result);
        }
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.written(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_flush(cx);
        let result = this.written(cx, result);
        if result.is_ready() {
            // Everything hyper had to write is out: the clock stops.
            this.armed = false;
        }
        result
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// One non-blocking attempt: the head with `sendmsg`, then the body with `sendfile`.
/// `WouldBlock` only when nothing at all went out.
#[cfg(target_os = "linux")]
fn send_head_then_file(
    stream: &TcpStream,
    head: &[io::IoSlice<'_>],
    body_len: usize,
    from: &file_backed::SendFrom,
) -> io::Result<usize> {
    use rustix::net::{SendAncillaryBuffer, SendFlags};

    let head_len: usize = head.iter().map(|buf| buf.len()).sum();
    let mut sent = 0;
    if head_len > 0 {
        sent = rustix::net::sendmsg(
            stream,
            head,
            &mut SendAncillaryBuffer::default(),
            SendFlags::MORE | SendFlags::NOSIGNAL,
        )?;
        if sent < head_len {
            return Ok(sent);
        }
    }
    let mut offset = from.offset;
    match rustix::fs::sendfile(stream, &*from.file, Some(&mut offset), body_len) {
        Ok(body_sent) => Ok(sent + body_sent),
        // The head went out: report it, and the body follows on the next call.
        Err(rustix::io::Errno::AGAIN) if sent > 0 => Ok(sent),
        Err(err) => Err(err.into()),
    }
}
