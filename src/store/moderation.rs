//! What moderators ask of the store: the queue, actions with their audit trail, answers,
//! export and erasure, and the page revisions that tell every instance what to re-render.
use sqlx::AnyConnection;
use sqlx::AssertSqlSafe;

use super::mail_queue;
use super::rows::{self, COLUMNS, counts_in_order, distinct_sections, like_pattern};
use super::{Action, Comment, InvalidTransition, SqlStore, Status, StoreError, StoreFuture};
use crate::text;

type Result<T> = std::result::Result<T, StoreError>;

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub comment_id: i64,
    pub action: String,
    pub moderator: String,
    pub at: i64,
    /// The comment's section, so that the entry stays readable after the comment is gone.
    pub section: Option<String>,
    /// The state before and after, for entries that changed it (so they can be undone).
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    /// An edit's reason, the id of an answer, or what an undo took back.
    pub detail: Option<String>,
}

/// An audit entry about to be written.
pub(super) struct NewEvent<'a> {
    pub comment_id: i64,
    pub section: &'a str,
    pub action: &'a str,
    pub moderator: &'a str,
    pub at: i64,
    pub change: Option<(Status, Status)>,
    pub detail: Option<&'a str>,
}

/// Which comments the moderation queue shows.
#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub status: Status,
    pub section: Option<String>,
    /// Matches author, email, url or text (case-insensitive, as a substring).
    pub text: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct QueuePage {
    /// Newest first.
    pub comments: Vec<Comment>,
    pub total: i64,
}

/// What a moderation action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Done; `public_change` is true when readers' pages must be re-rendered.
    Done {
        section: String,
        public_change: bool,
    },
    NotFound,
    Refused(InvalidTransition),
}

/// An answer from the editorial team to a comment.
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub parent_id: i64,
    /// Markdown, rendered and sanitised where it is shown.
    pub body: String,
    /// Shown as the author: the site's byline.
    pub author: String,
    pub moderator: String,
    pub created_at: i64,
    /// Approve a pending comment in the same transaction, so that an answer is never
    /// published under a comment that readers cannot see.
    pub approve_parent: bool,
}

/// What became of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Published; `approved_parent` when the comment was approved with it.
    Published {
        id: i64,
        section: String,
        approved_parent: bool,
    },
    NotFound,
    /// The comment is pending (and was not to be approved), spam or trash.
    Refused(Status),
}

pub trait ModerationStore: Send + Sync {
    /// One page of the moderation queue.
    fn queue<'a>(&'a self, filter: &'a QueueFilter) -> StoreFuture<'a, QueuePage>;
    /// How many comments are in each state.
    fn counts(&self) -> StoreFuture<'_, Vec<(Status, i64)>>;
    /// Applies a moderation action and records it in the audit trail, atomically.
    fn apply<'a>(
        &'a self,
        id: i64,
        action: Action,
        moderator: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ActionOutcome>;
    /// The audit trail of these comments, oldest first.
    fn events<'a>(&'a self, ids: &'a [i64]) -> StoreFuture<'a, Vec<Event>>;
    /// Publishes an editorial answer under a comment (approving a pending comment first
    /// when asked), with its audit entries, atomically.
    fn answer(&self, answer: NewAnswer) -> StoreFuture<'_, AnswerOutcome>;
    /// Comments for export, oldest first, optionally of one state or one email address.
    fn export<'a>(
        &'a self,
        status: Option<Status>,
        email: Option<&'a str>,
    ) -> StoreFuture<'a, Vec<Comment>>;
    /// Deletes every comment with this email address (a data-protection request). Replies
    /// by others stay, as top-level comments. Returns how many were erased.
    fn erase_email<'a>(&'a self, email: &'a str, actor: &'a str, at: i64) -> StoreFuture<'a, u64>;
    /// Clears client hashes and browser names of comments created before `before`: after
    /// `client_hash_days` nothing ties a comment to a network or a device. Returns how many.
    fn clear_client_hashes(&self, before: i64) -> StoreFuture<'_, u64>;
}

