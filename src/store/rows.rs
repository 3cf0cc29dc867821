//! Reading rows into the store's value types, and the small pieces of SQL text that
//! several queries build.
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use super::{Comment, Event, Status, StoredModerator};

/// Every column of `comments`, in the order [`comment`] reads and the copy writes them.
pub(super) const COLUMNS: &str = "id, section, parent_id, author, email, url, body, status, \
     created_at, client_hash, user_agent, flag_reason, editorial";

/// How many columns [`COLUMNS`] names.
pub(super) const COLUMN_COUNT: usize = 13;

/// Binds every column of `c`, in [`COLUMNS`] order (for copying a comment whole).
pub(super) fn bind_comment<'q>(
    query: Query<'q, Any, AnyArguments>,
    c: &'q Comment,
) -> Query<'q, Any, AnyArguments> {
    query
        .bind(c.id)
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
        .bind(c.editorial)
}

pub(super) fn comment(row: &AnyRow) -> Result<Comment, sqlx::Error> {
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
        editorial: flag(row, "editorial")?,
    })
}

pub(super) fn comments(rows: &[AnyRow]) -> Result<Vec<Comment>, sqlx::Error> {
    rows.iter().map(comment).collect()
}

/// Every column of `comment_events` but its id, in the order [`event`] reads and the copy
/// writes them.
pub(super) const EVENT_COLUMNS: &str =
    "comment_id, action, moderator, at, section, from_status, to_status, detail";

pub(super) fn event(row: &AnyRow) -> Result<Event, sqlx::Error> {
    Ok(Event {
        comment_id: row.try_get("comment_id")?,
        action: row.try_get("action")?,
        moderator: row.try_get("moderator")?,
        at: row.try_get("at")?,
        section: row.try_get("section")?,
        from_status: row.try_get("from_status")?,
        to_status: row.try_get("to_status")?,
        detail: row.try_get("detail")?,
    })
}

pub(super) fn stored_moderator(row: &AnyRow) -> Result<StoredModerator, sqlx::Error> {
    Ok(StoredModerator {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
        roles: row.try_get("roles")?,
    })
}

/// A true/false column: PostgreSQL's `boolean`, SQLite's integer 0 or 1.
pub(super) fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    row.try_get::<bool, _>(column)
        .or_else(|_| row.try_get::<i64, _>(column).map(|n| n != 0))
}

/// `$first, $first+1, ...`: `count` numbered placeholders, for an `IN (...)` list.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
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
) -> Vec<(Status, i64)> {
    let mut counts: Vec<(Status, i64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
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

    #[test]
    fn the_column_count_matches_the_column_list() {
        assert_eq!(COLUMNS.split(',').count(), COLUMN_COUNT);
    }

    #[test]
    fn placeholders_are_numbered_from_the_first() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 1), "$1");
    }
}
