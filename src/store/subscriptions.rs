//! Readers' email about their own comments: subscriptions with double opt-in, the hashed
//! tokens of the links in those emails, and the outbox that the background sender drains.
//!
//! Mails are queued inside the transaction of what causes them (a new comment with a box
//! ticked, an approval, an answer: see `store::mail_queue`, which the comment and
//! moderation transactions call), so that a change and its email commit together and an
//! accepted email survives a restart. Only the hashes of tokens are stored;
//! the tokens themselves are made by the sender, per email, and exist only in that email.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::rows::flag;
use super::{SqlStore, Status, StoreError, StoreFuture};
use crate::text;

type Result<T> = std::result::Result<T, StoreError>;

/// What a reader asked for when commenting: the form's two boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NotifyRequest {
    /// "Email me when my comment is published or answered".
    pub published: bool,
    /// "Email me about new replies to it".
    pub replies: bool,
}

impl NotifyRequest {
    /// Whether either box was ticked.
    pub fn any(self) -> bool {
        self.published || self.replies
    }
}

/// The kinds of email a reader can get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// The one email before confirmation: "please confirm".
    Confirm,
    /// The comment was approved.
    Published,
    /// The editorial team answered the comment.
    Answered,
    /// A new reply appeared under the comment.
    Reply,
}

impl MailKind {
    pub const ALL: [MailKind; 4] = [
        MailKind::Confirm,
        MailKind::Published,
        MailKind::Answered,
        MailKind::Reply,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Confirm => "confirm",
            MailKind::Published => "published",
            MailKind::Answered => "answered",
            MailKind::Reply => "reply",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        MailKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for MailKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a token in a reader's email is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Confirm,
    Unsubscribe,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Confirm => "confirm",
            TokenPurpose::Unsubscribe => "unsubscribe",
        }
    }
}

/// A subscription, as the reader's links and an export show it (never with the address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub comment_id: i64,
    pub section: String,
    pub comment_status: Status,
    pub request: NotifyRequest,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
}

/// What came of a confirmation link's POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    Confirmed(Subscription),
    /// Confirmed before: nothing changed.
    AlreadyConfirmed(Subscription),
    /// Genuine, but the subscription was not confirmed in time and is void.
    Expired,
    NotFound,
}

/// The comment a reply or answer email tells of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AboutComment {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub editorial: bool,
}

/// An email claimed for sending, with everything its text needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: i64,
    pub kind: MailKind,
    /// Attempts so far, this one included.
    pub attempts: u32,
    /// The subscriber's address: for the envelope only, never for a log line.
    pub email: String,
    pub subscription: Subscription,
    /// The subscriber's own comment.
    pub comment_body: String,
    /// The reply or answer, for those kinds.
    pub about: Option<AboutComment>,
}

/// One claim of due emails.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claimed {
    /// To send now; each is the caller's until its lease ends.
    pub mails: Vec<OutboxMail>,
    /// Over the daily limit of their address, so not sent: (outbox id, kind).
    pub dropped: Vec<(i64, MailKind)>,
    /// No longer worth sending (unsubscribed, or what they tell of is gone or no longer
    /// public): (outbox id, kind).
    pub cancelled: Vec<(i64, MailKind)>,
}

/// How one email attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    /// Not accepted just now: try again at this time.
    Retry {
        at: i64,
    },
    /// Refused for good (or out of attempts).
    Failed,
    /// Not sent after all (the subscription went while it was being prepared).
    Cancelled,
}

/// An email in the outbox, as an export lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: i64,
    pub comment_id: i64,
    pub kind: MailKind,
    /// queued, sending, sent, dropped, failed or cancelled.
    pub state: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// Everything about notifications kept for one address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriberData {
    pub subscriptions: Vec<Subscription>,
    pub mails: Vec<QueuedMail>,
}