/// The queue's filter: state, optional section, optional text anywhere.
const QUEUE_CONDITION: &str = "status = $1 AND (CAST($2 AS TEXT) IS NULL OR section = $2) \
     AND (CAST($3 AS TEXT) IS NULL OR lower(author) LIKE $3 ESCAPE '\\' \
     OR lower(email) LIKE $3 ESCAPE '\\' OR lower(coalesce(url, '')) LIKE $3 ESCAPE '\\' \
     OR lower(body) LIKE $3 ESCAPE '\\')";

impl ModerationStore for SqlStore {
    fn queue<'a>(&'a self, filter: &'a QueueFilter) -> StoreFuture<'a, QueuePage> {
        Box::pin(async move {
            let pattern = filter.text.as_deref().map(like_pattern);
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM comments WHERE {QUEUE_CONDITION}"
            )))
            .bind(filter.status.as_str())
            .bind(&filter.section)
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await
            .map_err(self.error("counting the queue"))?;
            // Pending comments that were flagged come first, possible medical concerns
            // before the rest, so that they are seen first.
            let order = if filter.status == Status::Pending {
                "CASE WHEN flag_reason LIKE 'possible medical concern%' THEN 0 \
                 WHEN flag_reason IS NOT NULL THEN 1 ELSE 2 END, id DESC"
            } else {
                "id DESC"
            };
            let found = sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM comments WHERE {QUEUE_CONDITION} \
                 ORDER BY {order} LIMIT $4 OFFSET $5"
            )))
            .bind(filter.status.as_str())
            .bind(&filter.section)
            .bind(&pattern)
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("reading the queue"))?;
            Ok(QueuePage {
                comments: rows::comments(&found).map_err(self.error("decoding the queue"))?,
                total,
            })
        })
    }

    fn counts(&self) -> StoreFuture<'_, Vec<(Status, i64)>> {
        Box::pin(async move {
            let found: Vec<(String, i64)> =
                sqlx::query_as("SELECT status, COUNT(*) AS n FROM comments GROUP BY status")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(self.error("counting comments"))?;
            Ok(counts_in_order(found))
        })
    }

    fn apply<'a>(
        &'a self,
        id: i64,
        action: Action,
        moderator: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ActionOutcome> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting a moderation action").await?;
            let outcome = self.apply_in(&mut tx, id, action, moderator, at).await?;
            if matches!(outcome, ActionOutcome::Done { .. }) {
                tx.commit()
                    .await
                    .map_err(self.error("saving a moderation action"))?;
            }
            Ok(outcome)
        })
    }

    fn events<'a>(&'a self, ids: &'a [i64]) -> StoreFuture<'a, Vec<Event>> {
        Box::pin(async move {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let sql = format!(
                "SELECT {} FROM comment_events WHERE comment_id IN ({}) ORDER BY id",
                rows::EVENT_COLUMNS,
                rows::placeholders(1, ids.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in ids {
                query = query.bind(*id);
            }
            let found = query
                .fetch_all(&self.pool)
                .await
                .map_err(self.error("reading the audit trail"))?;
            found
                .iter()
                .map(rows::event)
                .collect::<std::result::Result<_, _>>()
                .map_err(self.error("decoding the audit trail"))
        })
    }

    fn answer(&self, answer: NewAnswer) -> StoreFuture<'_, AnswerOutcome> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting an answer").await?;
            // The comment cannot be deleted (or, when it is to be approved here, changed)
            // while its answer is published.
            let lock = if answer.approve_parent {
                self.dialect.for_update()
            } else {
                self.dialect.for_share()
            };
            let parent: Option<(String, Option<i64>, String)> = sqlx::query_as(AssertSqlSafe(
                format!("SELECT section, parent_id, status FROM comments WHERE id = $1{lock}"),
            ))
            .bind(answer.parent_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.error("reading a comment"))?;
            let Some((section, grandparent, status)) = parent else {
                return Ok(AnswerOutcome::NotFound);
            };
            let status = Status::parse(&status).unwrap_or(Status::Pending);
            let approve = match status {
                Status::Approved => false,
                Status::Pending if answer.approve_parent => true,
                other => return Ok(AnswerOutcome::Refused(other)),
            };
            if approve {
                sqlx::query("UPDATE comments SET status = 'approved' WHERE id = $1")
                    .bind(answer.parent_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("approving a comment"))?;
                self.record_event(
                    &mut tx,
                    &NewEvent {
                        comment_id: answer.parent_id,
                        section: &section,
                        action: Action::Approve.as_str(),
                        moderator: &answer.moderator,
                        at: answer.created_at,
                        change: Some((Status::Pending, Status::Approved)),
                        detail: Some("with an answer"),
                    },
                )
                .await?;
                mail_queue::queue_on_approval(&mut tx, answer.parent_id, answer.created_at, true)
                    .await
                    .map_err(self.error("queueing readers' email"))?;
            }
            // Threads are one level deep: an answer to a reply joins the reply's thread.
            let thread = grandparent.unwrap_or(answer.parent_id);
            // Answers carry no duplicate key: two answers with the same words never collide.
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO comments (section, parent_id, author, email, body, status, \
                 created_at, editorial) VALUES ($1, $2, $3, '', $4, 'approved', $5, $6) \
                 RETURNING id",
            )
            .bind(&section)
            .bind(thread)
            .bind(&answer.author)
            .bind(&answer.body)
            .bind(answer.created_at)
            .bind(true)
            .fetch_one(&mut *tx)
            .await
            .map_err(self.error("publishing an answer"))?;
            mail_queue::queue_on_answer(&mut tx, answer.parent_id, id, thread, answer.created_at)
                .await
                .map_err(self.error("queueing readers' email"))?;
            let detail = format!("answer {id}");
            self.record_event(
                &mut tx,
                &NewEvent {
                    comment_id: answer.parent_id,
                    section: &section,
                    action: "answer",
                    moderator: &answer.moderator,
                    at: answer.created_at,
                    change: None,
                    detail: Some(&detail),
                },
            )
            .await?;
            self.record_revisions(&mut tx, std::slice::from_ref(&section), answer.created_at)
                .await?;
            tx.commit().await.map_err(self.error("saving an answer"))?;
            Ok(AnswerOutcome::Published {
                id,
                section,
                approved_parent: approve,
            })
        })
    }

    fn export<'a>(
        &'a self,
        status: Option<Status>,
        email: Option<&'a str>,
    ) -> StoreFuture<'a, Vec<Comment>> {
        Box::pin(async move {
            let found = sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM comments WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) \
                 AND (CAST($2 AS TEXT) IS NULL OR (email_key = $2 AND NOT editorial)) \
                 ORDER BY id"
            )))
            .bind(status.map(Status::as_str))
            .bind(email.map(text::email_key))
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("exporting comments"))?;
            rows::comments(&found).map_err(self.error("decoding comments"))
        })
    }

    fn erase_email<'a>(&'a self, email: &'a str, actor: &'a str, at: i64) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            // Answers from the editorial team carry no address: an empty one would match
            // every one of them.
            let key = text::email_key(email);
            if key.is_empty() {
                return Err(StoreError::Other(anyhow::anyhow!(
                    "an email address is needed to erase a reader's comments"
                )));
            }
            let mut tx = self.begin_write("starting an erasure").await?;
            let found: Vec<(i64, String, String)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT id, section, status FROM comments WHERE email_key = $1 \
                 AND NOT editorial{}",
                self.dialect.for_update()
            )))
            .bind(&key)
            .fetch_all(&mut *tx)
            .await
            .map_err(self.error("finding comments to erase"))?;
            let ids: Vec<i64> = found.iter().map(|(id, _, _)| *id).collect();
            mail_queue::erase_address(&mut tx, &key)
                .await
                .map_err(self.error("erasing subscriptions"))?;
            self.delete_keeping_replies(&mut tx, &ids).await?;
            for (id, section, _) in &found {
                self.record_event(
                    &mut tx,
                    &NewEvent {
                        comment_id: *id,
                        section,
                        action: "erase",
                        moderator: actor,
                        at,
                        change: None,
                        detail: Some("erasure request"),
                    },
                )
                .await?;
            }
            let sections = distinct_sections(
                found
                    .into_iter()
                    .filter(|(_, _, status)| status == Status::Approved.as_str())
                    .map(|(_, section, _)| section)
                    .collect(),
            );
            self.record_revisions(&mut tx, &sections, at).await?;
            tx.commit().await.map_err(self.error("saving an erasure"))?;
            Ok(ids.len() as u64)
        })
    }

    fn clear_client_hashes(&self, before: i64) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE comments SET client_hash = NULL, user_agent = NULL WHERE created_at < $1 \
                 AND (client_hash IS NOT NULL OR user_agent IS NOT NULL)",
            )
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(self.error("clearing old client hashes and browser names"))?;
            Ok(done.rows_affected())
        })
    }
}

