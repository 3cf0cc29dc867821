//! The site-wide activity log (every moderation action, answer, edit and erasure, and
//! every sign-in, failed sign-in and sign-out), and the single-use links in moderators'
//! email.
use sqlx::AssertSqlSafe;
use sqlx::Row;

use super::{Action, ActionOutcome, SqlStore, StoreError, StoreFuture};

/// One line of the activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    pub at: i64,
    /// A moderator's username, the command line's actor, or "unknown user".
    pub actor: String,
    pub action: String,
    /// The comment acted on, if any (it may be gone since).
    pub comment_id: Option<i64>,
    pub section: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub detail: Option<String>,
}

/// Which entries of the log to show.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Unix seconds, inclusive.
    pub since: Option<i64>,
    /// Unix seconds, exclusive.
    pub until: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct ActivityPage {
    /// Newest first.
    pub entries: Vec<ActivityEntry>,
    pub total: i64,
}

/// A used email link: who used it, for what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedLink {
    pub comment_id: i64,
    pub action: String,
    pub moderator: String,
    pub at: i64,
}

/// What came of using an email link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkUse {
    /// The link was unused: the action's outcome (the link counts as used only if done).
    Applied(ActionOutcome),
    AlreadyUsed(UsedLink),
}

pub trait ActivityStore: Send + Sync {
    /// One page of the log, newest first.
    fn activity<'a>(&'a self, filter: &'a ActivityFilter) -> StoreFuture<'a, ActivityPage>;
    /// Everyone who appears in the log, sorted, for its filter.
    fn activity_actors(&self) -> StoreFuture<'_, Vec<String>>;
    /// Records a sign-in, a failed sign-in or a sign-out. `username` must be an existing
    /// account's name or "unknown user", never what was typed.
    fn record_sign_in<'a>(
        &'a self,
        username: &'a str,
        action: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ()>;
    /// Uses an email link once: marks `nonce` used and applies the action, in one
    /// transaction, unless the nonce was used before (then nothing changes).
    fn use_email_link<'a>(
        &'a self,
        nonce: &'a str,
        id: i64,
        action: Action,
        moderator: &'a str,
        at: i64,
    ) -> StoreFuture<'a, LinkUse>;
    /// Whether an email link was used, and how.
    fn used_email_link<'a>(&'a self, nonce: &'a str) -> StoreFuture<'a, Option<UsedLink>>;
}

/// Both kinds of entry as one table; the filters as in [`ActivityFilter`].
const LOG: &str = "(SELECT id, 1 AS kind, comment_id, section, action, moderator AS actor, at, \
     from_status, to_status, detail FROM comment_events \
     UNION ALL SELECT id, 0 AS kind, NULL, NULL, action, username, at, NULL, NULL, NULL \
     FROM sign_in_events) AS log \
     WHERE (CAST($1 AS TEXT) IS NULL OR actor = $1) AND (CAST($2 AS TEXT) IS NULL OR action = $2) \
     AND (CAST($3 AS BIGINT) IS NULL OR at >= $3) AND (CAST($4 AS BIGINT) IS NULL OR at < $4)";

impl ActivityStore for SqlStore {
    fn activity<'a>(&'a self, filter: &'a ActivityFilter) -> StoreFuture<'a, ActivityPage> {
        Box::pin(async move {
            let total: i64 =
                sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {LOG}")))
                    .bind(&filter.actor)
                    .bind(&filter.action)
                    .bind(filter.since)
                    .bind(filter.until)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(self.error("counting the activity log"))?;
            let found = sqlx::query(AssertSqlSafe(format!(
                "SELECT comment_id, section, action, actor, at, from_status, to_status, detail \
                 FROM {LOG} ORDER BY at DESC, kind DESC, id DESC LIMIT $5 OFFSET $6"
            )))
            .bind(&filter.actor)
            .bind(&filter.action)
            .bind(filter.since)
            .bind(filter.until)
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("reading the activity log"))?;
            let entries = found
                .iter()
                .map(|row| {
                    Ok(ActivityEntry {
                        at: row.try_get("at")?,
                        actor: row.try_get("actor")?,
                        action: row.try_get("action")?,
                        comment_id: row.try_get("comment_id")?,
                        section: row.try_get("section")?,
                        from_status: row.try_get("from_status")?,
                        to_status: row.try_get("to_status")?,
                        detail: row.try_get("detail")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(self.error("decoding the activity log"))?;
            Ok(ActivityPage { entries, total })
        })
    }

    fn activity_actors(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move {
            sqlx::query_scalar(
                "SELECT moderator FROM comment_events UNION SELECT username FROM sign_in_events \
                 ORDER BY 1",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("listing the activity log's people"))
        })
    }

    fn record_sign_in<'a>(
        &'a self,
        username: &'a str,
        action: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("INSERT INTO sign_in_events (username, action, at) VALUES ($1, $2, $3)")
                .bind(username)
                .bind(action)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(self.error("recording a sign-in"))?;
            Ok(())
        })
    }

    fn use_email_link<'a>(
        &'a self,
        nonce: &'a str,
        id: i64,
        action: Action,
        moderator: &'a str,
        at: i64,
    ) -> StoreFuture<'a, LinkUse> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting an email link's action").await?;
            // The primary key decides between two uses racing: the second inserts nothing.
            let fresh: Option<String> = sqlx::query_scalar(
                "INSERT INTO email_links_used (nonce, comment_id, action, moderator, at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING nonce",
            )
            .bind(nonce)
            .bind(id)
            .bind(action.as_str())
            .bind(moderator)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.error("marking an email link used"))?;
            if fresh.is_none() {
                drop(tx);
                let used = self.used_email_link(nonce).await?.ok_or_else(|| {
                    StoreError::Other(anyhow::anyhow!("a used email link vanished"))
                })?;
                return Ok(LinkUse::AlreadyUsed(used));
            }
            let outcome = self.apply_in(&mut tx, id, action, moderator, at).await?;
            if matches!(outcome, ActionOutcome::Done { .. }) {
                tx.commit()
                    .await
                    .map_err(self.error("saving an email link's action"))?;
            }
            Ok(LinkUse::Applied(outcome))
        })
    }

    fn used_email_link<'a>(&'a self, nonce: &'a str) -> StoreFuture<'a, Option<UsedLink>> {
        Box::pin(async move {
            let found: Option<(i64, String, String, i64)> = sqlx::query_as(
                "SELECT comment_id, action, moderator, at FROM email_links_used WHERE nonce = $1",
            )
            .bind(nonce)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("reading an email link"))?;
            Ok(found.map(|(comment_id, action, moderator, at)| UsedLink {
                comment_id,
                action,
                moderator,
                at,
            }))
        })
    }
}
