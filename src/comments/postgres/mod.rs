//! The PostgreSQL backend, for several instances behind a load balancer: comments,
//! accounts, sessions, sign-in throttling and the audit trail live in one shared database,
//! so any instance can answer any request. Commits are durable with PostgreSQL's default
//! `synchronous_commit = on`, and concurrent commits share their WAL flushes, so there is
//! no writer task as in the SQLite backend.
//!
//! Each query mirrors the SQLite backend's, in PostgreSQL's dialect (`$n` placeholders,
//! `RETURNING`, arrays with `ANY`, row locks where two instances may race); what both share
//! lives in `comments::sql`, and one storage test suite (`tests/api/storage.rs`) runs
//! against both to keep them in step.
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};

mod accounts;
mod moderation;
mod transfer;

use crate::comments::sql::{self, AnyRow, COLUMNS};
use crate::comments::store::{Comment, InsertOutcome, StoreError, StoredComment};

/// Migrations, embedded in the binary and applied at start. sqlx takes an advisory lock
/// while it migrates, so instances starting together do not race.
const MIGRATIONS: [(i64, &str, &str); 2] = [
    (
        1,
        "comments",
        include_str!("../migrations/postgres/0001_comments.sql"),
    ),
    (
        2,
        "moderation",
        include_str!("../migrations/postgres/0002_moderation.sql"),
    ),
];

/// Connections per instance. PostgreSQL's default `max_connections` is 100, so this leaves
/// room for several instances and the operator's own tools.
const MAX_CONNECTIONS: u32 = 16;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database named by `url` and migrates it.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let shown = redact(url);
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("invalid PostgreSQL URL {shown}"))?
            .application_name("smp-guide");
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to the database {shown}"))?;
        sql::migrator(&MIGRATIONS)
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate the database {shown}"))?;
        Ok(Self { pool })
    }
}

/// The URL without its password, for error messages and logs.
pub fn redact(url: &str) -> String {
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
        Err(_) => "(an unparsable postgres:// URL)".to_owned(),
    }
}

/// SQLSTATE classes that say "the database cannot answer now", not "this query is wrong":
/// a lost or refused connection (08), a read-only standby (25), a changed password (28), a
/// missing or closed database (3D, 55), a serialization conflict or deadlock (40), full disk
/// or too many connections (53), a shutdown (57) and I/O errors (58).
const UNAVAILABLE_CLASSES: [&str; 9] = ["08", "25", "28", "3D", "40", "53", "55", "57", "58"];

/// Maps "cannot answer now" errors to [`StoreError::Unavailable`], shown to readers as 503
/// with their text kept and to the load balancer as a failing health check.
pub(super) fn store_error(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| {
        if let sqlx::Error::Database(db) = &err
            && let Some(code) = db.code()
            && UNAVAILABLE_CLASSES
                .iter()
                .any(|class| code.starts_with(class))
        {
            return StoreError::Unavailable(format!("{context}: {db}"));
        }
        if let Some(unavailable) = sql::unavailable(context, &err) {
            return unavailable;
        }
        StoreError::Other(anyhow::Error::new(err).context(context))
    }
}

pub(super) fn comments_from_rows(rows: &[PgRow]) -> Result<Vec<Comment>, StoreError> {
    rows.iter()
        .map(AnyRow::comment)
        .collect::<Result<_, _>>()
        .map_err(store_error("decoding comments"))
}

impl PostgresStore {
    async fn insert_comment(&self, c: StoredComment) -> Result<InsertOutcome, StoreError> {
        // ON CONFLICT DO NOTHING: a duplicate, even one racing on another instance, is
        // reported as such instead of failing.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO comments (section, parent_id, author, email, url, body, status, created_at, \
             client_hash, user_agent, flag_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (section, author, md5(body)) DO NOTHING RETURNING id",
        )
        .bind(&c.section)
        .bind(c.parent_id)
        .bind(&c.author)
        .bind(&c.email)
        .bind(&c.url)
        .bind(&c.body)
        .bind(c.status.as_str())
        .bind(c.created_at)
        .bind(&c.client_hash)
        .bind(&c.user_agent)
        .bind(&c.flag_reason)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error("storing a comment"))?;
        Ok(id.map_or(InsertOutcome::Duplicate, InsertOutcome::Inserted))
    }

    async fn shared_secret(&self, name: &'static str) -> Result<Vec<u8>, StoreError> {
        let read = || {
            sqlx::query_scalar::<_, Vec<u8>>("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
        };
        if let Some(value) = read().await.map_err(store_error("reading a secret"))? {
            return Ok(value);
        }
        let mut fresh = vec![0u8; 32];
        getrandom::fill(&mut fresh)
            .map_err(|err| StoreError::Other(anyhow::anyhow!("no randomness: {err}")))?;
        // Instances starting together agree on whichever value was inserted first.
        sqlx::query(
            "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(&fresh)
        .execute(&self.pool)
        .await
        .map_err(store_error("creating a secret"))?;
        read()
            .await
            .map_err(store_error("reading a secret"))?
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("secret {name} vanished")))
    }
}

impl PostgresStore {
    async fn find_comment(&self, id: i64) -> Result<Option<Comment>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM comments WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error("reading a comment"))?;
        row.as_ref()
            .map(AnyRow::comment)
            .transpose()
            .map_err(store_error("decoding a comment"))
    }

    async fn approved_comments(&self, section: Option<&str>) -> Result<Vec<Comment>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM comments WHERE status = 'approved' \
             AND ($1::text IS NULL OR section = $1) ORDER BY id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(section)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error("reading approved comments"))?;
        comments_from_rows(&rows)
    }

    async fn is_returning_author(&self, author: &str, email: &str) -> Result<bool, StoreError> {
        let found: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM comments WHERE author = $1 AND lower(email) = lower($2) \
             AND status = 'approved' LIMIT 1",
        )
        .bind(author)
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error("looking up a returning commenter"))?;
        Ok(found.is_some())
    }

    async fn check_connection(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error("checking the database"))?;
        Ok(())
    }

    async fn newest_revision(&self) -> Result<i64, StoreError> {
        let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM page_revisions")
            .fetch_one(&self.pool)
            .await
            .map_err(store_error("reading page revisions"))?;
        Ok(latest.unwrap_or(0))
    }
}

crate::comments::store::boxed_store!(PostgresStore);

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://smp:hunter2@db.internal:5432/smp"),
            "postgres://smp:***@db.internal:5432/smp"
        );
        assert!(!redact("postgres://db/smp?password=hunter2").contains("hunter2"));
        assert_eq!(redact("postgres://db/smp"), "postgres://db/smp");
        assert!(!redact("postgres://smp:hunter2@[").contains("hunter2"));
    }
}
