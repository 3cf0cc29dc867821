//! What both SQL backends share: the two dialects differ in placeholders and types, not
//! in these.
use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::StoreError;

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
