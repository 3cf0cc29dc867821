//! Background work while the server runs: following page revisions written by other
//! instances or by the command line, and privacy housekeeping.
use std::time::Duration;

use crate::accounts::{ATTEMPT_WINDOW_SECS, SESSION_IDLE_SECS};
use crate::clock::now;
use crate::notify::{CONFIRM_DAYS, OUTBOX_KEEP_DAYS};
use crate::state::AppState;

/// How often other writers' changes are looked for; an approval elsewhere shows here
/// within this time (plus rendering).
pub const REVISION_POLL: Duration = Duration::from_millis(1000);
/// How often old client hashes and idle sessions are cleared.
const HOUSEKEEPING: Duration = Duration::from_secs(60 * 60);

/// Runs forever; the server drops it on shutdown.
pub async fn run(state: AppState) {
    let mut seen = match state.store.latest_revision().await {
        Ok(latest) => latest,
        Err(err) => {
            tracing::error!("reading page revisions: {err}");
            0
        }
    };
    let mut poll = tokio::time::interval(REVISION_POLL);
    let mut housekeeping = tokio::time::interval(HOUSEKEEPING);
    loop {
        tokio::select! {
            _ = poll.tick() => seen = follow_revisions(&state, seen).await,
            _ = housekeeping.tick() => clean_up(&state).await,
        }
    }
}

async fn follow_revisions(state: &AppState, seen: i64) -> i64 {
    match state.store.revisions_since(seen).await {
        Ok((latest, sections)) => {
            for slug in sections
                .iter()
                .filter(|slug| state.site().guide.section(slug).is_some())
            {
                state.refresh_section(slug).await;
            }
            latest
        }
        Err(err) => {
            tracing::warn!("reading page revisions: {err}");
            seen
        }
    }
}

/// Clears client hashes older than the configured number of days, sessions that are over,
/// sign-in attempts that no longer count, requests for email never confirmed, and outbox
/// entries older than the daily limit needs.
pub async fn clean_up(state: &AppState) {
    let days = state.config.comments.client_hash_days;
    if days > 0 {
        let before = now() - i64::from(days) * 24 * 60 * 60;
        match state.store.clear_client_hashes(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("cleared {n} client hash(es) older than {days} days"),
            Err(err) => tracing::warn!("clearing client hashes: {err}"),
        }
    }
    let now = now();
    let max_age_secs = i64::from(state.config.accounts.session_max_hours) * 60 * 60;
    if let Err(err) = state
        .store
        .delete_old_sessions(now - SESSION_IDLE_SECS, now - max_age_secs)
        .await
    {
        tracing::warn!("clearing old sessions: {err}");
    }
    if let Err(err) = state.store.prune_sign_ins(now - ATTEMPT_WINDOW_SECS).await {
        tracing::warn!("clearing old sign-in attempts: {err}");
    }
    let day = 24 * 60 * 60;
    match state
        .store
        .prune_subscriptions(now - CONFIRM_DAYS * day, now - OUTBOX_KEEP_DAYS * day)
        .await
    {
        Ok((0, 0)) => {}
        Ok((subscriptions, mails)) => tracing::info!(
            "deleted {subscriptions} unconfirmed request(s) for email and {mails} old outbox entr(ies)"
        ),
        Err(err) => tracing::warn!("clearing old requests for email: {err}"),
    }
}
