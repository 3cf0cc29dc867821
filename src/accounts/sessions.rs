//! Sessions: random tokens handed to the browser, stored only as their SHA-256, and the
//! rules that a session unused for twelve hours is over, and any session after its
//! absolute lifetime (`session_max_hours`, twelve by default: OWASP ASVS 3.3.2).
use sha2::{Digest, Sha256};

use crate::store::{Session, Store, StoreError};

/// A session unused for this long is over.
pub const SESSION_IDLE_SECS: i64 = 12 * 60 * 60;
/// Saves a database write per request: `last_seen_at` is refreshed at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

/// A session just created: the token goes into the cookie, the CSRF token into forms.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

impl NewSession {
    /// Creates and stores a session for this moderator.
    pub async fn start(store: &dyn Store, moderator_id: i64, now: i64) -> anyhow::Result<Self> {
        let session = Self {
            token: random_token()?,
            csrf_token: random_token()?,
        };
        store
            .create_session(
                &hash_token(&session.token),
                moderator_id,
                &session.csrf_token,
                now,
            )
            .await?;
        Ok(session)
    }
}

/// The live session behind a cookie's token: `None` when there is none, it has been idle
/// too long, or it began more than `max_age_secs` ago (then it is deleted). Refreshes
/// `last_seen_at` now and then.
pub async fn live_session(
    store: &dyn Store,
    token_hash: &str,
    max_age_secs: i64,
    now: i64,
) -> Result<Option<Session>, StoreError> {
    let Some(session) = store.session(token_hash).await? else {
        return Ok(None);
    };
    if now - session.last_seen_at > SESSION_IDLE_SECS || now - session.created_at > max_age_secs {
        store.delete_session(token_hash).await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY_SECS {
        store.touch_session(token_hash, now).await?;
    }
    Ok(Some(session))
}

/// SHA-256 of a session token, as stored: a copy of the database hands out no sessions.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// 256 random bits, hex-encoded.
fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|err| anyhow::anyhow!("no randomness for a token: {err}"))?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_hex_and_stored_hashed() {
        let token = random_token().unwrap();
        assert_eq!(token.len(), 64);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(hash_token(&token), token);
        assert_eq!(hash_token(&token).len(), 64);
    }
}
