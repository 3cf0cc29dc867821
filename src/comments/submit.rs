//! Submitting a comment: flood control, the content rules, trusted returning commenters,
//! storing it durably, and then whatever follows (the page re-rendered, moderators told, a
//! signed link to the reader's own pending comment). The handler only turns the outcome
//! into a response.
use std::net::IpAddr;

use super::returning::returning_token;
use super::{FloodControl, FloodVerdict, NewComment, PreviewSigner, Publisher, SpamRules, Verdict};
use crate::client_key::ClientKey;
use crate::metrics;
use crate::notify::{Notifier, Waiting};
use crate::store::{InsertOutcome, Status, Store, StoreError, StoredComment};

/// What the comment workflow needs besides the store; built once at start.
pub struct CommentServices {
    pub flood: FloodControl,
    pub spam: SpamRules,
    pub preview: PreviewSigner,
    /// Keys client-address hashes and signs returning commenters' cookies.
    pub client_key: ClientKey,
    pub notifier: Notifier,
    /// Approve at once a clean comment from a reader who proves (with the signed cookie
    /// from an earlier comment) that an approved comment from this email address is theirs.
    pub trust_returning: bool,
}

/// A validated comment and the facts of the request it came in.
#[derive(Debug, Clone)]
pub struct Submission {
    pub section: String,
    /// For the moderators' email.
    pub section_title: String,
    pub comment: NewComment,
    pub client: IpAddr,
    pub user_agent: Option<String>,
    /// The earlier comment a genuine returning-commenter cookie names, if the request
    /// carried one.
    pub returning: Option<i64>,
    pub now: i64,
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Stored. A pending comment comes with a signed link for its author's eyes only.
    Stored {
        id: i64,
        status: Status,
        preview_token: Option<String>,
        /// With `trust_returning`: the cookie value that lets this reader be trusted once
        /// this comment is approved.
        returning_token: Option<String>,
    },
    /// The same text from the same email address is already stored here.
    Duplicate,
    /// This client is sending too fast; it may try again after this many seconds.
    TooFast { wait_secs: u64 },
    /// The database cannot take the comment right now; nothing was stored.
    Unavailable,
}

/// How much of a User-Agent header is kept for moderators.
const USER_AGENT_MAX: usize = 300;

impl CommentServices {
    /// Runs the whole workflow for one submission.
    pub async fn submit(
        &self,
        store: &dyn Store,
        pages: &dyn Publisher,
        submission: Submission,
    ) -> anyhow::Result<Submitted> {
        let outcome = self.run(store, pages, submission).await;
        // Stored comments are counted where their verdict is known (held or not).
        match &outcome {
            Ok(Submitted::Duplicate) => metrics::comment_submitted("duplicate"),
            Ok(Submitted::TooFast { .. }) => metrics::comment_submitted("too_fast"),
            Ok(Submitted::Unavailable) => metrics::comment_submitted("unavailable"),
            Ok(Submitted::Stored { .. }) | Err(_) => {}
        }
        outcome
    }

    async fn run(
        &self,
        store: &dyn Store,
        pages: &dyn Publisher,
        submission: Submission,
    ) -> anyhow::Result<Submitted> {
        if let FloodVerdict::TooMany(wait) =
            self.flood.check(super::ClientAddress(submission.client))
        {
            return Ok(Submitted::TooFast {
                wait_secs: wait.as_secs().max(1),
            });
        }
        let comment = &submission.comment;
        let (status, flag_reason) = match self.spam.judge(comment) {
            Verdict::Spam(reason) => (Status::Spam, Some(reason)),
            Verdict::Hold(reason) => (Status::Pending, Some(reason)),
            Verdict::Clean => {
                let trusted = match self.trusted(store, &submission).await {
                    Ok(trusted) => trusted,
                    Err(StoreError::Unavailable(cause)) => return Ok(unavailable(&cause)),
                    Err(err) => return Err(err.into()),
                };
                let status = if trusted {
                    Status::Approved
                } else {
                    Status::Pending
                };
                (status, None)
            }
        };
        let stored = StoredComment {
            section: submission.section.clone(),
            parent_id: comment.parent,
            author: comment.author.clone(),
            email: comment.email.clone(),
            url: comment.url.clone(),
            body: comment.body.clone(),
            status,
            created_at: submission.now,
            client_hash: self.client_key.client_hash(submission.client),
            user_agent: submission
                .user_agent
                .map(|ua| ua.chars().take(USER_AGENT_MAX).collect()),
            flag_reason: flag_reason.clone(),
        };
        let id = match store.insert(stored).await {
            Ok(InsertOutcome::Inserted(id)) => id,
            Ok(InsertOutcome::Duplicate) => return Ok(Submitted::Duplicate),
            Err(StoreError::Unavailable(cause)) => return Ok(unavailable(&cause)),
            Err(err) => return Err(anyhow::Error::new(err).context("storing a comment")),
        };
        tracing::info!(comment_id = id, section = %submission.section, status = %status, "comment stored");
        metrics::comment_submitted(match (status, &flag_reason) {
            (Status::Pending, Some(_)) => "held",
            (status, _) => status.as_str(),
        });
        let preview_token = match status {
            Status::Approved => {
                pages.section_changed(&submission.section).await;
                None
            }
            Status::Pending => {
                self.notifier.comment_waiting(Waiting {
                    id,
                    section_title: submission.section_title,
                    excerpt: crate::notify::excerpt(&submission.comment.body),
                    author: submission.comment.author,
                    flag_reason,
                });
                Some(self.preview.token(id, submission.now))
            }
            // Spam is stored quietly; its writer sees the same "awaiting moderation" page.
            Status::Spam | Status::Trash => Some(self.preview.token(id, submission.now)),
        };
        let returning_token = (self.trust_returning && status != Status::Spam)
            .then(|| returning_token(&self.client_key, id));
        Ok(Submitted::Stored {
            id,
            status,
            preview_token,
            returning_token,
        })
    }

    async fn trusted(
        &self,
        store: &dyn Store,
        submission: &Submission,
    ) -> Result<bool, StoreError> {
        let (true, Some(earlier)) = (self.trust_returning, submission.returning) else {
            return Ok(false);
        };
        store
            .is_confirmed_commenter(earlier, &submission.comment.email)
            .await
    }
}

fn unavailable(cause: &str) -> Submitted {
    tracing::error!(cause = %cause, "comment not stored: database unavailable");
    Submitted::Unavailable
}
