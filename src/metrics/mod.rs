//! Metrics for operators, in Prometheus' text format, on an address of their own
//! (`metrics_addr`, off by default; never on the public port).
//!
//! Recording goes through the `metrics` facade, so that any layer can count without
//! knowing who exports; `metrics-exporter-prometheus` keeps the values and renders them.
//! Until [`install`] has run (no `metrics_addr`), every function here returns at once.
//!
//! The one call on the hot path, [`http_request`], records into a histogram of our own
//! ([`requests`]): a per-thread scan and two atomic additions, not a registry lookup with
//! label allocation and a sample list (docs/PERFORMANCE.md measures it).
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod requests;

pub use requests::HTTP_DURATION;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Comment submissions, by outcome (`pending`, `approved`, `held`, `spam`, `invalid`,
/// `duplicate`, `too_fast`, `unavailable`, `cross_site`).
pub const COMMENT_SUBMISSIONS: &str = "smp_comment_submissions_total";
/// Moderation actions, answers and edits, by action.
pub const MODERATION_ACTIONS: &str = "smp_moderation_actions_total";
/// Comments in each state, read from the database at each scrape.
pub const COMMENTS: &str = "smp_comments";
/// Content reloads, by result (`live`, `refused`).
pub const CONTENT_RELOADS: &str = "smp_content_reloads_total";
/// Problems keeping the last content edit from going live (0 when it is live).
pub const CONTENT_PROBLEMS: &str = "smp_content_problems";
/// Database connections: open and idle, at each scrape.
pub const DB_CONNECTIONS: &str = "smp_db_connections";
/// Comments committed together by SQLite's writer (group commit).
pub const WRITE_BATCH: &str = "smp_db_write_batch_size";
/// Always 1, with the version as a label.
pub const BUILD_INFO: &str = "smp_build_info";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Installs the process's recorder (once; later calls get the same handle).
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let batch = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(WRITE_BATCH.into()), &batch)
                .expect("bucket lists are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            ENABLED.store(true, Ordering::Release);
            handle
        })
        .clone()
}

/// Whether anything is recorded (a recorder is installed).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The text a scrape gets.
pub fn render() -> String {
    let Some(handle) = HANDLE.get() else {
        return String::new();
    };
    let mut out = handle.render();
    requests::render_into(&mut out);
    out
}

/// Records one answered request's latency (and so counts it).
pub fn http_request(route: &str, status: u16, elapsed: Duration) {
    if enabled() {
        requests::record(route, status, elapsed);
    }
}

/// Counts one comment submission by its outcome.
pub fn comment_submitted(outcome: &'static str) {
    if enabled() {
        counter!(COMMENT_SUBMISSIONS, "outcome" => outcome).increment(1);
    }
}

/// Counts moderation actions (`n` comments at once in a bulk action).
pub fn moderation_action(action: &'static str, n: u64) {
    if enabled() && n > 0 {
        counter!(MODERATION_ACTIONS, "action" => action).increment(n);
    }
}

/// Counts a content reload and sets how many problems hold the content back.
pub fn content_reload(live: bool, problems: usize) {
    if enabled() {
        let result = if live { "live" } else { "refused" };
        counter!(CONTENT_RELOADS, "result" => result).increment(1);
        gauge!(CONTENT_PROBLEMS).set(problems as f64);
    }
}

/// Records how many comments one write transaction committed.
pub fn write_batch(size: usize) {
    if enabled() {
        histogram!(WRITE_BATCH).record(size as f64);
    }
}

/// Sets the per-state comment counts (at scrape time).
pub fn comments_by_status(counts: &[(&'static str, i64)]) {
    if enabled() {
        for (status, n) in counts {
            gauge!(COMMENTS, "status" => *status).set(*n as f64);
        }
    }
}

/// Sets the database pool's open and idle connections (at scrape time).
pub fn db_connections(open: u32, idle: usize) {
    if enabled() {
        gauge!(DB_CONNECTIONS, "state" => "open").set(f64::from(open));
        gauge!(DB_CONNECTIONS, "state" => "idle").set(idle as f64);
    }
}
