//! The sign-in workflow: refuse while a username and client have failed too often, check
//! the password (against a dummy hash for unknown users, so both take the same time), and
//! start a session. The same words whatever went wrong, so nobody learns which usernames
//! exist.
use super::passwords::verify_password;
use super::sessions::NewSession;
use crate::store::Store;

/// Failed sign-ins allowed per username and client in [`FAILURE_WINDOW_SECS`].
const MAX_FAILURES: i64 = 5;
const FAILURE_WINDOW_SECS: i64 = 15 * 60;

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum SignIn {
    /// Too many recent failures for this username from this client.
    Throttled {
        retry_after_secs: u64,
    },
    /// Unknown username or wrong password (deliberately not told apart).
    Refused,
    SignedIn(NewSession),
}

/// Tries to sign in `username` from the client with this hash.
pub async fn sign_in(
    store: &dyn Store,
    username: &str,
    password: &str,
    client_hash: &str,
    now: i64,
) -> anyhow::Result<SignIn> {
    // Usernames are throttled without case, so that "Alice" and "alice" share a count.
    let throttle_key = username.to_lowercase();
    let (failures, oldest) = store
        .login_failures(&throttle_key, client_hash, now - FAILURE_WINDOW_SECS)
        .await?;
    if failures >= MAX_FAILURES {
        let retry_after_secs = (oldest.unwrap_or(now) + FAILURE_WINDOW_SECS - now).max(1) as u64;
        tracing::warn!("sign-in throttled after {failures} failures");
        return Ok(SignIn::Throttled { retry_after_secs });
    }

    let credentials = store.credentials(username).await?;
    let stored = credentials.as_ref().map(|(_, hash)| hash.clone());
    let candidate = password.to_owned();
    // Argon2 is deliberately slow: keep it off the async worker threads.
    let valid = tokio::task::spawn_blocking(move || verify_password(&candidate, stored.as_deref()))
        .await
        .map_err(|e| anyhow::anyhow!("password check: {e}"))?;
    let Some((moderator_id, _)) = credentials.filter(|_| valid) else {
        store
            .record_login_failure(&throttle_key, client_hash, now)
            .await?;
        tracing::info!("failed sign-in");
        return Ok(SignIn::Refused);
    };

    store
        .clear_login_failures(&throttle_key, client_hash)
        .await?;
    let session = NewSession::start(store, moderator_id, now).await?;
    tracing::info!(moderator = %username, "signed in");
    Ok(SignIn::SignedIn(session))
}