pub trait SubscriptionStore: Send + Sync {
    /// The subscription a link's token (by its hash) belongs to, for that purpose.
    fn subscription<'a>(
        &'a self,
        token_hash: &'a str,
        purpose: TokenPurpose,
    ) -> StoreFuture<'a, Option<Subscription>>;
    /// Confirms the subscription of a confirmation token, unless it was made before
    /// `created_after` (then it is void).
    fn confirm<'a>(
        &'a self,
        token_hash: &'a str,
        at: i64,
        created_after: i64,
    ) -> StoreFuture<'a, ConfirmOutcome>;
    /// Ends the subscription of an unsubscribe token, and cancels its queued emails.
    /// Returns what it was, or `None` for a token that is not (or no longer) known.
    fn unsubscribe<'a>(
        &'a self,
        token_hash: &'a str,
        at: i64,
    ) -> StoreFuture<'a, Option<Subscription>>;
    /// Records the hashes of the tokens one email is about to carry. `false` when the
    /// subscription is gone (the email should not go).
    fn add_tokens<'a>(
        &'a self,
        comment_id: i64,
        tokens: &'a [(String, TokenPurpose)],
        at: i64,
    ) -> StoreFuture<'a, bool>;
    /// When the next queued email is due, if any is queued (or held by a lapsed claim).
    fn next_mail_due(&self) -> StoreFuture<'_, Option<i64>>;
    /// Claims up to `limit` due emails for `lease_secs`, oldest first, one instance at a
    /// time. An email whose address already had `per_day` emails sent (or being sent) in
    /// the last 24 hours is dropped instead.
    fn claim_mails(
        &self,
        now: i64,
        limit: i64,
        lease_secs: i64,
        per_day: u32,
    ) -> StoreFuture<'_, Claimed>;
    /// Records how an attempt at a claimed email ended.
    fn finish_mail(&self, id: i64, outcome: MailOutcome, at: i64) -> StoreFuture<'_, ()>;
    /// Every subscription and outbox entry of an address (for an export).
    fn subscriber_data<'a>(&'a self, email: &'a str) -> StoreFuture<'a, SubscriberData>;
    /// Deletes subscriptions never confirmed that were made before `unconfirmed_before`,
    /// and finished outbox entries older than `finished_before`. Returns how many of each.
    fn prune_subscriptions(
        &self,
        unconfirmed_before: i64,
        finished_before: i64,
    ) -> StoreFuture<'_, (u64, u64)>;
}

/// The subscription columns [`subscription`] reads, for `subscriptions s JOIN comments c`.
const SUBSCRIPTION_COLUMNS: &str = "s.comment_id, c.section, c.status AS comment_status, \
     CASE WHEN s.published THEN 1 ELSE 0 END AS published, \
     CASE WHEN s.replies THEN 1 ELSE 0 END AS replies, s.created_at, s.confirmed_at";

fn subscription(row: &AnyRow) -> std::result::Result<Subscription, sqlx::Error> {
    let status: String = row.try_get("comment_status")?;
    Ok(Subscription {
        comment_id: row.try_get("comment_id")?,
        section: row.try_get("section")?,
        comment_status: Status::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown status {status}").into()))?,
        request: NotifyRequest {
            published: flag(row, "published")?,
            replies: flag(row, "replies")?,
        },
        created_at: row.try_get("created_at")?,
        confirmed_at: row.try_get("confirmed_at")?,
    })
}

fn kind(text: &str) -> std::result::Result<MailKind, sqlx::Error> {
    MailKind::parse(text).ok_or_else(|| sqlx::Error::Decode(format!("unknown mail {text}").into()))
}

/// Outbox states after which nothing more happens to an entry.
const FINISHED: &str = "('sent', 'dropped', 'failed', 'cancelled')";

