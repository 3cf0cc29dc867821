//! Email to readers about their own comments, from the outbox (see
//! `store::SubscriptionStore`): a background task claims due emails, writes each with fresh
//! link tokens, and sends it through the `[notify]` SMTP settings. Nothing here runs in a
//! request: a submission or an approval only adds rows to the outbox, in its own
//! transaction, and wakes this task.
//!
//! Delivery is at least once: an email is marked sent after the mail server accepts it, so
//! an instance that stops in between sends it again after its claim lapses. A mail server
//! that cannot take an email now gets it again later, with a growing pause; one that refuses
//! it for good (a 5xx reply) does not. Log lines name the outbox id and the kind of email,
//! never the address, the token or the mail server's reply text (which may quote the
//! address).
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use super::excerpt;
use super::tokens::{new_token, token_hash};
use crate::store::{MailKind, MailOutcome, OutboxMail, Status, Store, TokenPurpose};

/// How long a reader has to confirm; an unconfirmed subscription is then void, and
/// housekeeping deletes it.
pub const CONFIRM_DAYS: i64 = 7;
/// How long finished outbox entries are kept: the daily limit counts the last 24 hours.
pub const OUTBOX_KEEP_DAYS: i64 = 2;
/// How often the outbox is looked at when nothing wakes the sender (emails queued by other
/// instances or by the command line).
const POLL: Duration = Duration::from_secs(1);
/// How long a claim lasts: longer than an SMTP attempt (20 s) can take.
const LEASE_SECS: i64 = 300;
/// Emails claimed at once.
const BATCH: i64 = 20;
/// Attempts before an email is given up.
const MAX_ATTEMPTS: u32 = 10;
/// The longest pause between attempts.
const MAX_BACKOFF_SECS: i64 = 6 * 60 * 60;

/// What readers' email needs from the live site: its public address, its name and section
/// titles, as they are now (content can be reloaded while the server runs).
pub trait SiteDirectory: Send + Sync {
    /// Absolute, without a trailing slash.
    fn base_url(&self) -> String;
    fn site_title(&self) -> String;
    fn section_title(&self, slug: &str) -> Option<String>;
}

/// Sends what the outbox holds.
pub(super) struct ReaderMailer {
    pub transport: AsyncSmtpTransport<Tokio1Executor>,
    pub from: Mailbox,
    pub store: Arc<dyn Store>,
    pub site: Arc<dyn SiteDirectory>,
    pub per_day: u32,
    pub wake: Arc<Notify>,
}

impl std::fmt::Debug for ReaderMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReaderMailer(..)")
    }
}

/// The pause before attempt `attempts + 1`: a minute, doubling, at most six hours.
fn backoff_secs(attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(16);
    (60_i64 << doublings).min(MAX_BACKOFF_SECS)
}

impl ReaderMailer {
    /// Runs forever: drains the outbox, then waits to be woken or for the next poll.
    pub async fn run(self: Arc<Self>) {
        loop {
            if let Err(err) = self.drain().await {
                tracing::warn!("readers' email: {err:#}");
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = self.wake.notified() => {}
            }
        }
    }

    /// Sends every email that is due now. Returns how many went.
    pub async fn drain(&self) -> anyhow::Result<usize> {
        let mut sent = 0;
        loop {
            let now = crate::clock::now();
            // A read first: the claim is a write, which SQLite serialises.
            match self.store.next_mail_due().await? {
                Some(due) if due <= now => {}
                _ => return Ok(sent),
            }
            let claimed = self
                .store
                .claim_mails(now, BATCH, LEASE_SECS, self.per_day)
                .await?;
            for (id, kind) in &claimed.dropped {
                crate::metrics::reader_email(kind.as_str(), "dropped");
                tracing::warn!(
                    mail_id = id,
                    kind = %kind,
                    per_day = self.per_day,
                    "reader email dropped: its address already had the most emails allowed in a day"
                );
            }
            for (id, kind) in &claimed.cancelled {
                crate::metrics::reader_email(kind.as_str(), "cancelled");
                tracing::info!(mail_id = id, kind = %kind, "reader email cancelled: no longer wanted");
            }
            if claimed.mails.is_empty()
                && claimed.dropped.is_empty()
                && claimed.cancelled.is_empty()
            {
                return Ok(sent);
            }
            for mail in claimed.mails {
                let (id, kind, comment_id) = (mail.id, mail.kind, mail.subscription.comment_id);
                let outcome = self.deliver(mail).await;
                crate::metrics::reader_email(
                    kind.as_str(),
                    match outcome {
                        MailOutcome::Sent => "sent",
                        MailOutcome::Retry { .. } => "retry",
                        MailOutcome::Failed => "failed",
                        MailOutcome::Cancelled => "cancelled",
                    },
                );
                if outcome == MailOutcome::Sent {
                    sent += 1;
                    tracing::info!(mail_id = id, kind = %kind, comment_id, "reader email sent");
                }
                self.store
                    .finish_mail(id, outcome, crate::clock::now())
                    .await?;
            }
        }
    }

