//! The storage interface. Handlers only see this trait; backends live beside it.
use std::future::Future;
use std::pin::Pin;

use sha2::{Digest, Sha256};

use super::{Action, Status};

/// A boxed future, so that the trait can be used as `Arc<dyn CommentStore>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot take writes right now (disk full, read-only, locked too long).
    /// Shown to readers as 503 with their text kept.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// A comment as stored, with everything a moderator may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub section: String,
    pub parent_id: Option<i64>,
    pub author: String,
    pub email: String,
    pub url: Option<String>,
    pub body: String,
    pub status: Status,
    /// Unix seconds, UTC.
    pub created_at: i64,
    pub client_hash: Option<String>,
    pub user_agent: Option<String>,
    pub flag_reason: Option<String>,
    /// An answer from the site's editorial team.
    pub editorial: bool,
}

/// A validated comment with the facts the handler adds before storing it.
#[derive(Debug, Clone)]
pub struct StoredComment {
    pub section: String,
    pub parent_id: Option<i64>,
    pub author: String,
    pub email: String,
    pub url: Option<String>,
    pub body: String,
    pub status: Status,
    pub created_at: i64,
    pub client_hash: String,
    pub user_agent: Option<String>,
    pub flag_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted(i64),
    /// The same section, author and text are already stored.
    Duplicate,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub comment_id: i64,
    pub action: String,
    pub moderator: String,
    pub at: i64,
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
    Refused(super::status::InvalidTransition),
}

/// An answer from the editorial team to a comment.
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub parent_id: i64,
    pub body: String,
    /// Shown as the author: the site's byline.
    pub author: String,
    pub moderator: String,
    pub created_at: i64,
}

pub trait CommentStore: Send + Sync {
    /// Stores a comment durably: when this returns `Inserted`, it survives a crash.
    fn insert(&self, comment: StoredComment) -> StoreFuture<'_, InsertOutcome>;
    fn get(&self, id: i64) -> StoreFuture<'_, Option<Comment>>;
    /// Approved comments, oldest first; of one section, or of all when `None`.
    fn approved<'a>(&'a self, section: Option<&'a str>) -> StoreFuture<'a, Vec<Comment>>;
    /// Whether this name and email already have an approved comment.
    fn has_approved_author<'a>(&'a self, author: &'a str, email: &'a str) -> StoreFuture<'a, bool>;
    /// A random secret stored under `name`, created on first use and shared by every
    /// instance on the same database.
    fn secret(&self, name: &'static str) -> StoreFuture<'_, Vec<u8>>;
    /// Answers when the database does.
    fn ping(&self) -> StoreFuture<'_, ()>;

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
    /// Publishes an editorial answer under a comment; `None` when the comment is gone.
    /// Returns the new id and the section.
    fn answer(&self, answer: NewAnswer) -> StoreFuture<'_, Option<(i64, String)>>;
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
    /// The id of the newest page revision (0 when there is none).
    fn latest_revision(&self) -> StoreFuture<'_, i64>;
    /// The newest page revision, and the sections changed after `since`.
    fn revisions_since(&self, since: i64) -> StoreFuture<'_, (i64, Vec<String>)>;
}

/// A moderator account as listed by `smp-guide moderator list`.
#[derive(Debug, Clone)]
pub struct ModeratorInfo {
    pub username: String,
    pub created_at: i64,
}

/// A signed-in moderator's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub moderator_id: i64,
    pub username: String,
    pub csrf_token: String,
    pub last_seen_at: i64,
}

