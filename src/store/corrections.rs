//! Taking things back and putting them right: undoing a moderator's last action on a
//! comment, and editing a comment's text (to remove a phone number, or to correct an
//! editorial answer). Each is one transaction with its audit entry.
use sqlx::AssertSqlSafe;

use super::moderation::NewEvent;
use super::{SqlStore, Status, StoreFuture};

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoOutcome {
    /// The comment is back in `status`; `public_change` when readers' pages changed.
    Done {
        section: String,
        status: Status,
        public_change: bool,
    },
    NotFound,
    /// Nothing to undo: the comment's last change is not this moderator's `action`, or it
    /// has changed since (by another moderator, or an undo already).
    Refused(String),
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    Done {
        section: String,
        public_change: bool,
    },
    NotFound,
}

pub trait CorrectionStore: Send + Sync {
    /// Takes back `moderator`'s last action on a comment, if it was `action` and nothing
    /// changed the comment since: its state goes back to what it was before.
    fn undo<'a>(
        &'a self,
        id: i64,
        action: &'a str,
        moderator: &'a str,
        at: i64,
    ) -> StoreFuture<'a, UndoOutcome>;
    /// Replaces a comment's text. The audit trail gets who, when and `reason`; never the
    /// old text, which may be the very personal data being removed.
    fn edit<'a>(
        &'a self,
        id: i64,
        body: &'a str,
        reason: &'a str,
        moderator: &'a str,
        at: i64,
    ) -> StoreFuture<'a, EditOutcome>;
}

impl CorrectionStore for SqlStore {
    fn undo<'a>(
        &'a self,
        id: i64,
        action: &'a str,
        moderator: &'a str,
        at: i64,
    ) -> StoreFuture<'a, UndoOutcome> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting an undo").await?;
            let found: Option<(String, String)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT status, section FROM comments WHERE id = $1{}",
                self.dialect.for_update()
            )))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.error("reading a comment"))?;
            let Some((current, section)) = found else {
                return Ok(UndoOutcome::NotFound);
            };
            let last: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT action, moderator, from_status, to_status FROM comment_events \
                 WHERE comment_id = $1 AND to_status IS NOT NULL ORDER BY id DESC LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.error("reading the audit trail"))?;
            let Some((last_action, by, Some(from), Some(to))) = last else {
                return Ok(UndoOutcome::Refused(format!(
                    "comment {id} has no action to undo"
                )));
            };
            if last_action != action || by != moderator || to != current {
                return Ok(UndoOutcome::Refused(format!(
                    "the last change to comment {id} is not your \"{action}\" any more"
                )));
            }
            let (Some(now), Some(back)) = (Status::parse(&current), Status::parse(&from)) else {
                return Ok(UndoOutcome::Refused(format!(
                    "comment {id} is in an unknown state"
                )));
            };
            sqlx::query("UPDATE comments SET status = $1 WHERE id = $2")
                .bind(back.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(self.error("undoing an action"))?;
            if back == Status::Approved && now != Status::Approved {
                super::mail_queue::queue_on_approval(&mut tx, id, at, false)
                    .await
                    .map_err(self.error("queueing readers' email"))?;
            }
            let detail = format!("took back \"{action}\"");
            self.record_event(
                &mut tx,
                &NewEvent {
                    comment_id: id,
                    section: &section,
                    action: "undo",
                    moderator,
                    at,
                    change: Some((now, back)),
                    detail: Some(&detail),
                },
            )
            .await?;
            let public_change = now == Status::Approved || back == Status::Approved;
            if public_change {
                self.record_revisions(&mut tx, std::slice::from_ref(&section), at)
                    .await?;
            }
            tx.commit().await.map_err(self.error("saving an undo"))?;
            Ok(UndoOutcome::Done {
                section,
                status: back,
                public_change,
            })
        })
    }

    fn edit<'a>(
        &'a self,
        id: i64,
        body: &'a str,
        reason: &'a str,
        moderator: &'a str,
        at: i64,
    ) -> StoreFuture<'a, EditOutcome> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting an edit").await?;
            let found: Option<(String, String, String, i64)> =
                sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT status, section, email, CASE WHEN editorial THEN 1 ELSE 0 END \
                     FROM comments WHERE id = $1{}",
                    self.dialect.for_update()
                )))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.error("reading a comment"))?;
            let Some((status, section, email, editorial)) = found else {
                return Ok(EditOutcome::NotFound);
            };
            // The duplicate key follows the new text, so that nothing derived from the old
            // one (a redacted phone number, say) is kept; if another comment already has
            // those words from that address, this one keeps no key (an edit is never
            // refused).
            let dedup =
                (editorial == 0).then(|| super::comments::dedup_key(&section, &email, body));
            sqlx::query(
                "UPDATE comments SET body = $1, dedup_key = CASE WHEN EXISTS \
                 (SELECT 1 FROM comments WHERE dedup_key = $2 AND id <> $3) THEN NULL ELSE $2 END \
                 WHERE id = $3",
            )
            .bind(body)
            .bind(&dedup)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(self.error("editing a comment"))?;
            self.record_event(
                &mut tx,
                &NewEvent {
                    comment_id: id,
                    section: &section,
                    action: "edit",
                    moderator,
                    at,
                    change: None,
                    detail: Some(reason),
                },
            )
            .await?;
            let public_change = status == Status::Approved.as_str();
            if public_change {
                self.record_revisions(&mut tx, std::slice::from_ref(&section), at)
                    .await?;
            }
            tx.commit().await.map_err(self.error("saving an edit"))?;
            Ok(EditOutcome::Done {
                section,
                public_change,
            })
        })
    }
}
