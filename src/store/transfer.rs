//! Whole-database copies (`smp-guide db copy`), between databases of either kind.
use sqlx::{AssertSqlSafe, Row};

use super::rows::{self, COLUMNS};
use super::{Comment, Event, SqlStore, StoreError, StoreFuture};

/// An account with its password hash and roles, as copied between databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredModerator {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub created_at: i64,
    /// As stored: space-separated role names.
    pub roles: String,
}

/// A reader's subscription as copied: every column, with the hashes of its link tokens
/// (purpose, creation time), so that links in emails already sent keep working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubscription {
    pub comment_id: i64,
    pub published: bool,
    pub replies: bool,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub published_sent: bool,
    /// (hash, purpose, created_at), by hash.
    pub tokens: Vec<(String, String, i64)>,
}

/// An outbox entry as copied: every column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMail {
    pub id: i64,
    pub comment_id: i64,
    pub email_key: String,
    pub kind: String,
    pub about_id: Option<i64>,
    pub state: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub claimed_until: Option<i64>,
    pub finished_at: Option<i64>,
}

/// Everything that must survive a move to another database: comments with their ids (so
/// that replies, the audit trail and readers' preview links still point at them), the
/// whole audit trail (deletions included), moderator accounts, the shared secrets (so
/// that client hashes keep matching), and readers' subscriptions with their outbox (so
/// that confirmed readers keep hearing, queued email still goes, and the daily limit still
/// counts). Sessions, sign-in failures and page revisions are short-lived and are not
/// carried over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dump {
    /// Oldest first, so that a comment always comes after the one it replies to.
    pub comments: Vec<Comment>,
    /// In the order they happened.
    pub events: Vec<Event>,
    pub moderators: Vec<StoredModerator>,
    pub secrets: Vec<(String, Vec<u8>)>,
    /// By comment.
    pub subscriptions: Vec<StoredSubscription>,
    /// By id.
    pub outbox: Vec<StoredMail>,
}

/// The columns [`StoredMail`] holds, in its order.
const OUTBOX_COLUMNS: &str = "id, comment_id, email_key, kind, about_id, state, created_at, \
     attempts, next_attempt_at, claimed_until, finished_at";

/// Copying a whole database to another one, of either backend (`smp-guide db copy`).
pub trait TransferStore: Send + Sync {
    fn dump(&self) -> StoreFuture<'_, Dump>;
    /// Loads a dump into this database, which must hold no comments and no moderators;
    /// all or nothing.
    fn load<'a>(&'a self, dump: &'a Dump) -> StoreFuture<'a, ()>;
}

