//! Email: to moderators when comments are waiting, batched so that a burst of comments sends
//! one message, or one digest a day, each waiting comment with its excerpt and signed,
//! single-use links to approve, spam or trash it (see [`links`]); and to readers who asked
//! for it, about their own comments, from a durable outbox (see [`readers`], with the link
//! tokens of [`tokens`]). Submissions only put a note on a channel or a row in the outbox:
//! sending never delays or fails a reader's request.
mod links;
mod readers;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::mpsc;

pub use links::{DEFAULT_LINK_DAYS, EMAIL_ACTIONS, EmailLink, EmailLinks, LinkProblem, new_nonce};
pub use readers::{CONFIRM_DAYS, OUTBOX_KEEP_DAYS, SiteDirectory};
pub use tokens::{is_token, new_token, token_hash};

use crate::config::{NotifySettings, SmtpSecurity};
use crate::store::{QueueFilter, Status, Store};

/// A comment that now waits for a moderator.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub id: i64,
    pub section_title: String,
    pub author: String,
    /// The start of the text, on one line (see [`excerpt`]).
    pub excerpt: String,
    pub flag_reason: Option<String>,
}

/// How much of a comment an email or a card shows.
const EXCERPT_CHARS: usize = 200;

/// The start of a text on one line: whitespace collapsed, cut at a word near
/// [`EXCERPT_CHARS`] characters, with "…" when cut.
pub fn excerpt(text: &str) -> String {
    excerpt_of(text, EXCERPT_CHARS)
}

