//! The PostgreSQL backend, for several instances behind a load balancer: comments,
//! accounts, sessions, sign-in throttling and the audit trail live in one shared database,
//! so any instance can answer any request. Commits are durable with PostgreSQL's default
//! `synchronous_commit = on`, and concurrent commits share their WAL flushes, so there is
//! no writer task as in the SQLite backend.
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Row};

mod accounts;
mod moderation;
mod transfer;

use crate::comments::sql::{self, COLUMNS};
use crate::comments::store::{
    AccountStore, ActionOutcome, Comment, CommentStore, Dump, Event, InsertOutcome, ModeratorInfo,
    NewAnswer, QueueFilter, QueuePage, Session, StoreError, StoreFuture, StoredComment,
    TransferStore,
};
use crate::comments::{Action, Status};

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

pub(super) fn comment_from_row(row: &PgRow) -> Result<Comment, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(Comment {
        id: row.try_get("id")?,
        section: row.try_get("section")?,
        parent_id: row.try_get("parent_id")?,
        author: row.try_get("author")?,
        email: row.try_get("email")?,
        url: row.try_get("url")?,
        body: row.try_get("body")?,
        status: Status::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown status {status}").into()))?,
        created_at: row.try_get("created_at")?,
        client_hash: row.try_get("client_hash")?,
        user_agent: row.try_get("user_agent")?,
        flag_reason: row.try_get("flag_reason")?,
        editorial: row.try_get("editorial")?,
    })
}

pub(super) fn comments_from_rows(rows: &[PgRow]) -> Result<Vec<Comment>, StoreError> {
    rows.iter()
        .map(comment_from_row)
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

impl CommentStore for PostgresStore {
    fn insert(&self, comment: StoredComment) -> StoreFuture<'_, InsertOutcome> {
        Box::pin(self.insert_comment(comment))
    }

    fn get(&self, id: i64) -> StoreFuture<'_, Option<Comment>> {
        Box::pin(async move {
            let sql = format!("SELECT {COLUMNS} FROM comments WHERE id = $1");
            let row = sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error("reading a comment"))?;
            row.as_ref()
                .map(comment_from_row)
                .transpose()
                .map_err(store_error("decoding a comment"))
        })
    }

    fn approved<'a>(&'a self, section: Option<&'a str>) -> StoreFuture<'a, Vec<Comment>> {
        Box::pin(async move {
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
        })
    }

    fn has_approved_author<'a>(&'a self, author: &'a str, email: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
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
        })
    }

    fn secret(&self, name: &'static str) -> StoreFuture<'_, Vec<u8>> {
        Box::pin(self.shared_secret(name))
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .execute(&self.pool)
                .await
                .map_err(store_error("checking the database"))?;
            Ok(())
        })
    }

    fn queue<'a>(&'a self, filter: &'a QueueFilter) -> StoreFuture<'a, QueuePage> {
        Box::pin(self.queue_page(filter))
    }

    fn counts(&self) -> StoreFuture<'_, Vec<(Status, i64)>> {
        Box::pin(self.status_counts())
    }

    fn apply<'a>(
        &'a self,
        id: i64,
        action: Action,
        moderator: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ActionOutcome> {
        Box::pin(self.apply_action(id, action, moderator, at))
    }

    fn events<'a>(&'a self, ids: &'a [i64]) -> StoreFuture<'a, Vec<Event>> {
        Box::pin(self.audit_trail(ids))
    }

    fn answer(&self, answer: NewAnswer) -> StoreFuture<'_, Option<(i64, String)>> {
        Box::pin(self.publish_answer(answer))
    }

    fn export<'a>(
        &'a self,
        status: Option<Status>,
        email: Option<&'a str>,
    ) -> StoreFuture<'a, Vec<Comment>> {
        Box::pin(self.export_comments(status, email))
    }

    fn erase_email<'a>(&'a self, email: &'a str, actor: &'a str, at: i64) -> StoreFuture<'a, u64> {
        Box::pin(self.erase_by_email(email, actor, at))
    }

    fn clear_client_hashes(&self, before: i64) -> StoreFuture<'_, u64> {
        Box::pin(self.clear_hashes(before))
    }

    fn latest_revision(&self) -> StoreFuture<'_, i64> {
        Box::pin(async move {
            let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM page_revisions")
                .fetch_one(&self.pool)
                .await
                .map_err(store_error("reading page revisions"))?;
            Ok(latest.unwrap_or(0))
        })
    }

    fn revisions_since(&self, since: i64) -> StoreFuture<'_, (i64, Vec<String>)> {
        Box::pin(self.changed_sections(since))
    }
}

impl AccountStore for PostgresStore {
    fn upsert_moderator<'a>(
        &'a self,
        username: &'a str,
        password_hash: &'a str,
        at: i64,
    ) -> StoreFuture<'a, bool> {
        Box::pin(self.save_moderator(username, password_hash, at))
    }

    fn moderators(&self) -> StoreFuture<'_, Vec<ModeratorInfo>> {
        Box::pin(self.list_moderators())
    }

    fn remove_moderator<'a>(&'a self, username: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(self.delete_moderator(username))
    }

    fn credentials<'a>(&'a self, username: &'a str) -> StoreFuture<'a, Option<(i64, String)>> {
        Box::pin(self.find_credentials(username))
    }

    fn create_session<'a>(
        &'a self,
        token_hash: &'a str,
        moderator_id: i64,
        csrf_token: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.insert_session(token_hash, moderator_id, csrf_token, at))
    }

    fn session<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, Option<Session>> {
        Box::pin(self.find_session(token_hash))
    }

    fn touch_session<'a>(&'a self, token_hash: &'a str, at: i64) -> StoreFuture<'a, ()> {
        Box::pin(self.mark_session_seen(token_hash, at))
    }

    fn delete_session<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.remove_session(token_hash))
    }

    fn delete_idle_sessions(&self, before: i64) -> StoreFuture<'_, u64> {
        Box::pin(self.remove_idle_sessions(before))
    }

    fn record_login_failure<'a>(
        &'a self,
        username: &'a str,
        client_hash: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.insert_login_failure(username, client_hash, at))
    }

    fn login_failures<'a>(
        &'a self,
        username: &'a str,
        client_hash: &'a str,
        since: i64,
    ) -> StoreFuture<'a, (i64, Option<i64>)> {
        Box::pin(self.count_login_failures(username, client_hash, since))
    }

    fn clear_login_failures<'a>(
        &'a self,
        username: &'a str,
        client_hash: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.remove_login_failures(username, client_hash))
    }
}

impl TransferStore for PostgresStore {
    fn dump(&self) -> StoreFuture<'_, Dump> {
        Box::pin(self.dump_all())
    }

    fn load<'a>(&'a self, dump: &'a Dump) -> StoreFuture<'a, ()> {
        Box::pin(self.load_all(dump))
    }
}

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