    /// One attempt at one email.
    async fn deliver(&self, mail: OutboxMail) -> MailOutcome {
        let (id, kind) = (mail.id, mail.kind);
        let to: Mailbox = match mail.email.parse() {
            Ok(to) => to,
            Err(_) => {
                tracing::warn!(mail_id = id, kind = %kind, "reader email failed: the address cannot be used for mail");
                return MailOutcome::Failed;
            }
        };
        let (message, tokens) = match self.compose(&mail, to) {
            Ok(composed) => composed,
            Err(err) => {
                tracing::error!(mail_id = id, kind = %kind, "reader email not written: {err:#}");
                return MailOutcome::Failed;
            }
        };
        let now = crate::clock::now();
        match self
            .store
            .add_tokens(mail.subscription.comment_id, &tokens, now)
            .await
        {
            Ok(true) => {}
            Ok(false) => return MailOutcome::Cancelled,
            Err(err) => {
                tracing::warn!(mail_id = id, kind = %kind, "reader email held: {err}");
                return self.retry(&mail, now);
            }
        }
        match self.transport.send(message).await {
            Ok(_) => MailOutcome::Sent,
            Err(err) if err.is_permanent() => {
                let code = err.status().map(|c| c.to_string()).unwrap_or_default();
                tracing::warn!(mail_id = id, kind = %kind, code = %code, "reader email refused by the mail server");
                MailOutcome::Failed
            }
            Err(err) => {
                let code = err.status().map(|c| c.to_string());
                let what = match &code {
                    Some(code) => format!("the mail server answered {code}"),
                    None if err.is_timeout() => "the mail server did not answer in time".into(),
                    None => "the mail server could not be reached".into(),
                };
                tracing::warn!(mail_id = id, kind = %kind, attempts = mail.attempts, "reader email not sent: {what}");
                self.retry(&mail, now)
            }
        }
    }

    fn retry(&self, mail: &OutboxMail, now: i64) -> MailOutcome {
        if mail.attempts >= MAX_ATTEMPTS {
            tracing::warn!(mail_id = mail.id, kind = %mail.kind, "reader email given up after {MAX_ATTEMPTS} attempts");
            return MailOutcome::Failed;
        }
        MailOutcome::Retry {
            at: now + backoff_secs(mail.attempts),
        }
    }

    /// The email, and the hashes of the tokens its links carry (recorded before it goes).
    fn compose(
        &self,
        mail: &OutboxMail,
        to: Mailbox,
    ) -> anyhow::Result<(Message, Vec<(String, TokenPurpose)>)> {
        let unsubscribe = new_token()?;
        let mut tokens = vec![(token_hash(&unsubscribe), TokenPurpose::Unsubscribe)];
        let confirm = match mail.kind {
            MailKind::Confirm => {
                let token = new_token()?;
                tokens.push((token_hash(&token), TokenPurpose::Confirm));
                Some(token)
            }
            _ => None,
        };
        let base = self.site.base_url();
        let base = base.trim_end_matches('/');
        let text = Letter {
            base,
            site: &self.site.site_title(),
            section: &self
                .site
                .section_title(&mail.subscription.section)
                .unwrap_or_else(|| mail.subscription.section.clone()),
            mail,
            unsubscribe: &format!("{base}/notify/unsubscribe/{unsubscribe}"),
            confirm: confirm
                .as_deref()
                .map(|token| format!("{base}/notify/confirm/{token}")),
        };
        // A Message-ID in the sender's domain: mail without one looks like spam, and the
        // machine's own host name is no business of the reader's.
        let message_id = format!("<{}@{}>", new_token()?, self.from.email.domain());
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .message_id(Some(message_id))
            .subject(text.subject())
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", text.unsubscribe),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            // RFC 3834: an automatic message, which mail programs should not answer.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .header(ContentType::TEXT_PLAIN)
            .body(
                Body::new_with_encoding(text.body(), ContentTransferEncoding::QuotedPrintable)
                    .map_err(|_| anyhow::anyhow!("the email's text cannot be encoded"))?,
            )?;
        Ok((message, tokens))
    }
}