/// Moderator accounts, sessions and sign-in throttling.
pub trait AccountStore: Send + Sync {
    /// Creates the account, or resets its password. Returns true when it was created.
    fn upsert_moderator<'a>(
        &'a self,
        username: &'a str,
        password_hash: &'a str,
        at: i64,
    ) -> StoreFuture<'a, bool>;
    fn moderators(&self) -> StoreFuture<'_, Vec<ModeratorInfo>>;
    /// Removes the account and its sessions. Returns false when there was no such account.
    fn remove_moderator<'a>(&'a self, username: &'a str) -> StoreFuture<'a, bool>;
    /// The account's id and password hash.
    fn credentials<'a>(&'a self, username: &'a str) -> StoreFuture<'a, Option<(i64, String)>>;
    fn create_session<'a>(
        &'a self,
        token_hash: &'a str,
        moderator_id: i64,
        csrf_token: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ()>;
    fn session<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, Option<Session>>;
    fn touch_session<'a>(&'a self, token_hash: &'a str, at: i64) -> StoreFuture<'a, ()>;
    fn delete_session<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, ()>;
    /// Removes sessions idle since before `before`.
    fn delete_idle_sessions(&self, before: i64) -> StoreFuture<'_, u64>;
    fn record_login_failure<'a>(
        &'a self,
        username: &'a str,
        client_hash: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ()>;
    /// Failures since `since`: how many, and when the oldest of them happened.
    fn login_failures<'a>(
        &'a self,
        username: &'a str,
        client_hash: &'a str,
        since: i64,
    ) -> StoreFuture<'a, (i64, Option<i64>)>;
    fn clear_login_failures<'a>(
        &'a self,
        username: &'a str,
        client_hash: &'a str,
    ) -> StoreFuture<'a, ()>;
}

/// A moderator account with its password hash, as copied between databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredModerator {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub created_at: i64,
}

/// Everything that must survive a move to another database: comments with their ids (so
/// that replies, the audit trail and readers' preview links still point at them), the
/// whole audit trail (deletions included), moderator accounts, and the shared secrets (so
/// that client hashes keep matching). Sessions, sign-in failures and page revisions are
/// short-lived and are not carried over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dump {
    /// Oldest first, so that a comment always comes after the one it replies to.
    pub comments: Vec<Comment>,
    /// In the order they happened.
    pub events: Vec<Event>,
    pub moderators: Vec<StoredModerator>,
    pub secrets: Vec<(String, Vec<u8>)>,
}

/// Copying a whole database to another one, of either backend (`smp-guide db copy`).
pub trait TransferStore: Send + Sync {
    fn dump(&self) -> StoreFuture<'_, Dump>;
    /// Loads a dump into this database, which must hold no comments and no moderators;
    /// all or nothing.
    fn load<'a>(&'a self, dump: &'a Dump) -> StoreFuture<'a, ()>;
}

/// A salted hash of the client address: lets moderators see that two comments came from
/// the same client without storing the address itself.
pub fn client_hash(salt: &[u8], address: std::net::IpAddr) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(address.to_string().as_bytes());
    hasher.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Implements the three object-safe store traits for a backend by boxing the backend's own
