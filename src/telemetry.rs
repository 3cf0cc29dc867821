//! Logging setup: one readable line per event by default, JSON on request.
//!
//! Request logging itself is configured in `http::trace`; this module owns the subscriber
//! and where lines go. Tests stay quiet unless `TEST_LOG` is set.
use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// How log lines are written: `text` for people, `json` for log collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The filter used unless `RUST_LOG` says otherwise.
const DEFAULT_FILTER: &str = "info";
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

    /// Adds whole lines to the buffer; writes the buffer out at once when it is full.
    fn append(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        buffer.extend_from_slice(bytes);
        if buffer.len() >= FLUSH_AT_BYTES {
            let full = std::mem::take(&mut *buffer);
            drop(buffer);
            std::io::stderr().lock().write_all(&full)?;
        }
        Ok(())
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
        self.append(bytes)?;
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
    let filter = filter_from(std::env::var("RUST_LOG").ok().as_deref());
    let writer = BatchedStderr::default();
    let builder = tracing_subscriber::fmt()
        // Everything reaches the filter below, which alone decides.
        .with_max_level(LevelFilter::TRACE)
        .with_target(false)
        .with_writer(writer.clone());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = builder.with_ansi(ansi);
    let result = match format {
        LogFormat::Text => builder.finish().with(filter).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .finish()
            .with(filter)
            .try_init(),
    };
    // Already installed (a second test in the same process): keep the first one.
    result.ok().map(|()| {
        let _ = ACCESS_LOG.set(AccessLog {
            writer: writer.clone(),
            format,
            ansi,
        });
        writer.start_flusher();
        FlushOnDrop(writer)
    })
}

/// The log filter `RUST_LOG` asks for: a level (`warn`), targets with levels
/// (`info,smp_guide::store=debug`) or both, as `tracing_subscriber`'s `Targets` reads them.
/// Unset or empty means [`DEFAULT_FILTER`]; a value that is not a filter is said so on
/// standard error (logging is not running yet) and the default is used.
fn filter_from(rust_log: Option<&str>) -> Targets {
    let default = || DEFAULT_FILTER.parse().expect("the default filter parses");
    match rust_log.map(str::trim) {
        None | Some("") => default(),
        Some(value) => value.parse().unwrap_or_else(|err| {
            eprintln!(
                "RUST_LOG={value:?} is not a log filter ({err}); logging at \"{DEFAULT_FILTER}\" \
                 instead. Give a level (warn) or target=level pairs (info,smp_guide=debug)."
            );
            default()
        }),
    }
}

/// Where request lines go, set by [`init`] next to the subscriber.
static ACCESS_LOG: OnceLock<AccessLog> = OnceLock::new();

struct AccessLog {
    writer: BatchedStderr,
    format: LogFormat,
    ansi: bool,
}

/// One served request, as the access log records it.
pub struct Access<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub latency_us: u64,
}

/// Writes the request line in the subscriber's own format (the same fields, timestamp and
/// level as `tracing::info!(method, path, route, status, latency_us, "request")` would
/// give), without going through the formatter: at tens of thousands of requests a second,
/// `tracing-subscriber`'s generic field visiting cost a tenth of the throughput, and even
/// `write!` cost a thousand instructions a line. The line is put together byte by byte in
/// a buffer kept per thread. The caller checks that INFO is enabled, so `RUST_LOG` still
/// governs these lines.
pub fn write_access(access: &Access<'_>) {
    let Some(log) = ACCESS_LOG.get() else {
        return;
    };
    thread_local! {
        static LINE: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(256));
    }
    LINE.with_borrow_mut(|line| {
        line.clear();
        let now = timestamp();
        match log.format {
            LogFormat::Text => {
                if log.ansi {
                    line.extend_from_slice(b"\x1b[2m");
                }
                now.write_to(line);
                line.extend_from_slice(if log.ansi {
                    b"\x1b[0m \x1b[32m INFO\x1b[0m request method="
                } else {
                    b"  INFO request method="
                });
                line.extend_from_slice(access.method.as_bytes());
                line.extend_from_slice(b" path=");
                line.extend_from_slice(access.path.as_bytes());
                line.extend_from_slice(b" route=");
                line.extend_from_slice(access.route.as_bytes());
                line.extend_from_slice(b" status=");
                push_number(line, u64::from(access.status));
                line.extend_from_slice(b" latency_us=");
                push_number(line, access.latency_us);
            }
            LogFormat::Json => {
                line.extend_from_slice(b"{\"timestamp\":\"");
                now.write_to(line);
                line.extend_from_slice(
                    b"\",\"level\":\"INFO\",\"message\":\"request\",\"method\":\"",
                );
                push_json_text(line, access.method);
                line.extend_from_slice(b"\",\"path\":\"");
                push_json_text(line, access.path);
                line.extend_from_slice(b"\",\"route\":\"");
                push_json_text(line, access.route);
                line.extend_from_slice(b"\",\"status\":");
                push_number(line, u64::from(access.status));
                line.extend_from_slice(b",\"latency_us\":");
                push_number(line, access.latency_us);
                line.push(b'}');
            }
        }
        line.push(b'\n');
        let _ = log.writer.append(line);
    });
}

