//! The SQLite backend: one file, WAL mode, `synchronous=FULL` so that an acknowledged
//! comment survives a crash or power cut, and a busy timeout for concurrent writers.
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

mod accounts;
mod maintenance;
mod moderation;
mod transfer;
mod writer;

pub use maintenance::{ServerLock, backup, database_path, restore};

use crate::comments::sql::{self, AnyRow, COLUMNS};
use crate::comments::store::{Comment, InsertOutcome, StoreError, StoredComment};

/// Migrations, embedded in the binary and applied at start.
const MIGRATIONS: [(i64, &str, &str); 2] = [
    (
        1,
        "comments",
        include_str!("../migrations/sqlite/0001_comments.sql"),
    ),
    (
        2,
        "moderation",
        include_str!("../migrations/sqlite/0002_moderation.sql"),
    ),
];

/// Every transaction that writes takes the write lock up front. A deferred transaction
/// that reads first and writes later cannot wait for a concurrent writer (SQLite answers
/// "database is locked" at once), so two moderators acting together would see an error.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

pub struct SqliteStore {
    pool: SqlitePool,
    writer: writer::Writer,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates it.
    pub async fn open(path: &str) -> anyhow::Result<Self> {
        if let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).with_context(|| {
                format!("cannot create the database folder {}", parent.display())
            })?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .with_context(|| format!("invalid SQLite path {path:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the database {path}"))?;
        sql::migrator(&MIGRATIONS)
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate the database {path}"))?;
        Ok(Self {
            writer: writer::Writer::start(pool.clone()),
            pool,
        })
    }
}

/// Maps SQLite's "cannot write now" codes to [`StoreError::Unavailable`].
pub(super) fn store_error(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| {
        if let sqlx::Error::Database(db) = &err {
            // SQLITE_BUSY 5, LOCKED 6, READONLY 8, IOERR 10, CORRUPT 11, FULL 13, CANTOPEN 14.
            let primary = db
                .code()
                .and_then(|c| c.parse::<i32>().ok())
                .map(|c| c & 0xff);
            if matches!(primary, Some(5 | 6 | 8 | 10 | 11 | 13 | 14)) {
                return StoreError::Unavailable(format!("{context}: {db}"));
            }
        }
        if let Some(unavailable) = sql::unavailable(context, &err) {
            return unavailable;
        }
        StoreError::Other(anyhow::Error::new(err).context(context))
    }
}

crate::comments::store::boxed_store!(SqliteStore);

/// Reading comments and the small shared facts; writes live in the writer task and the
/// submodules.
impl SqliteStore {
    async fn insert_comment(&self, comment: StoredComment) -> Result<InsertOutcome, StoreError> {
        self.writer.insert(comment).await
    }

    async fn find_comment(&self, id: i64) -> Result<Option<Comment>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM comments WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
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
            "SELECT {COLUMNS} FROM comments WHERE status = 'approved' AND (?1 IS NULL OR section = ?1) ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(section)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error("reading approved comments"))?;
        rows.iter()
            .map(AnyRow::comment)
            .collect::<Result<_, _>>()
            .map_err(store_error("decoding comments"))
    }

    async fn is_returning_author(&self, author: &str, email: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM comments WHERE author = ? AND email = ? COLLATE NOCASE AND status = 'approved' LIMIT 1",
        )
        .bind(author)
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error("looking up a returning commenter"))?;
        Ok(found.is_some())
    }

    async fn shared_secret(&self, name: &'static str) -> Result<Vec<u8>, StoreError> {
        let read = || {
            sqlx::query_scalar::<_, Vec<u8>>("SELECT value FROM secrets WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
        };
        // Read first, so that a server on a read-only database still starts.
        if let Some(value) = read().await.map_err(store_error("reading a secret"))? {
            return Ok(value);
        }
        let mut fresh = vec![0u8; 32];
        getrandom::fill(&mut fresh)
            .map_err(|err| StoreError::Other(anyhow::anyhow!("no randomness: {err}")))?;
        // INSERT OR IGNORE then SELECT: concurrent first starts agree on one value.
        sqlx::query("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)")
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
