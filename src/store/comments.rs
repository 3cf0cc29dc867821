//! Reader comments as stored, and what the public side asks of them: storing a new one,
//! the approved ones of a section, returning commenters, shared secrets, page revisions.
use sqlx::AnyConnection;
use sqlx::{AssertSqlSafe, Row};

use super::rows::{self, COLUMNS};
use super::{SqlStore, Status, StoreError, StoreFuture};
use crate::text;

/// A comment as stored, with everything a moderator may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub section: String,
    pub parent_id: Option<i64>,
    pub author: String,
    pub email: String,
    pub url: Option<String>,
    pub body: String,
    pub status: Status,
    /// Unix seconds, UTC.
    pub created_at: i64,
    pub client_hash: Option<String>,
    pub user_agent: Option<String>,
    pub flag_reason: Option<String>,
    /// An answer from the site's editorial team.
    pub editorial: bool,
}

/// A validated comment with the facts the submit workflow adds before storing it.
#[derive(Debug, Clone)]
pub struct StoredComment {
    pub section: String,
    pub parent_id: Option<i64>,
    pub author: String,
    pub email: String,
    pub url: Option<String>,
    pub body: String,
    pub status: Status,
    pub created_at: i64,
    pub client_hash: String,
    pub user_agent: Option<String>,
    pub flag_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted(i64),
    /// The same email address already wrote the same text in this section.
    Duplicate,
}

pub trait CommentStore: Send + Sync {
    /// Stores a comment durably: when this returns `Inserted`, it survives a crash.
    fn insert(&self, comment: StoredComment) -> StoreFuture<'_, InsertOutcome>;
    fn get(&self, id: i64) -> StoreFuture<'_, Option<Comment>>;
    /// Approved comments, oldest first; of one section, or of all when `None`.
    fn approved<'a>(&'a self, section: Option<&'a str>) -> StoreFuture<'a, Vec<Comment>>;
    /// Whether this name and email already have an approved comment.
    /// Whether comment `comment_id` is an approved reader's comment from this email
    /// address: a returning commenter proves with a signed cookie that they wrote it.
    fn is_confirmed_commenter<'a>(
        &'a self,
        comment_id: i64,
        email: &'a str,
    ) -> StoreFuture<'a, bool>;
    fn secret(&self, name: &'static str) -> StoreFuture<'_, Vec<u8>>;
    /// Answers when the database does.
    fn ping(&self) -> StoreFuture<'_, ()>;
    /// The connection pool now: connections open, and of those idle (for metrics).
    fn connections(&self) -> (u32, usize);
    /// The id of the newest page revision (0 when there is none).
    fn latest_revision(&self) -> StoreFuture<'_, i64>;
    /// The newest page revision, and the sections changed after `since`.
    fn revisions_since(&self, since: i64) -> StoreFuture<'_, (i64, Vec<String>)>;
}

/// The key that makes a reader's comment a duplicate of another: the same section, email
/// address (by its case-folded key) and text. A unique index on it refuses the second one,
/// race-free on both databases and across instances; answers have none.
pub(super) fn dedup_key(section: &str, email: &str, body: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in [section, &text::email_key(email), body] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores one comment on `connection`: a duplicate (the same email address, section and
/// text as a reader's comment already stored) is reported, not an error, so that it does
/// not abort the other comments of a batch.
pub(super) async fn insert_comment(
    connection: &mut AnyConnection,
    c: &StoredComment,
) -> Result<InsertOutcome, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO comments (section, parent_id, author, email, email_key, dedup_key, url, \
         body, status, created_at, client_hash, user_agent, flag_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
    )
    .bind(&c.section)
    .bind(c.parent_id)
    .bind(&c.author)
    .bind(&c.email)
    .bind(text::email_key(&c.email))
    .bind(dedup_key(&c.section, &c.email, &c.body))
    .bind(&c.url)
    .bind(&c.body)
    .bind(c.status.as_str())
    .bind(c.created_at)
    .bind(&c.client_hash)
    .bind(&c.user_agent)
    .bind(&c.flag_reason)
    .fetch_optional(connection)
    .await?;
    Ok(id.map_or(InsertOutcome::Duplicate, InsertOutcome::Inserted))
}

impl CommentStore for SqlStore {
    fn insert(&self, comment: StoredComment) -> StoreFuture<'_, InsertOutcome> {
        Box::pin(async move {
            if let Some(writer) = &self.writer {
                return writer.insert(comment).await;
            }
            // One statement, committed on its own: the unique index makes it race-free.
            let mut connection = self
                .pool
                .acquire()
                .await
                .map_err(self.error("storing a comment"))?;
            insert_comment(&mut connection, &comment)
                .await
                .map_err(self.error("storing a comment"))
        })
    }

    fn get(&self, id: i64) -> StoreFuture<'_, Option<Comment>> {
        Box::pin(async move {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM comments WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("reading a comment"))?;
            row.as_ref()
                .map(rows::comment)
                .transpose()
                .map_err(self.error("decoding a comment"))
        })
    }

    fn approved<'a>(&'a self, section: Option<&'a str>) -> StoreFuture<'a, Vec<Comment>> {
        Box::pin(async move {
            let found = sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM comments WHERE status = 'approved' \
                 AND (CAST($1 AS TEXT) IS NULL OR section = $1) ORDER BY id"
            )))
            .bind(section)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("reading approved comments"))?;
            rows::comments(&found).map_err(self.error("decoding comments"))
        })
    }

    fn is_confirmed_commenter<'a>(
        &'a self,
        comment_id: i64,
        email: &'a str,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let found = sqlx::query(
                "SELECT id FROM comments WHERE id = $1 AND email_key = $2 \
                 AND status = 'approved' AND NOT editorial",
            )
            .bind(comment_id)
            .bind(text::email_key(email))
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("looking up a returning commenter"))?;
            Ok(found.is_some())
        })
    }

    fn secret(&self, name: &'static str) -> StoreFuture<'_, Vec<u8>> {
        Box::pin(async move {
            let read = || {
                sqlx::query_scalar::<_, Vec<u8>>("SELECT value FROM secrets WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
            };
            // Read first, so that a server on a read-only database still starts.
            if let Some(value) = read().await.map_err(self.error("reading a secret"))? {
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
            .map_err(self.error("creating a secret"))?;
            read()
                .await
                .map_err(self.error("reading a secret"))?
                .ok_or_else(|| StoreError::Other(anyhow::anyhow!("secret {name} vanished")))
        })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .execute(&self.pool)
                .await
                .map_err(self.error("checking the database"))?;
            Ok(())
        })
    }

    fn connections(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    fn latest_revision(&self) -> StoreFuture<'_, i64> {
        Box::pin(async move {
            let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM page_revisions")
                .fetch_one(&self.pool)
                .await
                .map_err(self.error("reading page revisions"))?;
            Ok(latest.unwrap_or(0))
        })
    }

    fn revisions_since(&self, since: i64) -> StoreFuture<'_, (i64, Vec<String>)> {
        Box::pin(async move {
            let found =
                sqlx::query("SELECT id, section FROM page_revisions WHERE id > $1 ORDER BY id")
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(self.error("reading page revisions"))?;
            let latest = match found.last() {
                Some(row) => row
                    .try_get("id")
                    .map_err(self.error("decoding page revisions"))?,
                None => since,
            };
            let sections = found
                .iter()
                .map(|row| row.try_get("section"))
                .collect::<Result<_, _>>()
                .map_err(self.error("decoding page revisions"))?;
            Ok((latest, rows::distinct_sections(sections)))
        })
    }
}
