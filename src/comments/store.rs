//! The storage interface. Handlers only see this trait; backends live beside it.
use std::future::Future;
use std::pin::Pin;

use sha2::{Digest, Sha256};

use super::Status;

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