impl TransferStore for SqlStore {
    fn dump(&self) -> StoreFuture<'_, Dump> {
        Box::pin(async move {
            // One snapshot for every table, while servers keep writing.
            let mut tx = self
                .pool
                .begin_with(self.dialect.begin_snapshot())
                .await
                .map_err(self.error("starting a copy"))?;
            let read = self.error("reading the database for a copy");
            let dump = async {
                let comments = rows::comments(
                    &sqlx::query(AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM comments ORDER BY id"
                    )))
                    .fetch_all(&mut *tx)
                    .await?,
                )?;
                let events = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {} FROM comment_events ORDER BY id",
                    rows::EVENT_COLUMNS
                )))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(rows::event)
                .collect::<Result<_, _>>()?;
                let moderators = sqlx::query(
                    "SELECT id, username, password_hash, created_at, roles FROM moderators \
                     ORDER BY id",
                )
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(rows::stored_moderator)
                .collect::<Result<_, _>>()?;
                let secrets = sqlx::query("SELECT name, value FROM secrets ORDER BY name")
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get("name")?, r.try_get("value")?)))
                    .collect::<Result<_, sqlx::Error>>()?;
                let tokens: Vec<(i64, String, String, i64)> = sqlx::query_as(
                    "SELECT comment_id, hash, purpose, created_at FROM subscription_tokens \
                     ORDER BY hash",
                )
                .fetch_all(&mut *tx)
                .await?;
                let subscriptions = sqlx::query(
                    "SELECT comment_id, CASE WHEN published THEN 1 ELSE 0 END AS published, \
                     CASE WHEN replies THEN 1 ELSE 0 END AS replies, created_at, confirmed_at, \
                     CASE WHEN published_sent THEN 1 ELSE 0 END AS published_sent \
                     FROM subscriptions ORDER BY comment_id",
                )
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    let comment_id: i64 = r.try_get("comment_id")?;
                    Ok(StoredSubscription {
                        comment_id,
                        published: rows::flag(r, "published")?,
                        replies: rows::flag(r, "replies")?,
                        created_at: r.try_get("created_at")?,
                        confirmed_at: r.try_get("confirmed_at")?,
                        published_sent: rows::flag(r, "published_sent")?,
                        tokens: tokens
                            .iter()
                            .filter(|t| t.0 == comment_id)
                            .map(|(_, hash, purpose, at)| (hash.clone(), purpose.clone(), *at))
                            .collect(),
                    })
                })
                .collect::<Result<_, sqlx::Error>>()?;
                let outbox = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {OUTBOX_COLUMNS} FROM mail_outbox ORDER BY id"
                )))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    Ok(StoredMail {
                        id: r.try_get("id")?,
                        comment_id: r.try_get("comment_id")?,
                        email_key: r.try_get("email_key")?,
                        kind: r.try_get("kind")?,
                        about_id: r.try_get("about_id")?,
                        state: r.try_get("state")?,
                        created_at: r.try_get("created_at")?,
                        attempts: r.try_get("attempts")?,
                        next_attempt_at: r.try_get("next_attempt_at")?,
                        claimed_until: r.try_get("claimed_until")?,
                        finished_at: r.try_get("finished_at")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()?;
                Ok::<_, sqlx::Error>(Dump {
                    comments,
                    events,
                    moderators,
                    secrets,
                    subscriptions,
                    outbox,
                })
            }
            .await
            .map_err(read)?;
            tx.commit().await.map_err(self.error("ending a copy"))?;
            Ok(dump)
        })
    }

    fn load<'a>(&'a self, dump: &'a Dump) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting a copy").await?;
            if let Some(lock) = self.dialect.before_copy() {
                sqlx::query(lock)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("locking the destination"))?;
            }
            let (comments, moderators): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM comments), (SELECT COUNT(*) FROM moderators)",
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(self.error("checking the destination"))?;
            if comments + moderators > 0 {
                return Err(StoreError::Other(anyhow::anyhow!(
                    "the destination already holds {comments} comment(s) and {moderators} \
                     moderator(s): copy only into a new, empty database"
                )));
            }
            for m in &dump.moderators {
                sqlx::query(
                    "INSERT INTO moderators (id, username, password_hash, created_at, roles) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(m.id)
                .bind(&m.username)
                .bind(&m.password_hash)
                .bind(m.created_at)
                .bind(&m.roles)
                .execute(&mut *tx)
                .await
                .map_err(self.error("copying a moderator"))?;
            }
            for (name, value) in &dump.secrets {
                sqlx::query(
                    "INSERT INTO secrets (name, value) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                )
                .bind(name)
                .bind(value)
                .execute(&mut *tx)
                .await
                .map_err(self.error("copying a secret"))?;
            }
            // The email and duplicate keys are derived, so they are computed again rather
            // than copied; a comment that repeats an earlier one keeps no duplicate key, as
            // in the database it comes from (nothing is left behind).
            let insert = format!(
                "INSERT INTO comments ({COLUMNS}, email_key, dedup_key) VALUES ({}) \
                 ON CONFLICT (dedup_key) DO NOTHING",
                rows::placeholders(1, rows::COLUMN_COUNT + 2)
            );
            for c in &dump.comments {
                let dedup = (!c.editorial)
                    .then(|| super::comments::dedup_key(&c.section, &c.email, &c.body));
                for key in [dedup, None] {
                    let done = rows::bind_comment(sqlx::query(AssertSqlSafe(insert.clone())), c)
                        .bind(crate::text::email_key(&c.email))
                        .bind(key)
                        .execute(&mut *tx)
                        .await
                        .map_err(self.error("copying a comment"))?;
                    if done.rows_affected() == 1 {
                        break;
                    }
                }
            }
            for e in &dump.events {
                sqlx::query(AssertSqlSafe(format!(
                    "INSERT INTO comment_events ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    rows::EVENT_COLUMNS
                )))
                .bind(e.comment_id)
                .bind(&e.action)
                .bind(&e.moderator)
                .bind(e.at)
                .bind(&e.section)
                .bind(&e.from_status)
                .bind(&e.to_status)
                .bind(&e.detail)
                .execute(&mut *tx)
                .await
                .map_err(self.error("copying the audit trail"))?;
            }
            for sub in &dump.subscriptions {
                sqlx::query(
                    "INSERT INTO subscriptions (comment_id, published, replies, created_at, \
                     confirmed_at, published_sent) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(sub.comment_id)
                .bind(sub.published)
                .bind(sub.replies)
                .bind(sub.created_at)
                .bind(sub.confirmed_at)
                .bind(sub.published_sent)
                .execute(&mut *tx)
                .await
                .map_err(self.error("copying a subscription"))?;
                for (hash, purpose, at) in &sub.tokens {
                    sqlx::query(
                        "INSERT INTO subscription_tokens (hash, comment_id, purpose, created_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(hash)
                    .bind(sub.comment_id)
                    .bind(purpose)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("copying a link token"))?;
                }
            }
            for m in &dump.outbox {
                sqlx::query(AssertSqlSafe(format!(
                    "INSERT INTO mail_outbox ({OUTBOX_COLUMNS}) VALUES ({})",
                    rows::placeholders(1, 11)
                )))
                .bind(m.id)
                .bind(m.comment_id)
                .bind(&m.email_key)
                .bind(&m.kind)
                .bind(m.about_id)
                .bind(&m.state)
                .bind(m.created_at)
                .bind(m.attempts)
                .bind(m.next_attempt_at)
                .bind(m.claimed_until)
                .bind(m.finished_at)
                .execute(&mut *tx)
                .await
                .map_err(self.error("copying the outbox"))?;
            }
            for renumber in self.dialect.after_copy() {
                sqlx::query(*renumber)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("renumbering after a copy"))?;
            }
            tx.commit().await.map_err(self.error("saving the copy"))
        })
    }
}
