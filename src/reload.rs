//! Live reload: when an editor saves a file in `content/` or the `--static` folder (or the operator
//! sends SIGHUP), the whole site is loaded and validated again and swapped in at once.
//! A broken edit never reaches readers: the last good site stays, and the problems are
//! logged and shown to moderators on `/admin` until fixed.
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::site::{LoadError, load_site};
use crate::state::AppState;

/// Editors' tools write a file in several steps; wait this long for quiet before loading.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// What a reload did.
#[derive(Debug)]
pub enum Outcome {
    Reloaded,
    /// The content has problems; the previous site is still served.
    Rejected(usize),
    Failed,
}

/// Loads everything again and swaps it in, or keeps the old site and reports why.
pub async fn reload(state: &AppState) -> Outcome {
    let started = std::time::Instant::now();
    match load_site(&state.config, state.store.as_ref()).await {
        Ok(site) => {
            let sections = site.guide.sections.len();
            for warning in &site.guide.warnings {
                tracing::warn!("{warning}");
            }
            state.sites.replace(site);
            tracing::info!(
                sections,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "content reloaded"
            );
            Outcome::Reloaded
        }
        Err(LoadError::Content(problems)) => {
            for problem in &problems {
                tracing::error!("{problem}");
            }
            tracing::error!(
                "content not reloaded: {} problem(s); still serving the last good version",
                problems.len()
            );
            let count = problems.len();
            state.sites.set_problems(problems);
            Outcome::Rejected(count)
        }
        Err(LoadError::Other(err)) => {
            tracing::error!("content not reloaded: {err:#}");
            Outcome::Failed
        }
    }
}

/// Change notifications, set up before the server starts serving so that no edit made
/// after start-up can be missed.
pub struct Watch {
    rx: mpsc::Receiver<()>,
    _watcher: Option<notify::RecommendedWatcher>,
}

impl Watch {
    /// Starts watching the content and static folders (unless `watch_content` is off) and
    /// listening for SIGHUP. Must be called inside the Tokio runtime.
    pub fn start(state: &AppState) -> Self {
        let (tx, rx) = mpsc::channel::<()>(1);
        let watcher = if state.config.watch_content {
            start_watcher(state, tx.clone())
        } else {
            tracing::info!(
                "file watching is off (watch_content = false): send SIGHUP to reload content"
            );
            None
        };
        tokio::spawn(forward_sighup(tx));
        Self {
            rx,
            _watcher: watcher,
        }
    }

    /// Reloads after every burst of changes, until the task is dropped.
    pub async fn run(mut self, state: AppState) {
        while self.rx.recv().await.is_some() {
            // Wait for the burst of file events from one save to end.
            loop {
                match tokio::time::timeout(DEBOUNCE, self.rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            reload(&state).await;
        }
    }
}

/// A file watcher that signals `tx` on every change; `None` (with a warning) where the
/// platform offers no watching, in which case SIGHUP still works.
fn start_watcher(state: &AppState, tx: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    let handler = move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            // A full channel already holds a pending reload.
            let _ = tx.try_send(());
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(watcher) => watcher,
        Err(err) => {
            tracing::warn!("cannot watch files ({err}); send SIGHUP to reload content");
            return None;
        }
    };
    // The built-in static files never change; a --static folder is watched for designers.
    let folders = std::iter::once(&state.config.content_dir).chain(&state.config.static_dir);
    for dir in folders {
        if let Err(err) = watcher.watch(dir, RecursiveMode::Recursive) {
            tracing::warn!(
                "cannot watch {} ({err}); send SIGHUP to reload content",
                dir.display()
            );
        }
    }
    Some(watcher)
}

async fn forward_sighup(tx: mpsc::Sender<()>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP");
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading content");
            let _ = tx.try_send(());
        }
    }
    #[cfg(not(unix))]
    drop(tx);
}