/// Steps shared by the moderation transactions.
impl SqlStore {
    /// Deletes comments; replies by other people under them become top-level comments.
    /// Their subscriptions and link tokens go with them (by foreign key), and so do their
    /// outbox entries.
    async fn delete_keeping_replies(&self, tx: &mut AnyConnection, ids: &[i64]) -> Result<()> {
        for id in ids {
            mail_queue::forget_comment(&mut *tx, *id)
                .await
                .map_err(self.error("deleting a comment's emails"))?;
            sqlx::query("UPDATE comments SET parent_id = NULL WHERE parent_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(self.error("detaching replies"))?;
            sqlx::query("DELETE FROM comments WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(self.error("deleting a comment"))?;
        }
        Ok(())
    }

    /// Applies a moderation action inside `tx`, with its audit entry and page revision.
    /// The caller commits (only when the outcome is `Done`).
    pub(super) async fn apply_in(
        &self,
        tx: &mut AnyConnection,
        id: i64,
        action: Action,
        moderator: &str,
        at: i64,
    ) -> Result<ActionOutcome> {
        let found: Option<(String, String)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT status, section FROM comments WHERE id = $1{}",
            self.dialect.for_update()
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.error("reading a comment"))?;
        let Some((from, section)) = found else {
            return Ok(ActionOutcome::NotFound);
        };
        let from = Status::parse(&from).unwrap_or(Status::Pending);
        let to = match action.target(from) {
            Ok(to) => to,
            Err(refused) => return Ok(ActionOutcome::Refused(refused)),
        };
        match to {
            Some(to) => {
                sqlx::query("UPDATE comments SET status = $1 WHERE id = $2")
                    .bind(to.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("changing a comment's state"))?;
            }
            None => self.delete_keeping_replies(&mut *tx, &[id]).await?,
        }
        if to == Some(Status::Approved) && from != Status::Approved {
            mail_queue::queue_on_approval(&mut *tx, id, at, false)
                .await
                .map_err(self.error("queueing readers' email"))?;
        }
        // A deletion has no state after it: say which bin it left.
        let deleted_from = to.is_none().then(|| format!("deleted from {from}"));
        self.record_event(
            &mut *tx,
            &NewEvent {
                comment_id: id,
                section: &section,
                action: action.as_str(),
                moderator,
                at,
                change: to.map(|to| (from, to)),
                detail: deleted_from.as_deref(),
            },
        )
        .await?;
        let public_change = from == Status::Approved || to == Some(Status::Approved);
        if public_change {
            self.record_revisions(&mut *tx, std::slice::from_ref(&section), at)
                .await?;
        }
        Ok(ActionOutcome::Done {
            section,
            public_change,
        })
    }

    /// Adds one entry to the audit trail.
    pub(super) async fn record_event(
        &self,
        tx: &mut AnyConnection,
        event: &NewEvent<'_>,
    ) -> Result<()> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO comment_events ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            rows::EVENT_COLUMNS
        )))
        .bind(event.comment_id)
        .bind(event.action)
        .bind(event.moderator)
        .bind(event.at)
        .bind(event.section)
        .bind(event.change.map(|(from, _)| from.as_str()))
        .bind(event.change.map(|(_, to)| to.as_str()))
        .bind(event.detail)
        .execute(&mut *tx)
        .await
        .map_err(self.error("recording the audit trail"))?;
        Ok(())
    }

    /// Records that what readers see of these sections changed.
    pub(super) async fn record_revisions(
        &self,
        tx: &mut AnyConnection,
        sections: &[String],
        at: i64,
    ) -> Result<()> {
        if sections.is_empty() {
            return Ok(());
        }
        if let Some(lock) = self.dialect.before_revisions() {
            sqlx::query(lock)
                .execute(&mut *tx)
                .await
                .map_err(self.error("ordering page revisions"))?;
        }
        for section in sections {
            sqlx::query("INSERT INTO page_revisions (section, at) VALUES ($1, $2)")
                .bind(section)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(self.error("recording a page revision"))?;
        }
        Ok(())
    }
}
