//! Logging setup: one readable line per event by default, JSON on request.
//!
//! Request logging itself is configured in `http::trace`; this module owns the subscriber
//! and where lines go. Tests stay quiet unless `TEST_LOG` is set.
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::cli::LogFormat;

/// The filter used unless `RUST_LOG` says otherwise.
const DEFAULT_FILTER: &str = "info,tower_http=info";
/// How often buffered lines reach standard error.
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// A buffer this full is written at once, by the thread that filled it.
const FLUSH_AT_BYTES: usize = 64 * 1024;

/// Standard error, written in batches. At tens of thousands of requests a second, a
/// syscall (or a thread wake-up) per log line costs more than serving the page; here a
/// request only appends its line to a buffer that a timer thread writes 20 times a second.
#[derive(Clone, Default)]
pub struct BatchedStderr {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl BatchedStderr {
    /// Writes out whatever is buffered.
    pub fn flush_now(&self) {
        let pending = std::mem::take(&mut *self.buffer.lock().unwrap_or_else(|e| e.into_inner()));
        if !pending.is_empty() {
            let _ = std::io::stderr().lock().write_all(&pending);
        }
    }

    fn start_flusher(&self) {
        let weak = Arc::downgrade(&self.buffer);
        std::thread::Builder::new()
            .name("log-flush".into())
            .spawn(move || {
                while let Some(buffer) = weak.upgrade() {
                    BatchedStderr { buffer }.flush_now();
                    std::thread::sleep(FLUSH_EVERY);
                }
            })
            .ok();
    }
}

impl Write for BatchedStderr {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        buffer.extend_from_slice(bytes);
        if buffer.len() >= FLUSH_AT_BYTES {
            let full = std::mem::take(&mut *buffer);
            drop(buffer);
            std::io::stderr().lock().write_all(&full)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flush_now();
        Ok(())
    }
}

/// One event's writer: warnings and errors are written out as soon as they are complete.
pub struct EventWriter {
    batch: BatchedStderr,
    urgent: bool,
}

impl Write for EventWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.batch.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.batch.flush()
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if self.urgent {
            self.batch.flush_now();
        }
    }
}

impl<'a> MakeWriter<'a> for BatchedStderr {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            batch: self.clone(),
            urgent: false,
        }
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        EventWriter {
            batch: self.clone(),
            urgent: *meta.level() <= tracing::Level::WARN,
        }
    }
}

/// Flushes the buffered log lines when dropped: keep it alive until the process exits.
pub struct FlushOnDrop(BatchedStderr);

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        self.0.flush_now();
    }
}

/// Installs the global subscriber. Safe to call more than once (later calls do nothing),
/// which lets every integration test call it.
pub fn init(format: LogFormat) -> Option<FlushOnDrop> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let writer = BatchedStderr::default();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer.clone());
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // Already installed (a second test in the same process): keep the first one.
    result.ok().map(|()| {
        writer.start_flusher();
        FlushOnDrop(writer)
    })
}