/// [`excerpt`] with another length.
pub fn excerpt_of(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for word in words {
        let extra = usize::from(!out.is_empty()) + word.chars().count();
        if out.chars().count() + extra > max {
            if out.is_empty() {
                out = word.chars().take(max).collect();
            }
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The submission side: cheap to clone, never blocks.
#[derive(Clone, Debug)]
pub struct Notifier {
    tx: Option<mpsc::Sender<Waiting>>,
    mailer: Option<Arc<Mailer>>,
    /// Readers' email, when `reader_mails_per_day` is above 0.
    readers: Option<Arc<readers::ReaderMailer>>,
}

/// Notes held while the mailer is busy; more than this in one burst are counted only.
const QUEUE: usize = 1024;

/// Most comments one digest lists (the rest are counted).
const DIGEST_MAX: i64 = 100;

impl Notifier {
    /// A notifier that sends nothing (no `[notify]` configured).
    pub fn disabled() -> Self {
        Self {
            tx: None,
            mailer: None,
            readers: None,
        }
    }

    /// Starts the mailer tasks. Settings are checked here, so mistakes show at start.
    /// `links` signs the action links; `store` answers the daily digest and holds readers'
    /// outbox; `site` gives readers' email the site's current address and titles.
    pub fn start(
        settings: NotifySettings,
        base_url: String,
        links: EmailLinks,
        store: Arc<dyn Store>,
        site: Arc<dyn SiteDirectory>,
    ) -> anyhow::Result<Self> {
        let mailer = Arc::new(Mailer::new(&settings, base_url, links, store.clone())?);
        let readers = (settings.reader_mails_per_day > 0).then(|| {
            Arc::new(readers::ReaderMailer {
                transport: mailer.transport.clone(),
                from: mailer.from.clone(),
                store,
                site,
                per_day: settings.reader_mails_per_day,
                wake: Arc::new(tokio::sync::Notify::new()),
            })
        });
        if let Some(readers) = &readers {
            tokio::spawn(readers.clone().run());
        }
        if settings.digest {
            tokio::spawn(mailer.clone().run_daily(settings.digest_hour));
            return Ok(Self {
                tx: None,
                mailer: Some(mailer),
                readers,
            });
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(
            mailer
                .clone()
                .run(rx, Duration::from_secs(settings.batch_secs)),
        );
        Ok(Self {
            tx: Some(tx),
            mailer: Some(mailer),
            readers,
        })
    }

    /// Whether readers' email is on (SMTP is configured and its daily limit is above 0).
    pub fn reader_mail(&self) -> bool {
        self.readers.is_some()
    }

    /// Tells the readers' sender that the outbox has something new (it also looks every
    /// second, for what other instances queue).
    pub fn reader_mail_queued(&self) {
        if let Some(readers) = &self.readers {
            readers.wake.notify_one();
        }
    }

    /// Sends every readers' email that is due, now (for an operator or a test). Returns how
    /// many went.
    pub async fn send_reader_mail(&self) -> anyhow::Result<usize> {
        match &self.readers {
            Some(readers) => readers.drain().await,
            None => anyhow::bail!(
                "readers' email is off: there is no [notify] table, or its reader_mails_per_day is 0"
            ),
        }
    }

    pub fn comment_waiting(&self, waiting: Waiting) {
        if let Some(tx) = &self.tx {
            // A full queue means a mail is about to go out anyway.
            let _ = tx.try_send(waiting);
        }
    }

    /// Sends the digest of every waiting comment now (the daily task's work, for an
    /// operator or a test). Returns how many comments it listed; none sends nothing.
    pub async fn send_digest(&self) -> anyhow::Result<usize> {
        match &self.mailer {
            Some(mailer) => mailer.digest().await,
            None => anyhow::bail!("no [notify] settings: there is nobody to email"),
        }
    }
}

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    base_url: String,
    links: EmailLinks,
    link_secs: i64,
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mailer(..)")
    }
}

impl Mailer {
    fn new(
        settings: &NotifySettings,
        base_url: String,
        links: EmailLinks,
        store: Arc<dyn Store>,
    ) -> anyhow::Result<Self> {
        let host = settings.smtp_host.as_str();
        let builder = match settings.security {
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder
            .port(settings.smtp_port)
            .timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from = settings.from.parse().map_err(|e| {
            anyhow::anyhow!(
                "[notify] from = {:?} is not an email address: {e}",
                settings.from
            )
        })?;
        let to = settings
            .to
            .iter()
            .map(|t| {
                t.parse()
                    .map_err(|e| anyhow::anyhow!("[notify] to: {t:?} is not an email address: {e}"))
            })
            .collect::<anyhow::Result<Vec<Mailbox>>>()?;
        anyhow::ensure!(!to.is_empty(), "[notify] to must name at least one address");
        anyhow::ensure!(
            settings.link_days >= 1,
            "[notify] link_days must be at least 1 (it is {})",
            settings.link_days
        );
        anyhow::ensure!(
            settings.digest_hour < 24,
            "[notify] digest_hour must be 0 to 23 (UTC); it is {}",
            settings.digest_hour
        );
        Ok(Self {
            transport: builder.build(),
            from,
            to,
            base_url,
            links,
            link_secs: i64::from(settings.link_days) * 24 * 60 * 60,
            store,
        })
    }

    async fn run(self: Arc<Self>, mut rx: mpsc::Receiver<Waiting>, window: Duration) {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + window;
            while let Ok(Some(next)) = tokio::time::timeout_at(deadline, rx.recv()).await {
                batch.push(next);
            }
            while let Ok(next) = rx.try_recv() {
                batch.push(next);
            }
            let subject = match batch.len() {
                1 => "1 new comment is waiting for moderation".to_owned(),
                n => format!("{n} new comments are waiting for moderation"),
            };
            if let Err(err) = self.send(&subject, &batch, 0).await {
                tracing::error!(
                    "could not email moderators about {} waiting comment(s): {err:#}",
                    batch.len()
                );
            }
        }
    }

    /// Sends the digest every day at `hour` UTC.
    async fn run_daily(self: Arc<Self>, hour: u8) {
        loop {
            let now = crate::clock::now();
            let day = 24 * 60 * 60;
            let today_at = now - now.rem_euclid(day) + i64::from(hour) * 60 * 60;
            let next = if today_at > now {
                today_at
            } else {
                today_at + day
            };
            tokio::time::sleep(Duration::from_secs((next - now) as u64)).await;
            if let Err(err) = self.digest().await {
                tracing::error!("could not email moderators the daily digest: {err:#}");
            }
        }
    }

    /// Emails every waiting comment (oldest flagged ones first, as the queue shows them).
    async fn digest(&self) -> anyhow::Result<usize> {
        let page = self
            .store
            .queue(&QueueFilter {
                status: Status::Pending,
                section: None,
                text: None,
                offset: 0,
                limit: DIGEST_MAX,
            })
            .await?;
        if page.comments.is_empty() {
            return Ok(0);
        }
        let waiting: Vec<Waiting> = page
            .comments
            .iter()
            .map(|c| Waiting {
                id: c.id,
                section_title: c.section.clone(),
                author: c.author.clone(),
                excerpt: excerpt(&c.body),
                flag_reason: c.flag_reason.clone(),
            })
            .collect();
        let subject = match page.total {
            1 => "Daily digest: 1 comment is waiting for moderation".to_owned(),
            n => format!("Daily digest: {n} comments are waiting for moderation"),
        };
        let more = (page.total as usize).saturating_sub(waiting.len());
        self.send(&subject, &waiting, more).await?;
        Ok(waiting.len())
    }

    /// The email's text: each comment with its excerpt and action links. Commenters'
    /// email addresses are never in it.
    fn body(&self, subject: &str, batch: &[Waiting], more: usize) -> anyhow::Result<String> {
        let now = crate::clock::now();
        let expires = now + self.link_secs;
        let base = self.base_url.trim_end_matches('/');
        let mut body = format!("{subject}.\n\n");
        for w in batch {
            body.push_str(&format!(
                "Comment {} by {} on \"{}\"\n",
                w.id, w.author, w.section_title
            ));
            if let Some(reason) = &w.flag_reason {
                body.push_str(&format!("Flagged: {reason}\n"));
            }
            body.push_str(&format!("\"{}\"\n", w.excerpt));
            let nonce = new_nonce()?;
            for action in EMAIL_ACTIONS {
                let token = self.links.token(w.id, action, expires, &nonce);
                body.push_str(&format!(
                    "{:<8} {base}/admin/email/{token}\n",
                    format!("{}:", capitalised(action.as_str()))
                ));
            }
            body.push_str(&format!("Open:    {base}/admin/comments/{}\n\n", w.id));
        }
        if more > 0 {
            body.push_str(&format!("... and {more} more in the queue.\n\n"));
        }
        body.push_str(&format!(
            "Each link opens a confirmation page (you sign in first) and works once, until {}.\n\
             The whole queue: {base}/admin\n",
            crate::clock::rfc3339(expires)
        ));
        Ok(body)
    }

    async fn send(&self, subject: &str, batch: &[Waiting], more: usize) -> anyhow::Result<()> {
        let body = self.body(subject, batch, more)?;
        for to in &self.to {
            let message = Message::builder()
                .from(self.from.clone())
                .to(to.clone())
                .subject(subject.to_owned())
                .body(body.clone())?;
            self.transport.send(message).await?;
        }
        tracing::info!(
            "emailed moderators about {} waiting comment(s)",
            batch.len()
        );
        Ok(())
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::excerpt_of;

    #[test]
    fn excerpts_are_one_line_cut_at_a_word() {
        let cases = [
            ("short text", 20, "short text"),
            ("one\n\ntwo   three", 20, "one two three"),
            ("alpha beta gamma delta", 12, "alpha beta…"),
            ("averyveryverylongword", 5, "avery…"),
            ("", 5, ""),
        ];
        for (text, max, expected) in cases {
            assert_eq!(excerpt_of(text, max), expected, "{text}");
        }
    }
}
