//! The database: comments, moderation and its audit trail, moderator accounts and
//! sessions, shared secrets and page revisions, readers' email subscriptions and their
//! outbox, in SQLite (the default, one file) or PostgreSQL (several instances on one
//! database).
//!
//! The SQL is written once. Both databases run the same statements through sqlx's `Any`
//! driver, with `$n` placeholders (which sqlx's SQLite driver reads as `?n`); the few real
//! differences (how a write transaction begins, row locks, `MAX` vs `GREATEST`, which errors
//! mean "unavailable", the schema's types) are answered by [`Dialect`]. Everything above
//! this module sees the traits below, behind one `Arc<dyn Store>`.
mod accounts;
mod activity;
mod comments;
mod corrections;
mod dialect;
mod mail_queue;
mod moderation;
mod rows;
mod sqlite_file;
mod status;
mod subscriptions;
mod transfer;
mod writer;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::Context;
use sqlx::AnyPool;

pub use accounts::{AccountInfo, AccountStore, Reservation, Role, Session};
pub use activity::{ActivityEntry, ActivityFilter, ActivityPage, ActivityStore, LinkUse, UsedLink};
pub use comments::{Comment, CommentStore, InsertOutcome, StoredComment};
pub use corrections::{CorrectionStore, EditOutcome, UndoOutcome};
pub use dialect::Dialect;
pub use moderation::{
    ActionOutcome, AnswerOutcome, Event, ModerationStore, NewAnswer, QueueFilter, QueuePage,
};
pub use sqlite_file::{ServerLock, backup, database_path, restore};
pub use status::{Action, InvalidTransition, Status};
pub use subscriptions::{
    AboutComment, Claimed, ConfirmOutcome, MailKind, MailOutcome, NotifyRequest, OutboxMail,
    QueuedMail, SubscriberData, Subscription, SubscriptionStore, TokenPurpose,
};
pub use transfer::{Dump, StoredMail, StoredModerator, StoredSubscription, TransferStore};

/// A boxed future, so that the traits can be used as `Arc<dyn Store>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot take writes right now (disk full, read-only, locked too long,
    /// unreachable). Shown to readers as 503 with their text kept.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The whole storage, as one object.
pub trait Store:
    CommentStore
    + ModerationStore
    + CorrectionStore
    + ActivityStore
    + AccountStore
    + TransferStore
    + SubscriptionStore
{
}
impl<
    T: CommentStore
        + ModerationStore
        + CorrectionStore
        + ActivityStore
        + AccountStore
        + TransferStore
        + SubscriptionStore,
> Store for T
{
}

/// The one implementation of every store trait, for either database.
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
    /// SQLite's group commit for new comments; PostgreSQL commits each one itself.
    writer: Option<writer::Writer>,
}

/// Opens the store named by a database URL, `sqlite://PATH` or `postgres://...`, creating
/// (SQLite) and migrating it.
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    Ok(Arc::new(SqlStore::open(url).await?))
}

impl SqlStore {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let dialect = Dialect::of_url(url).with_context(|| {
            format!(
                "unsupported database URL {:?}: expected sqlite://PATH (for example \
                 sqlite://data/smp-guide.db) or postgres://USER@HOST/DATABASE",
                shown_database_url(url)
            )
        })?;
        let pool = dialect.connect(url).await?;
        let applied_before = applied_migrations(&pool).await;
        dialect
            .migrator()
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate the database {}", shown_database_url(url)))?;
        let writer = dialect
            .batches_writes()
            .then(|| writer::Writer::start(pool.clone(), dialect));
        let store = Self {
            pool,
            dialect,
            writer,
        };
        if !applied_before.is_empty() && !applied_before.contains(&EMAIL_KEY_MIGRATION) {
            store.recompute_email_keys().await?;
        }
        Ok(store)
    }

    /// Migration 3 filled `email_key` with SQL's `lower()`, which folds only ASCII on
    /// SQLite and follows the database's locale on PostgreSQL, and left `dedup_key` empty.
    /// This fills both the server's way, once, right after that migration, oldest comment
    /// first: a later comment that repeats an earlier one under the new rule keeps no
    /// `dedup_key` (it is kept, not lost), and answers never get one.
    async fn recompute_email_keys(&self) -> anyhow::Result<()> {
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, section, email, body, CASE WHEN editorial THEN 1 ELSE 0 END \
             FROM comments ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .context("reading comments to key their addresses")?;
        let (mut keyed, mut repeats) = (0, 0);
        for (id, section, email, body, editorial) in rows {
            let dedup = (editorial == 0).then(|| comments::dedup_key(&section, &email, &body));
            let done = sqlx::query(
                "UPDATE comments SET email_key = $1, dedup_key = $2 WHERE id = $3 \
                 AND NOT EXISTS (SELECT 1 FROM comments WHERE dedup_key = $2)",
            )
            .bind(crate::text::email_key(&email))
            .bind(&dedup)
            .bind(id)
            .execute(&self.pool)
            .await
            .context("keying a comment")?;
            if done.rows_affected() == 0 {
                // It repeats an earlier comment: key its address only.
                sqlx::query("UPDATE comments SET email_key = $1 WHERE id = $2")
                    .bind(crate::text::email_key(&email))
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .context("keying a comment")?;
                repeats += 1;
            }
            keyed += 1;
        }
        tracing::info!(
            "comments keyed after migration {EMAIL_KEY_MIGRATION}: {keyed}, of which {repeats} repeat an earlier one"
        );
        Ok(())
    }

    /// Maps a driver error to a [`StoreError`], naming what was being done.
    fn error(&self, context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        self.dialect.error(context)
    }

    /// Starts a transaction that will write: it takes the write lock up front where the
    /// database needs that (see [`Dialect::begin_write`]).
    async fn begin_write(
        &self,
        context: &'static str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        self.pool
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(self.error(context))
    }
}

/// The migration that added `comments.email_key`.
const EMAIL_KEY_MIGRATION: i64 = 3;

/// The versions of the migrations already applied (none on a new database).
async fn applied_migrations(pool: &AnyPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}

/// A database URL as it may appear in messages and logs: without its password.
pub fn shown_database_url(url: &str) -> String {
    if url.starts_with("sqlite://") {
        return url.to_owned();
    }
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            // Query options may carry a password too (`?password=`).
            if parsed.query().is_some_and(|q| q.contains("password")) {
                parsed.set_query(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "(an unparsable database URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::shown_database_url;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            shown_database_url("postgres://smp:hunter2@db.internal:5432/smp"),
            "postgres://smp:***@db.internal:5432/smp"
        );
        assert!(!shown_database_url("postgres://db/smp?password=hunter2").contains("hunter2"));
        assert_eq!(shown_database_url("postgres://db/smp"), "postgres://db/smp");
        assert!(!shown_database_url("postgres://smp:hunter2@[").contains("hunter2"));
        assert_eq!(
            shown_database_url("sqlite://data/smp-guide.db"),
            "sqlite://data/smp-guide.db"
        );
    }
}