/// The words of one email.
struct Letter<'a> {
    base: &'a str,
    site: &'a str,
    section: &'a str,
    mail: &'a OutboxMail,
    unsubscribe: &'a str,
    confirm: Option<String>,
}

impl Letter<'_> {
    fn link(&self, id: i64) -> String {
        format!(
            "{}/guide/{}#comment-{id}",
            self.base, self.mail.subscription.section
        )
    }

    fn subject(&self) -> String {
        let section = self.section;
        match self.mail.kind {
            MailKind::Confirm => {
                format!("Please confirm: email about your comment on \"{section}\"")
            }
            MailKind::Published => format!("Your comment on \"{section}\" is published"),
            MailKind::Answered => format!("Your comment on \"{section}\" has an answer"),
            MailKind::Reply => format!("New reply to your comment on \"{section}\""),
        }
    }

    fn body(&self) -> String {
        let (section, site) = (self.section, self.site);
        let subscription = &self.mail.subscription;
        let own = self.link(subscription.comment_id);
        let mut body = String::new();
        match (self.mail.kind, &self.mail.about) {
            (MailKind::Confirm, _) => {
                let mut wanted = Vec::new();
                if subscription.request.published {
                    wanted.push("- when the comment is published or answered");
                }
                if subscription.request.replies {
                    wanted.push("- when someone replies to it");
                }
                let confirm = self.confirm.as_deref().unwrap_or_default();
                body.push_str(&format!(
                    "Hello,\n\nA comment was posted on {site} (\"{section}\") with this email \
                     address, asking for email:\n{}\n\nWe send nothing more unless you confirm. \
                     To confirm, open this link and press the button, within {CONFIRM_DAYS} \
                     days:\n{confirm}\n\nIf you did not ask for this, ignore this email: the \
                     request is deleted after {CONFIRM_DAYS} days.\n\nThe comment: {own}\n",
                    wanted.join("\n")
                ));
                if subscription.comment_status != Status::Approved {
                    body.push_str("(It appears there once a moderator approves it.)\n");
                }
            }
            (MailKind::Published, _) => {
                body.push_str(&format!(
                    "Your comment on \"{section}\" is now published on {site}:\n{own}\n\n\"{}\"\n",
                    excerpt(&self.mail.comment_body)
                ));
            }
            (MailKind::Answered, Some(answer)) => {
                body.push_str(&format!(
                    "The editorial team of {site} answered your comment on \"{section}\":\n\n\
                     \"{}\"\n\nRead the answer: {}\nYour comment: {own}\n",
                    excerpt(&answer.body),
                    self.link(answer.id)
                ));
            }
            (MailKind::Reply, Some(reply)) => {
                let who = if reply.editorial {
                    "The editorial team"
                } else {
                    reply.author.as_str()
                };
                body.push_str(&format!(
                    "{who} replied to your comment on \"{section}\":\n\n\"{}\"\n\n\
                     Read the reply: {}\nYour comment: {own}\n",
                    excerpt(&reply.body),
                    self.link(reply.id)
                ));
            }
            (MailKind::Answered | MailKind::Reply, None) => {
                body.push_str(&format!(
                    "There is something new under your comment on \"{section}\":\n{own}\n"
                ));
            }
        }
        body.push_str(&format!(
            "\n-- \nYou get this email because it was asked for when the comment was posted on \
             {site}. Your address is never shown on the site.\nTo stop all email about this \
             comment (one click): {}\n",
            self.unsubscribe
        ));
        body
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn retries_wait_longer_each_time_up_to_six_hours() {
        let waits: Vec<i64> = (1..=12).map(backoff_secs).collect();
        assert_eq!(&waits[..4], [60, 120, 240, 480]);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*waits.last().unwrap(), 6 * 60 * 60);
    }
}
