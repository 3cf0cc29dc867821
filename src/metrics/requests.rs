//! The request latency histogram, kept here rather than in the exporter: it is the one
//! metric every request records, and the exporter's histograms keep each sample in a
//! lock-free list (an epoch pin and a push per request) until a scrape sorts them into
//! buckets, which cost a cached page about 1 % on its own (docs/PERFORMANCE.md). Here a
//! sample is two relaxed atomic additions into fixed buckets, and a scrape writes the
//! standard Prometheus histogram text.
use std::cell::RefCell;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Time from the request to its response head, by route pattern and status. Its `_count`
/// series is the number of requests answered.
pub const HTTP_DURATION: &str = "smp_http_request_duration_seconds";

/// Upper bounds of the buckets, in microseconds (0.5 ms to 10 s); `+Inf` follows.
const BOUNDS_US: [u64; 14] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000, 10_000_000,
];

/// One (route, status) pair's histogram.
struct Series {
    route: Box<str>,
    status: u16,
    /// Requests whose latency fell in each bucket (not cumulative); the last is `+Inf`.
    buckets: [AtomicU64; BOUNDS_US.len() + 1],
    sum_us: AtomicU64,
}

impl Series {
    fn record(&self, elapsed: Duration) {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = BOUNDS_US
            .iter()
            .position(|bound| us <= *bound)
            .unwrap_or(BOUNDS_US.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }
}

/// Every series, for scrapes; a thread adds to it only the first time it sees a pair.
static ALL: Mutex<Vec<Arc<Series>>> = Mutex::new(Vec::new());

thread_local! {
    /// The series this thread has used: a few dozen pairs at most (routes x statuses), so
    /// a scan finds one faster than hashing would.
    static SEEN: RefCell<Vec<Arc<Series>>> = const { RefCell::new(Vec::new()) };
}

/// Records one answered request.
pub fn record(route: &str, status: u16, elapsed: Duration) {
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if let Some(series) = seen
            .iter()
            .find(|s| s.status == status && s.route.as_ref() == route)
        {
            series.record(elapsed);
            return;
        }
        let series = shared_series(route, status);
        series.record(elapsed);
        seen.push(series);
    });
}

/// The series of this pair, made by whichever thread saw it first.
fn shared_series(route: &str, status: u16) -> Arc<Series> {
    let mut all = ALL.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(series) = all
        .iter()
        .find(|s| s.status == status && s.route.as_ref() == route)
    {
        return series.clone();
    }
    let series = Arc::new(Series {
        route: route.into(),
        status,
        buckets: Default::default(),
        sum_us: AtomicU64::new(0),
    });
    all.push(series.clone());
    series
}

/// Appends the histogram in Prometheus' text format.
pub fn render_into(out: &mut String) {
    let all = ALL.lock().unwrap_or_else(PoisonError::into_inner);
    if all.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "# HELP {HTTP_DURATION} Time from the request to its response head; _count is requests answered.\n# TYPE {HTTP_DURATION} histogram"
    );
    for series in all.iter() {
        let route = if series.route.is_empty() {
            "unmatched".to_owned()
        } else {
            escape_label(&series.route)
        };
        let labels = format!("route=\"{route}\",status=\"{}\"", series.status);
        let mut total = 0u64;
        for (i, bucket) in series.buckets.iter().enumerate() {
            total += bucket.load(Ordering::Relaxed);
            let le = BOUNDS_US
                .get(i)
                .map_or("+Inf".to_owned(), |us| seconds(*us));
            let _ = writeln!(
                out,
                "{HTTP_DURATION}_bucket{{{labels},le=\"{le}\"}} {total}"
            );
        }
        let sum = seconds(series.sum_us.load(Ordering::Relaxed));
        let _ = writeln!(out, "{HTTP_DURATION}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{HTTP_DURATION}_count{{{labels}}} {total}");
    }
    out.push('\n');
}

/// Microseconds as seconds, without float noise (`2500` → `0.0025`).
fn seconds(us: u64) -> String {
    let whole = us / 1_000_000;
    let fraction = us % 1_000_000;
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:06}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A label value as Prometheus' text format wants it.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_written_exactly() {
        assert_eq!(seconds(500), "0.0005");
        assert_eq!(seconds(2_500), "0.0025");
        assert_eq!(seconds(1_000_000), "1");
        assert_eq!(seconds(2_500_000), "2.5");
        assert_eq!(seconds(1_234_567), "1.234567");
    }

    #[test]
    fn buckets_are_cumulative_and_count_every_request() {
        let route = "/test/buckets-are-cumulative";
        record(route, 200, Duration::from_micros(100));
        record(route, 200, Duration::from_micros(700));
        record(route, 200, Duration::from_secs(30));
        let mut out = String::new();
        render_into(&mut out);
        let line = |le: &str| {
            format!("{HTTP_DURATION}_bucket{{route=\"{route}\",status=\"200\",le=\"{le}\"}} ")
        };
        let value = |prefix: String| -> String {
            out.lines()
                .find_map(|l| l.strip_prefix(prefix.as_str()))
                .unwrap_or_else(|| panic!("no {prefix} in {out}"))
                .to_owned()
        };
        assert_eq!(value(line("0.0005")), "1");
        assert_eq!(value(line("0.001")), "2");
        assert_eq!(value(line("10")), "2");
        assert_eq!(value(line("+Inf")), "3");
        assert_eq!(
            value(format!(
                "{HTTP_DURATION}_count{{route=\"{route}\",status=\"200\"}} "
            )),
            "3"
        );
        assert_eq!(
            value(format!(
                "{HTTP_DURATION}_sum{{route=\"{route}\",status=\"200\"}} "
            )),
            "30.0008"
        );
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label(r#"/a"b\c"#), r#"/a\"b\\c"#);
    }
}