/// `async fn`s, which carry the same names in every backend. Backends write plain async
/// methods; this is the one place that adapts them for `Arc<dyn Store>`.
macro_rules! boxed_store {
    ($backend:ty) => {
        use $crate::comments::store as s;

        impl s::CommentStore for $backend {
            fn insert(&self, comment: s::StoredComment) -> s::StoreFuture<'_, s::InsertOutcome> {
                Box::pin(self.insert_comment(comment))
            }
            fn get(&self, id: i64) -> s::StoreFuture<'_, Option<s::Comment>> {
                Box::pin(self.find_comment(id))
            }
            fn approved<'a>(
                &'a self,
                section: Option<&'a str>,
            ) -> s::StoreFuture<'a, Vec<s::Comment>> {
                Box::pin(self.approved_comments(section))
            }
            fn has_approved_author<'a>(
                &'a self,
                author: &'a str,
                email: &'a str,
            ) -> s::StoreFuture<'a, bool> {
                Box::pin(self.is_returning_author(author, email))
            }
            fn secret(&self, name: &'static str) -> s::StoreFuture<'_, Vec<u8>> {
                Box::pin(self.shared_secret(name))
            }
            fn ping(&self) -> s::StoreFuture<'_, ()> {
                Box::pin(self.check_connection())
            }
            fn queue<'a>(&'a self, filter: &'a s::QueueFilter) -> s::StoreFuture<'a, s::QueuePage> {
                Box::pin(self.queue_page(filter))
            }
            fn counts(&self) -> s::StoreFuture<'_, Vec<($crate::comments::Status, i64)>> {
                Box::pin(self.status_counts())
            }
            fn apply<'a>(
                &'a self,
                id: i64,
                action: $crate::comments::Action,
                moderator: &'a str,
                at: i64,
            ) -> s::StoreFuture<'a, s::ActionOutcome> {
                Box::pin(self.apply_action(id, action, moderator, at))
            }
            fn events<'a>(&'a self, ids: &'a [i64]) -> s::StoreFuture<'a, Vec<s::Event>> {
                Box::pin(self.audit_trail(ids))
            }
            fn answer(&self, answer: s::NewAnswer) -> s::StoreFuture<'_, Option<(i64, String)>> {
                Box::pin(self.publish_answer(answer))
            }
            fn export<'a>(
                &'a self,
                status: Option<$crate::comments::Status>,
                email: Option<&'a str>,
            ) -> s::StoreFuture<'a, Vec<s::Comment>> {
                Box::pin(self.export_comments(status, email))
            }
            fn erase_email<'a>(
                &'a self,
                email: &'a str,
                actor: &'a str,
                at: i64,
            ) -> s::StoreFuture<'a, u64> {
                Box::pin(self.erase_by_email(email, actor, at))
            }
            fn clear_client_hashes(&self, before: i64) -> s::StoreFuture<'_, u64> {
                Box::pin(self.clear_hashes(before))
            }
            fn latest_revision(&self) -> s::StoreFuture<'_, i64> {
                Box::pin(self.newest_revision())
            }
            fn revisions_since(&self, since: i64) -> s::StoreFuture<'_, (i64, Vec<String>)> {
                Box::pin(self.changed_sections(since))
            }
        }

        impl s::AccountStore for $backend {
            fn upsert_moderator<'a>(
                &'a self,
                username: &'a str,
                password_hash: &'a str,
                at: i64,
            ) -> s::StoreFuture<'a, bool> {
                Box::pin(self.save_moderator(username, password_hash, at))
            }
            fn moderators(&self) -> s::StoreFuture<'_, Vec<s::ModeratorInfo>> {
                Box::pin(self.list_moderators())
            }
            fn remove_moderator<'a>(&'a self, username: &'a str) -> s::StoreFuture<'a, bool> {
                Box::pin(self.delete_moderator(username))
            }
            fn credentials<'a>(
                &'a self,
                username: &'a str,
            ) -> s::StoreFuture<'a, Option<(i64, String)>> {
                Box::pin(self.find_credentials(username))
            }
            fn create_session<'a>(
                &'a self,
                token_hash: &'a str,
                moderator_id: i64,
                csrf_token: &'a str,
                at: i64,
            ) -> s::StoreFuture<'a, ()> {
                Box::pin(self.insert_session(token_hash, moderator_id, csrf_token, at))
            }
            fn session<'a>(
                &'a self,
                token_hash: &'a str,
            ) -> s::StoreFuture<'a, Option<s::Session>> {
                Box::pin(self.find_session(token_hash))
            }
            fn touch_session<'a>(&'a self, token_hash: &'a str, at: i64) -> s::StoreFuture<'a, ()> {
                Box::pin(self.mark_session_seen(token_hash, at))
            }
            fn delete_session<'a>(&'a self, token_hash: &'a str) -> s::StoreFuture<'a, ()> {
                Box::pin(self.remove_session(token_hash))
            }
            fn delete_idle_sessions(&self, before: i64) -> s::StoreFuture<'_, u64> {
                Box::pin(self.remove_idle_sessions(before))
            }
            fn record_login_failure<'a>(
                &'a self,
                username: &'a str,
                client_hash: &'a str,
                at: i64,
            ) -> s::StoreFuture<'a, ()> {
                Box::pin(self.insert_login_failure(username, client_hash, at))
            }
            fn login_failures<'a>(
                &'a self,
                username: &'a str,
                client_hash: &'a str,
                since: i64,
            ) -> s::StoreFuture<'a, (i64, Option<i64>)> {
                Box::pin(self.count_login_failures(username, client_hash, since))
            }
            fn clear_login_failures<'a>(
                &'a self,
                username: &'a str,
                client_hash: &'a str,
            ) -> s::StoreFuture<'a, ()> {
                Box::pin(self.remove_login_failures(username, client_hash))
            }
        }

        impl s::TransferStore for $backend {
            fn dump(&self) -> s::StoreFuture<'_, s::Dump> {
                Box::pin(self.dump_all())
            }
            fn load<'a>(&'a self, dump: &'a s::Dump) -> s::StoreFuture<'a, ()> {
                Box::pin(self.load_all(dump))
            }
        }
    };
}
pub(super) use boxed_store;