impl SqlStore {
    async fn subscription_of_token(
        &self,
        tx: &mut AnyConnection,
        token_hash: &str,
        purpose: TokenPurpose,
        lock: &str,
    ) -> Result<Option<Subscription>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscription_tokens t \
             JOIN subscriptions s ON s.comment_id = t.comment_id \
             JOIN comments c ON c.id = s.comment_id \
             WHERE t.hash = $1 AND t.purpose = $2{lock}"
        )))
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.error("reading a subscription"))?;
        row.as_ref()
            .map(subscription)
            .transpose()
            .map_err(self.error("decoding a subscription"))
    }

    /// The details of one claimed email, or `None` when it is no longer worth sending.
    async fn claimed_mail(&self, tx: &mut AnyConnection, id: i64) -> Result<Option<OutboxMail>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT o.id, o.kind, o.attempts, c.email, c.body, {SUBSCRIPTION_COLUMNS}, \
             a.id AS about_id, a.author AS about_author, a.body AS about_body, \
             a.status AS about_status, CASE WHEN a.editorial THEN 1 ELSE 0 END AS about_editorial \
             FROM mail_outbox o JOIN subscriptions s ON s.comment_id = o.comment_id \
             JOIN comments c ON c.id = o.comment_id \
             LEFT JOIN comments a ON a.id = o.about_id WHERE o.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.error("reading a claimed email"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let decode = || -> std::result::Result<Option<OutboxMail>, sqlx::Error> {
            let kind = kind(&row.try_get::<String, _>("kind")?)?;
            let subscription = subscription(&row)?;
            let about_id: Option<i64> = row.try_get("about_id")?;
            let about_status: Option<String> = row.try_get("about_status")?;
            let about = match about_id {
                Some(about_id) => Some(AboutComment {
                    id: about_id,
                    author: row.try_get("about_author")?,
                    body: row.try_get("about_body")?,
                    editorial: flag(&row, "about_editorial")?,
                }),
                None => None,
            };
            let public = subscription.comment_status == Status::Approved;
            let worth_it = match kind {
                MailKind::Confirm => subscription.confirmed_at.is_none(),
                MailKind::Published => public && subscription.confirmed_at.is_some(),
                MailKind::Answered | MailKind::Reply => {
                    public
                        && subscription.confirmed_at.is_some()
                        && about_status.as_deref() == Some(Status::Approved.as_str())
                }
            };
            if !worth_it {
                return Ok(None);
            }
            Ok(Some(OutboxMail {
                id: row.try_get("id")?,
                kind,
                attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                email: row.try_get("email")?,
                comment_body: row.try_get("body")?,
                subscription,
                about,
            }))
        };
        decode().map_err(self.error("decoding a claimed email"))
    }
}

