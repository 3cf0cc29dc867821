//! Moderation queries: the queue, actions with their audit trail, answers, export and
//! erasure, and the page revisions that tell every instance what to re-render.
use sqlx::{AssertSqlSafe, Row, Sqlite, Transaction};

use super::{SqliteStore, store_error};
use crate::comments::sql::{AnyRow, COLUMNS, counts_in_order, distinct_sections, like_pattern};
use crate::comments::store::{
    ActionOutcome, Comment, Event, NewAnswer, QueueFilter, QueuePage, StoreError,
};
use crate::comments::{Action, Status};

type Result<T> = std::result::Result<T, StoreError>;

impl SqliteStore {
    pub(super) async fn queue_page(&self, filter: &QueueFilter) -> Result<QueuePage> {
        let pattern = filter.text.as_deref().map(like_pattern);
        let condition = "status = ?1 AND (?2 IS NULL OR section = ?2) AND (?3 IS NULL OR \
             lower(author) LIKE ?3 ESCAPE '\\' OR lower(email) LIKE ?3 ESCAPE '\\' OR \
             lower(coalesce(url, '')) LIKE ?3 ESCAPE '\\' OR lower(body) LIKE ?3 ESCAPE '\\')";
        let total: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM comments WHERE {condition}"
        )))
        .bind(filter.status.as_str())
        .bind(&filter.section)
        .bind(&pattern)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error("counting the queue"))?;
        let sql = format!(
            "SELECT {COLUMNS} FROM comments WHERE {condition} ORDER BY id DESC LIMIT ?4 OFFSET ?5"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(filter.status.as_str())
            .bind(&filter.section)
            .bind(&pattern)
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error("reading the queue"))?;
        let comments = rows
            .iter()
            .map(AnyRow::comment)
            .collect::<std::result::Result<_, _>>()
            .map_err(store_error("decoding the queue"))?;
        Ok(QueuePage { comments, total })
    }

    pub(super) async fn status_counts(&self) -> Result<Vec<(Status, i64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM comments GROUP BY status")
            .fetch_all(&self.pool)
            .await
            .map_err(store_error("counting comments"))?;
        Ok(counts_in_order(
            rows.iter().map(|row| (row.get("status"), row.get("n"))),
        ))
    }

    pub(super) async fn apply_action(
        &self,
        id: i64,
        action: Action,
        moderator: &str,
        at: i64,
    ) -> Result<ActionOutcome> {
        let mut tx = self
            .pool
            .begin_with(super::BEGIN_WRITE)
            .await
            .map_err(store_error("starting a moderation action"))?;
        let row = sqlx::query("SELECT status, section FROM comments WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error("reading a comment"))?;
        let Some(row) = row else {
            return Ok(ActionOutcome::NotFound);
        };
        let from = Status::parse(row.get::<&str, _>("status")).unwrap_or(Status::Pending);
        let section: String = row.get("section");
        let to = match action.target(from) {
            Ok(to) => to,
            Err(refused) => return Ok(ActionOutcome::Refused(refused)),
        };
        match to {
            Some(to) => {
                sqlx::query("UPDATE comments SET status = ? WHERE id = ?")
                    .bind(to.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error("changing a comment's state"))?;
            }
            None => delete_keeping_replies(&mut tx, &[id]).await?,
        }
        record_event(&mut tx, id, action.as_str(), moderator, at).await?;
        let public_change = from == Status::Approved || to == Some(Status::Approved);
        if public_change {
            record_revision(&mut tx, &section, at).await?;
        }
        tx.commit()
            .await
            .map_err(store_error("saving a moderation action"))?;
        Ok(ActionOutcome::Done {
            section,
            public_change,
        })
    }

    pub(super) async fn audit_trail(&self, ids: &[i64]) -> Result<Vec<Event>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; ids.len()].join(", ");
        let sql = format!(
            "SELECT comment_id, action, moderator, at FROM comment_events WHERE comment_id IN ({placeholders}) ORDER BY id"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id);
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .map_err(store_error("reading the audit trail"))?;
        rows.iter()
            .map(AnyRow::event)
            .collect::<std::result::Result<_, _>>()
            .map_err(store_error("decoding the audit trail"))
    }

    pub(super) async fn publish_answer(&self, answer: NewAnswer) -> Result<Option<(i64, String)>> {
        let mut tx = self
            .pool
            .begin_with(super::BEGIN_WRITE)
            .await
            .map_err(store_error("starting an answer"))?;
        let parent = sqlx::query("SELECT section, parent_id FROM comments WHERE id = ?")
            .bind(answer.parent_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error("reading a comment"))?;
        let Some(parent) = parent else {
            return Ok(None);
        };
        let section: String = parent.get("section");
        // Threads are one level deep: an answer to a reply joins the reply's thread.
        let thread = parent
            .get::<Option<i64>, _>("parent_id")
            .unwrap_or(answer.parent_id);
        let id = sqlx::query(
            "INSERT INTO comments (section, parent_id, author, email, body, status, created_at, editorial) \
             VALUES (?, ?, ?, '', ?, 'approved', ?, 1)",
        )
        .bind(&section)
        .bind(thread)
        .bind(&answer.author)
        .bind(&answer.body)
        .bind(answer.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|err| {
            if matches!(&err, sqlx::Error::Database(db) if db.is_unique_violation()) {
                StoreError::Other(anyhow::anyhow!("the same answer is already published"))
            } else {
                store_error("publishing an answer")(err)
            }
        })?
        .last_insert_rowid();
        record_event(
            &mut tx,
            answer.parent_id,
            "answer",
            &answer.moderator,
            answer.created_at,
        )
        .await?;
        record_revision(&mut tx, &section, answer.created_at).await?;
        tx.commit().await.map_err(store_error("saving an answer"))?;
        Ok(Some((id, section)))
    }

    pub(super) async fn export_comments(
        &self,
        status: Option<Status>,
        email: Option<&str>,
    ) -> Result<Vec<Comment>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM comments WHERE (?1 IS NULL OR status = ?1) \
             AND (?2 IS NULL OR email = ?2 COLLATE NOCASE) ORDER BY id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(status.map(Status::as_str))
            .bind(email)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error("exporting comments"))?;
        rows.iter()
            .map(AnyRow::comment)
            .collect::<std::result::Result<_, _>>()
            .map_err(store_error("decoding comments"))
    }

    pub(super) async fn erase_by_email(&self, email: &str, actor: &str, at: i64) -> Result<u64> {
        let mut tx = self
            .pool
            .begin_with(super::BEGIN_WRITE)
            .await
            .map_err(store_error("starting an erasure"))?;
        let rows =
            sqlx::query("SELECT id, section, status FROM comments WHERE email = ? COLLATE NOCASE")
                .bind(email)
                .fetch_all(&mut *tx)
                .await
                .map_err(store_error("finding comments to erase"))?;
        let ids: Vec<i64> = rows.iter().map(|r| r.get("id")).collect();
        delete_keeping_replies(&mut tx, &ids).await?;
        let sections = distinct_sections(
            rows.iter()
                .filter(|r| r.get::<&str, _>("status") == "approved")
                .map(|r| r.get("section"))
                .collect(),
        );
        for id in &ids {
            record_event(&mut tx, *id, "erase", actor, at).await?;
        }
        for section in &sections {
            record_revision(&mut tx, section, at).await?;
        }
        tx.commit()
            .await
            .map_err(store_error("saving an erasure"))?;
        Ok(ids.len() as u64)
    }

    pub(super) async fn clear_hashes(&self, before: i64) -> Result<u64> {
        let done = sqlx::query("UPDATE comments SET client_hash = NULL, user_agent = NULL WHERE created_at < ? AND (client_hash IS NOT NULL OR user_agent IS NOT NULL)")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(store_error("clearing old client hashes and browser names"))?;
        Ok(done.rows_affected())
    }

    pub(super) async fn changed_sections(&self, since: i64) -> Result<(i64, Vec<String>)> {
        let rows = sqlx::query("SELECT id, section FROM page_revisions WHERE id > ? ORDER BY id")
            .bind(since)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error("reading page revisions"))?;
        let latest = rows.last().map_or(since, |r| r.get("id"));
        let sections = distinct_sections(rows.iter().map(|r| r.get("section")).collect());
        Ok((latest, sections))
    }
}

/// Deletes comments; replies by other people under them become top-level comments.
async fn delete_keeping_replies(tx: &mut Transaction<'_, Sqlite>, ids: &[i64]) -> Result<()> {
    for id in ids {
        sqlx::query("UPDATE comments SET parent_id = NULL WHERE parent_id = ?")
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(store_error("detaching replies"))?;
        sqlx::query("DELETE FROM comments WHERE id = ?")
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(store_error("deleting a comment"))?;
    }
    Ok(())
}

async fn record_event(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    action: &str,
    moderator: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO comment_events (comment_id, action, moderator, at) VALUES (?, ?, ?, ?)",
    )
    .bind(id)
    .bind(action)
    .bind(moderator)
    .bind(at)
    .execute(&mut **tx)
    .await
    .map_err(store_error("recording the audit trail"))?;
    Ok(())
}

pub(super) async fn record_revision(
    tx: &mut Transaction<'_, Sqlite>,
    section: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO page_revisions (section, at) VALUES (?, ?)")
        .bind(section)
        .bind(at)
        .execute(&mut **tx)
        .await
        .map_err(store_error("recording a page revision"))?;
    Ok(())
}
