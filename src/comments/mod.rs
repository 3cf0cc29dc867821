//! Reader comments: parsing and validating the form, anti-spam rules, flood control,
//! signed links to a reader's own pending comment, and the two workflows built on them:
//! submitting a comment and moderating comments.
mod flood;
mod form;
mod moderate;
mod postgres;
mod preview;
mod publish;
mod spam;
mod sql;
mod sqlite;
mod status;
mod store;
mod submit;

pub use flood::{ClientAddress, FloodControl, FloodVerdict};
pub use form::{
    CommentForm, FieldError, FormError, FormValues, NewComment, decode_form, decode_pairs,
    parse_comment_text,
};
pub use moderate::{Moderated, answer, erase, moderate};
pub use postgres::PostgresStore;
use postgres::redact as redact_database_url;
pub use preview::PreviewSigner;
pub use publish::{NoLiveSite, Publisher};
pub use spam::{MEDICAL_CONCERN, SpamRules, Verdict};
pub use sqlite::{ServerLock, SqliteStore, backup, database_path, restore};
pub use status::{Action, InvalidTransition, Status};
pub use store::{
    AccountStore, ActionOutcome, Comment, CommentStore, Dump, Event, InsertOutcome, ModeratorInfo,
    NewAnswer, QueueFilter, QueuePage, Session, StoreError, StoredComment, StoredModerator,
    TransferStore, client_hash,
};
pub use submit::{CommentServices, Submission, Submitted};

/// The whole storage, as one object behind three traits.
pub trait Store: CommentStore + AccountStore + TransferStore {}
impl<T: CommentStore + AccountStore + TransferStore> Store for T {}

/// Opens the store named by a database URL, `sqlite://PATH` or `postgres://...`, creating
/// (SQLite) and migrating it.
pub async fn open_store(url: &str) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    match url.split_once("://") {
        Some(("sqlite", path)) => Ok(std::sync::Arc::new(SqliteStore::open(path).await?)),
        Some(("postgres" | "postgresql", _)) => {
            Ok(std::sync::Arc::new(PostgresStore::open(url).await?))
        }
        _ => anyhow::bail!(
            "unsupported database URL {:?}: expected sqlite://PATH (for example \
             sqlite://data/smp-guide.db) or postgres://USER@HOST/DATABASE",
            shown_database_url(url)
        ),
    }
}

/// A database URL as it may appear in messages and logs: without its password.
pub fn shown_database_url(url: &str) -> String {
    if url.starts_with("sqlite://") {
        url.to_owned()
    } else {
        redact_database_url(url)
    }
}
