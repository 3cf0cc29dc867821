//! Email to moderators when comments are waiting, batched so that a burst of comments
//! sends one message. Submissions only put a note on a channel: sending never delays or
//! fails a reader's request.
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::mpsc;

use crate::config::{NotifySettings, SmtpSecurity};

/// A comment that now waits for a moderator.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub id: i64,
    pub section_title: String,
    pub author: String,
    pub flag_reason: Option<String>,
}

/// The submission side: cheap to clone, never blocks.
#[derive(Clone, Debug)]
pub struct Notifier {
    tx: Option<mpsc::Sender<Waiting>>,
}

/// Notes held while the mailer is busy; more than this in one burst are counted only.
const QUEUE: usize = 1024;

impl Notifier {
    /// A notifier that sends nothing (no `[notify]` configured).
    pub fn disabled() -> Self {
        Self { tx: None }
    }

    /// Starts the mailer task. Settings are checked here, so mistakes show at start.
    pub fn start(settings: NotifySettings, admin_url: String) -> anyhow::Result<Self> {
        let mailer = Mailer::new(&settings, admin_url)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(mailer.run(rx, Duration::from_secs(settings.batch_secs)));
        Ok(Self { tx: Some(tx) })
    }

    pub fn comment_waiting(&self, waiting: Waiting) {
        if let Some(tx) = &self.tx {
            // A full queue means a mail is about to go out anyway.
            let _ = tx.try_send(waiting);
        }
    }
}

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    admin_url: String,
}

impl Mailer {
    fn new(settings: &NotifySettings, admin_url: String) -> anyhow::Result<Self> {
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
        Ok(Self {
            transport: builder.build(),
            from,
            to,
            admin_url,
        })
    }

    async fn run(self, mut rx: mpsc::Receiver<Waiting>, window: Duration) {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + window;
            while let Ok(Some(next)) = tokio::time::timeout_at(deadline, rx.recv()).await {
                batch.push(next);
            }
            while let Ok(next) = rx.try_recv() {
                batch.push(next);
            }
            if let Err(err) = self.send(&batch).await {
                tracing::error!(
                    "could not email moderators about {} waiting comment(s): {err:#}",
                    batch.len()
                );
            }
        }
    }

    async fn send(&self, batch: &[Waiting]) -> anyhow::Result<()> {
        let subject = match batch.len() {
            1 => "1 new comment is waiting for moderation".to_owned(),
            n => format!("{n} new comments are waiting for moderation"),
        };
        let mut body = format!("{subject}:\n\n");
        for w in batch {
            body.push_str(&format!(
                "- comment {} by {} on \"{}\"",
                w.id, w.author, w.section_title
            ));
            if let Some(reason) = &w.flag_reason {
                body.push_str(&format!(" (flagged: {reason})"));
            }
            body.push('\n');
        }
        body.push_str(&format!("\nReview them at {}\n", self.admin_url));
        for to in &self.to {
            let message = Message::builder()
                .from(self.from.clone())
                .to(to.clone())
                .subject(subject.clone())
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