impl SubscriptionStore for SqlStore {
    fn subscription<'a>(
        &'a self,
        token_hash: &'a str,
        purpose: TokenPurpose,
    ) -> StoreFuture<'a, Option<Subscription>> {
        Box::pin(async move {
            let mut connection = self
                .pool
                .acquire()
                .await
                .map_err(self.error("reading a subscription"))?;
            self.subscription_of_token(&mut connection, token_hash, purpose, "")
                .await
        })
    }

    fn confirm<'a>(
        &'a self,
        token_hash: &'a str,
        at: i64,
        created_after: i64,
    ) -> StoreFuture<'a, ConfirmOutcome> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting a confirmation").await?;
            let lock = self.dialect.for_update();
            let Some(found) = self
                .subscription_of_token(&mut tx, token_hash, TokenPurpose::Confirm, lock)
                .await?
            else {
                return Ok(ConfirmOutcome::NotFound);
            };
            if found.confirmed_at.is_some() {
                return Ok(ConfirmOutcome::AlreadyConfirmed(found));
            }
            if found.created_at < created_after {
                return Ok(ConfirmOutcome::Expired);
            }
            // A comment already public when its reader confirms needs no "published"
            // email: the confirmation page says so.
            sqlx::query(
                "UPDATE subscriptions SET confirmed_at = $1, published_sent = \
                 (SELECT status = 'approved' FROM comments WHERE id = $2) WHERE comment_id = $2",
            )
            .bind(at)
            .bind(found.comment_id)
            .execute(&mut *tx)
            .await
            .map_err(self.error("confirming a subscription"))?;
            tx.commit()
                .await
                .map_err(self.error("saving a confirmation"))?;
            Ok(ConfirmOutcome::Confirmed(Subscription {
                confirmed_at: Some(at),
                ..found
            }))
        })
    }

    fn unsubscribe<'a>(
        &'a self,
        token_hash: &'a str,
        at: i64,
    ) -> StoreFuture<'a, Option<Subscription>> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting an unsubscription").await?;
            let lock = self.dialect.for_update();
            let Some(found) = self
                .subscription_of_token(&mut tx, token_hash, TokenPurpose::Unsubscribe, lock)
                .await?
            else {
                return Ok(None);
            };
            for sql in [
                "DELETE FROM subscription_tokens WHERE comment_id = $1",
                "DELETE FROM subscriptions WHERE comment_id = $1",
            ] {
                sqlx::query(sql)
                    .bind(found.comment_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("ending a subscription"))?;
            }
            // Sent entries stay (until they are two days old) for the daily limit.
            sqlx::query(
                "UPDATE mail_outbox SET state = 'cancelled', finished_at = $2 \
                 WHERE comment_id = $1 AND state = 'queued'",
            )
            .bind(found.comment_id)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(self.error("cancelling queued emails"))?;
            tx.commit()
                .await
                .map_err(self.error("saving an unsubscription"))?;
            Ok(Some(found))
        })
    }

    fn add_tokens<'a>(
        &'a self,
        comment_id: i64,
        tokens: &'a [(String, TokenPurpose)],
        at: i64,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting to record link tokens").await?;
            let exists: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT comment_id FROM subscriptions WHERE comment_id = $1{}",
                self.dialect.for_share()
            )))
            .bind(comment_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.error("reading a subscription"))?;
            if exists.is_none() {
                return Ok(false);
            }
            for (hash, purpose) in tokens {
                sqlx::query(
                    "INSERT INTO subscription_tokens (hash, comment_id, purpose, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(hash)
                .bind(comment_id)
                .bind(purpose.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(self.error("recording a link token"))?;
            }
            tx.commit()
                .await
                .map_err(self.error("saving link tokens"))?;
            Ok(true)
        })
    }

    fn next_mail_due(&self) -> StoreFuture<'_, Option<i64>> {
        Box::pin(async move {
            sqlx::query_scalar(
                "SELECT MIN(CASE WHEN state = 'queued' THEN next_attempt_at ELSE claimed_until END) \
                 FROM mail_outbox WHERE state IN ('queued', 'sending')",
            )
            .fetch_one(&self.pool)
            .await
            .map_err(self.error("reading the outbox"))
        })
    }

    fn claim_mails(
        &self,
        now: i64,
        limit: i64,
        lease_secs: i64,
        per_day: u32,
    ) -> StoreFuture<'_, Claimed> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting to claim emails").await?;
            // One claimer at a time across instances (SQLite's writers take turns anyway),
            // so that the daily count of an address sees every email another instance has
            // just claimed, and no email is claimed twice.
            if let Some(lock) = self.dialect.lock_key() {
                sqlx::query(lock)
                    .bind("mail-outbox")
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("taking the outbox lock"))?;
            }
            let due: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, email_key, kind FROM mail_outbox WHERE (state = 'queued' AND \
                 next_attempt_at <= $1) OR (state = 'sending' AND claimed_until <= $1) \
                 ORDER BY id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await
            .map_err(self.error("reading the outbox"))?;
            let mut claimed = Claimed::default();
            for (id, key, kind_text) in due {
                let kind = kind(&kind_text).map_err(self.error("decoding the outbox"))?;
                let mail = self.claimed_mail(&mut tx, id).await?;
                let count: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM mail_outbox WHERE email_key = $1 AND id <> $2 AND \
                     ((state = 'sent' AND finished_at > $3) OR \
                     (state = 'sending' AND claimed_until > $4))",
                )
                .bind(&key)
                .bind(id)
                .bind(now - 24 * 60 * 60)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(self.error("counting an address's emails"))?;
                let state = match &mail {
                    None => "cancelled",
                    Some(_) if count >= i64::from(per_day) => "dropped",
                    Some(_) => "sending",
                };
                let sending = state == "sending";
                sqlx::query(
                    "UPDATE mail_outbox SET state = $2, finished_at = $3, claimed_until = $4, \
                     attempts = attempts + $5 WHERE id = $1",
                )
                .bind(id)
                .bind(state)
                .bind((!sending).then_some(now))
                .bind(sending.then_some(now + lease_secs))
                .bind(i64::from(sending))
                .execute(&mut *tx)
                .await
                .map_err(self.error("claiming an email"))?;
                match mail {
                    Some(mut mail) if sending => {
                        mail.attempts += 1;
                        claimed.mails.push(mail);
                    }
                    Some(_) => claimed.dropped.push((id, kind)),
                    None => claimed.cancelled.push((id, kind)),
                }
            }
            tx.commit()
                .await
                .map_err(self.error("saving a claim of emails"))?;
            Ok(claimed)
        })
    }

    fn finish_mail(&self, id: i64, outcome: MailOutcome, at: i64) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let (state, next) = match outcome {
                MailOutcome::Sent => ("sent", None),
                MailOutcome::Retry { at } => ("queued", Some(at)),
                MailOutcome::Failed => ("failed", None),
                MailOutcome::Cancelled => ("cancelled", None),
            };
            sqlx::query(
                "UPDATE mail_outbox SET state = $2, claimed_until = NULL, \
                 next_attempt_at = COALESCE($3, next_attempt_at), finished_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(state)
            .bind(next)
            .bind(next.is_none().then_some(at))
            .execute(&self.pool)
            .await
            .map_err(self.error("recording an email's outcome"))?;
            Ok(())
        })
    }

    fn subscriber_data<'a>(&'a self, email: &'a str) -> StoreFuture<'a, SubscriberData> {
        Box::pin(async move {
            let key = text::email_key(email);
            if key.is_empty() {
                return Ok(SubscriberData::default());
            }
            let found = sqlx::query(AssertSqlSafe(format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions s \
                 JOIN comments c ON c.id = s.comment_id \
                 WHERE c.email_key = $1 AND NOT c.editorial ORDER BY s.comment_id"
            )))
            .bind(&key)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("reading subscriptions"))?;
            let subscriptions = found
                .iter()
                .map(subscription)
                .collect::<std::result::Result<_, _>>()
                .map_err(self.error("decoding subscriptions"))?;
            let found = sqlx::query(
                "SELECT id, comment_id, kind, state, created_at, finished_at FROM mail_outbox \
                 WHERE email_key = $1 ORDER BY id",
            )
            .bind(&key)
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("reading the outbox"))?;
            let mails = found
                .iter()
                .map(|row| {
                    Ok(QueuedMail {
                        id: row.try_get("id")?,
                        comment_id: row.try_get("comment_id")?,
                        kind: kind(&row.try_get::<String, _>("kind")?)?,
                        state: row.try_get("state")?,
                        created_at: row.try_get("created_at")?,
                        finished_at: row.try_get("finished_at")?,
                    })
                })
                .collect::<std::result::Result<_, sqlx::Error>>()
                .map_err(self.error("decoding the outbox"))?;
            Ok(SubscriberData {
                subscriptions,
                mails,
            })
        })
    }

    fn prune_subscriptions(
        &self,
        unconfirmed_before: i64,
        finished_before: i64,
    ) -> StoreFuture<'_, (u64, u64)> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting to prune subscriptions").await?;
            sqlx::query(
                "DELETE FROM subscription_tokens WHERE comment_id IN (SELECT comment_id FROM \
                 subscriptions WHERE confirmed_at IS NULL AND created_at < $1)",
            )
            .bind(unconfirmed_before)
            .execute(&mut *tx)
            .await
            .map_err(self.error("pruning link tokens"))?;
            let subscriptions = sqlx::query(
                "DELETE FROM subscriptions WHERE confirmed_at IS NULL AND created_at < $1",
            )
            .bind(unconfirmed_before)
            .execute(&mut *tx)
            .await
            .map_err(self.error("pruning unconfirmed subscriptions"))?;
            let mails = sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM mail_outbox WHERE state IN {FINISHED} AND finished_at < $1"
            )))
            .bind(finished_before)
            .execute(&mut *tx)
            .await
            .map_err(self.error("pruning the outbox"))?;
            tx.commit().await.map_err(self.error("saving a pruning"))?;
            Ok((subscriptions.rows_affected(), mails.rows_affected()))
        })
    }
}