/// Appends `n` in decimal.
fn push_number(line: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    line.extend_from_slice(&digits[at..]);
}

/// Appends a string inside JSON quotes. Paths and routes are printable ASCII (the HTTP
/// parser guarantees it), so there is usually nothing to escape; quotes, backslashes and
/// control characters are escaped should that ever change.
fn push_json_text(line: &mut Vec<u8>, text: &str) {
    if !text
        .bytes()
        .any(|b| b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f)
    {
        line.extend_from_slice(text.as_bytes());
        return;
    }
    let mut buffer = [0u8; 4];
    for c in text.chars() {
        match c {
            '"' => line.extend_from_slice(b"\\\""),
            '\\' => line.extend_from_slice(b"\\\\"),
            c if c.is_control() => {
                let _ = std::io::Write::write_fmt(line, format_args!("\\u{:04x}", c as u32));
            }
            c => line.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes()),
        }
    }
}

/// RFC 3339 in UTC with microseconds, like the subscriber's. The part up to the second is
/// formatted once a second per thread, and nothing is allocated per line.
fn timestamp() -> Timestamp {
    thread_local! {
        static SECOND: RefCell<(u64, [u8; 19])> = const { RefCell::new((u64::MAX, [b'0'; 19])) };
    }
    let since_epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since_epoch.as_secs();
    let date_time = SECOND.with_borrow_mut(|(cached, text)| {
        if *cached != secs {
            *cached = secs;
            let formatted = time::OffsetDateTime::from_unix_timestamp(secs as i64)
                .ok()
                .and_then(|t| {
                    t.format(time::macros::format_description!(
                        "[year]-[month]-[day]T[hour]:[minute]:[second]"
                    ))
                    .ok()
                })
                .unwrap_or_default();
            if let Ok(bytes) = formatted.as_bytes().try_into() {
                *text = bytes;
            }
        }
        *text
    });
    Timestamp {
        date_time,
        micros: since_epoch.subsec_micros(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS` (ASCII) and the microseconds after it.
struct Timestamp {
    date_time: [u8; 19],
    micros: u32,
}

impl Timestamp {
    /// Appends `YYYY-MM-DDTHH:MM:SS.uuuuuuZ`.
    fn write_to(&self, line: &mut Vec<u8>) {
        line.extend_from_slice(&self.date_time);
        line.push(b'.');
        let mut micros = self.micros;
        let mut digits = [b'0'; 6];
        for digit in digits.iter_mut().rev() {
            *digit = b'0' + (micros % 10) as u8;
            micros /= 10;
        }
        line.extend_from_slice(&digits);
        line.push(b'Z');
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let date_time = std::str::from_utf8(&self.date_time).map_err(|_| std::fmt::Error)?;
        write!(f, "{date_time}.{:06}Z", self.micros)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn rust_log_takes_a_level_or_targets_and_falls_back_to_info() {
        let on = |filter: &Targets, target: &str, level| filter.would_enable(target, &level);
        for unset in [None, Some(""), Some("  ")] {
            let filter = filter_from(unset);
            assert!(on(&filter, "smp_guide", Level::INFO));
            assert!(!on(&filter, "smp_guide", Level::DEBUG));
        }
        let warn = filter_from(Some("warn"));
        assert!(!on(&warn, "smp_guide", Level::INFO));
        assert!(on(&warn, "sqlx", Level::WARN));
        let targets = filter_from(Some("info,smp_guide::store=debug"));
        assert!(on(&targets, "smp_guide::store", Level::DEBUG));
        assert!(!on(&targets, "smp_guide::web", Level::DEBUG));
        assert!(on(&targets, "smp_guide::web", Level::INFO));
        // Not a filter: the default, not silence and not everything.
        let bad = filter_from(Some("info=debug=trace"));
        assert!(on(&bad, "smp_guide", Level::INFO));
        assert!(!on(&bad, "smp_guide", Level::DEBUG));
    }

    #[test]
    fn json_text_escapes_quotes_backslashes_and_controls() {
        let mut line = Vec::new();
        push_json_text(&mut line, "/a\"b\\c\u{1}");
        assert_eq!(line, b"/a\\\"b\\\\c\\u0001");
        line.clear();
        push_json_text(&mut line, "/guide/risks");
        assert_eq!(line, b"/guide/risks");
    }

    #[test]
    fn numbers_and_timestamps_are_written_as_the_formatter_would() {
        for n in [0, 7, 10, 404, 18_446_744_073_709_551_615] {
            let mut line = Vec::new();
            push_number(&mut line, n);
            assert_eq!(line, n.to_string().as_bytes());
        }
        let stamp = timestamp();
        let mut line = Vec::new();
        stamp.write_to(&mut line);
        assert_eq!(line, stamp.to_string().as_bytes());
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_microseconds() {
        let stamp = timestamp().to_string();
        assert_eq!(stamp.len(), "2026-11-25T15:12:39.088707Z".len(), "{stamp}");
        let shape: String = stamp
            .chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect();
        assert_eq!(shape, "9999-99-99T99:99:99.999999Z");
        let year: i32 = stamp[..4].parse().unwrap();
        assert!(year >= 2026, "{stamp}");
    }
}
