//! Logging setup: one readable line per event by default, JSON on request.
//!
//! Request logging itself is configured in `http::trace`; this module only owns the
//! subscriber. Tests stay quiet unless `TEST_LOG` is set.
use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// The filter used unless `RUST_LOG` says otherwise.
const DEFAULT_FILTER: &str = "info,tower_http=info";

/// Installs the global subscriber. Safe to call more than once (later calls do nothing),
/// which lets every integration test call it.
///
/// Lines go to standard error through a background writer thread, so that a request
/// only formats its line and never blocks on the terminal or the log collector. Keep the
/// returned guard alive until exit: dropping it flushes what is still queued.
pub fn init(format: LogFormat) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        // Block rather than drop lines when the queue is full: losing log lines would
        // hide exactly the moments an operator needs to see.
        .lossy(false)
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // Already installed (a second test in the same process): keep the first one.
    result.ok().map(|()| guard)
}
