//! Moderator accounts: password hashing, session tokens and their lifetime, and the
//! sign-in workflow (throttling, the password check, a new session). The admin routes and
//! the command line only turn its outcomes into responses and messages.
pub mod passwords;
mod sessions;
mod sign_in;

pub use sessions::{NewSession, SESSION_IDLE_SECS, hash_token, live_session};
pub use sign_in::{
    ATTEMPT_WINDOW_SECS, PASSWORD_MAX, PasswordChecks, SignIn, USERNAME_MAX, sign_in,
};
