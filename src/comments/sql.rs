//! What both SQL backends share: the two dialects differ in placeholders and types, not
//! in these.
use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{
    AssertSqlSafe, ColumnIndex, Database, Decode, Executor, IntoArguments, Row, SqlSafeStr, Type,
};

use super::StoreError;
use super::store::{Comment, Dump, Event, StoredModerator};

/// A migrator over migrations embedded in the binary as `(version, name, sql)`.
pub(super) fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Errors of the connection rather than of the query: the database is unreachable or the
/// pool is exhausted or closed. Readers get 503 with their text kept, not 500.
pub(super) fn unavailable(context: &'static str, err: &sqlx::Error) -> Option<StoreError> {
    matches!(
        err,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
    )
    .then(|| StoreError::Unavailable(format!("{context}: {err}")))
}

/// Decodes rows of either backend: both store the same columns, and `editorial` decodes as
/// a `bool` from SQLite's integer as from PostgreSQL's boolean.
pub(super) trait AnyRow: Row
where
    for<'r> &'r str: ColumnIndex<Self>,
{
    fn comment(&self) -> Result<Comment, sqlx::Error>;
    fn event(&self) -> Result<Event, sqlx::Error>;
    fn stored_moderator(&self) -> Result<StoredModerator, sqlx::Error>;
}

impl<R> AnyRow for R
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    fn comment(&self) -> Result<Comment, sqlx::Error> {
        let status: String = self.try_get("status")?;
        Ok(Comment {
            id: self.try_get("id")?,
            section: self.try_get("section")?,
            parent_id: self.try_get("parent_id")?,
            author: self.try_get("author")?,
            email: self.try_get("email")?,
            url: self.try_get("url")?,
            body: self.try_get("body")?,
            status: super::Status::parse(&status)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown status {status}").into()))?,
            created_at: self.try_get("created_at")?,
            client_hash: self.try_get("client_hash")?,
            user_agent: self.try_get("user_agent")?,
            flag_reason: self.try_get("flag_reason")?,
            editorial: self.try_get("editorial")?,
        })
    }

    fn event(&self) -> Result<Event, sqlx::Error> {
        Ok(Event {
            comment_id: self.try_get("comment_id")?,
            action: self.try_get("action")?,
            moderator: self.try_get("moderator")?,
            at: self.try_get("at")?,
        })
    }

    fn stored_moderator(&self) -> Result<StoredModerator, sqlx::Error> {
        Ok(StoredModerator {
            id: self.try_get("id")?,
            username: self.try_get("username")?,
            password_hash: self.try_get("password_hash")?,
            created_at: self.try_get("created_at")?,
        })
    }
}

/// Reads everything a copy carries (`smp-guide db copy`). The queries are the same in both
/// dialects; the caller runs this inside a transaction of its own, so that every table is
/// read from one snapshot.
pub(super) async fn read_dump<DB>(connection: &mut DB::Connection) -> Result<Dump, sqlx::Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    DB::Row: AnyRow,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> Vec<u8>: Decode<'r, DB> + Type<DB>,
{
    let comments = sqlx::query::<DB>(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM comments ORDER BY id"
    )))
    .fetch_all(&mut *connection)
    .await?
    .iter()
    .map(AnyRow::comment)
    .collect::<Result<_, _>>()?;
    let events = sqlx::query::<DB>(
        "SELECT comment_id, action, moderator, at FROM comment_events ORDER BY id",
    )
    .fetch_all(&mut *connection)
    .await?
    .iter()
    .map(AnyRow::event)
    .collect::<Result<_, _>>()?;
    let moderators = sqlx::query::<DB>(
        "SELECT id, username, password_hash, created_at FROM moderators ORDER BY id",
    )
    .fetch_all(&mut *connection)
    .await?
    .iter()
    .map(AnyRow::stored_moderator)
    .collect::<Result<_, _>>()?;
    let secrets = sqlx::query::<DB>("SELECT name, value FROM secrets ORDER BY name")
        .fetch_all(&mut *connection)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("value")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Dump {
        comments,
        events,
        moderators,
        secrets,
    })
}

/// Every column of `comments`, in the order the row decoders expect.
pub(super) const COLUMNS: &str = "id, section, parent_id, author, email, url, body, status, \
     created_at, client_hash, user_agent, flag_reason, editorial";

/// The refusal to copy into a database that is already in use.
pub(super) fn not_empty(comments: i64, moderators: i64) -> StoreError {
    StoreError::Other(anyhow::anyhow!(
        "the destination already holds {comments} comment(s) and {moderators} moderator(s): \
         copy only into a new, empty database"
    ))
}

/// Escapes `%`, `_` and `\` so that a search for them matches them literally
/// (with `LIKE ... ESCAPE '\'`).
pub(super) fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Per-state counts in [`Status::ALL`] order, with zero for states that have no rows.
pub(super) fn counts_in_order(
    found: impl IntoIterator<Item = (String, i64)>,
) -> Vec<(super::Status, i64)> {
    let mut counts: Vec<(super::Status, i64)> =
        super::Status::ALL.iter().map(|s| (*s, 0)).collect();
    for (status, n) in found {
        if let Some(entry) = counts.iter_mut().find(|(s, _)| s.as_str() == status) {
            entry.1 = n;
        }
    }
    counts
}

/// The sections named by a run of page revisions, each once, sorted.
pub(super) fn distinct_sections(mut sections: Vec<String>) -> Vec<String> {
    sections.sort();
    sections.dedup();
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }
}
