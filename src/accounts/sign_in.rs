//! The sign-in workflow: record the attempt (refusing while a username and client have
//! tried too often), check the password under a bound on concurrent checks (against a
//! dummy hash for unknown users, so both take the same time), and start a session. The
//! same words whatever went wrong, so nobody learns which usernames exist.
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::passwords::verify_password_in;
use super::sessions::NewSession;
use crate::client_key::ClientKey;
use crate::store::{Reservation, Store};

/// Attempts allowed per username and client in [`ATTEMPT_WINDOW_SECS`]; a successful
/// sign-in clears them.
const MAX_ATTEMPTS: i64 = 5;
pub const ATTEMPT_WINDOW_SECS: i64 = 15 * 60;
/// How long a sign-in waits for a free password check before the server says it is busy.
const CHECK_WAIT: Duration = Duration::from_secs(2);
/// Longer names and passwords are refused without a check: no account has them, and
/// nobody types them.
pub const USERNAME_MAX: usize = 100;
pub const PASSWORD_MAX: usize = 1_024;

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum SignIn {
    /// Too many recent attempts for this username from this client.
    Throttled {
        retry_after_secs: u64,
    },
    /// Every password check is taken (many sign-ins at once); nothing was counted.
    Busy {
        retry_after_secs: u64,
    },
    /// Unknown username or wrong password (deliberately not told apart).
    Refused,
    SignedIn(NewSession),
}

/// Runs password checks on a few threads of their own, one check at a time each, with
/// Argon2's working memory (about 19 MiB) allocated once per thread and reused, and makes
/// sign-ins wait (two seconds at most) for a free one. Before, a burst of sign-ins (for any
/// username) ran as many checks at once as the blocking pool had threads, each allocating
/// its own block, and the allocator kept the freed blocks in its arenas: 120 sign-ins took
/// the server to 2.3 GB. Now memory for checks is `password_checks` x 19 MiB, at most.
#[derive(Debug, Clone)]
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
    jobs: std::sync::mpsc::Sender<Check>,
}

/// One password to check against a stored hash (or the dummy), and where to answer.
struct Check {
    password: String,
    stored: Option<String>,
    answer: tokio::sync::oneshot::Sender<bool>,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Check(..)")
    }
}

impl PasswordChecks {
    /// Starts `at_once` checking threads (at least one).
    pub fn new(at_once: usize) -> Self {
        let at_once = at_once.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Check>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..at_once {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-check-{n}"))
                .spawn(move || {
                    // This thread's Argon2 working memory, reused by every check it runs.
                    let mut memory = Vec::new();
                    loop {
                        // Holding the lock only to take the next job.
                        let next = match queue.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        let Ok(check) = next else {
                            return; // every sender is gone: the server is stopping
                        };
                        let valid = verify_password_in(
                            &mut memory,
                            &check.password,
                            check.stored.as_deref(),
                        );
                        let _ = check.answer.send(valid);
                    }
                });
            if let Err(err) = spawned {
                tracing::error!("cannot start a password-check thread: {err}");
            }
        }
        Self {
            permits: Arc::new(Semaphore::new(at_once)),
            jobs,
        }
    }

    /// Checks `password` against `stored`; `None` when no check became free in time.
    async fn check(&self, password: &str, stored: Option<String>) -> anyhow::Result<Option<bool>> {
        let Ok(permit) =
            tokio::time::timeout(CHECK_WAIT, self.permits.clone().acquire_owned()).await
        else {
            return Ok(None);
        };
        let _permit = permit.map_err(|err| anyhow::anyhow!("password checks closed: {err}"))?;
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Check {
                password: password.to_owned(),
                stored,
                answer,
            })
            .map_err(|_| anyhow::anyhow!("the password-check threads have stopped"))?;
        let valid = answered
            .await
            .map_err(|_| anyhow::anyhow!("a password-check thread stopped mid-check"))?;
        Ok(Some(valid))
    }
}

/// Tries to sign in `username` from the client with this hash.
pub async fn sign_in(
    store: &dyn Store,
    checks: &PasswordChecks,
    key: &ClientKey,
    username: &str,
    password: &str,
    client_hash: &str,
    now: i64,
) -> anyhow::Result<SignIn> {
    // A keyed hash of what was typed, not the text: a password typed into the username
    // box must not be stored. Folded, so that "Alice" and "alice" share a count.
    let account_key = key.account_key(username);
    let attempt = match store
        .reserve_sign_in(
            &account_key,
            client_hash,
            now - ATTEMPT_WINDOW_SECS,
            MAX_ATTEMPTS,
            now,
        )
        .await?
    {
        Reservation::Granted { attempt } => attempt,
        Reservation::Throttled { oldest } => {
            let retry_after_secs = (oldest + ATTEMPT_WINDOW_SECS - now).max(1) as u64;
            tracing::warn!("sign-in throttled after {MAX_ATTEMPTS} attempts");
            return Ok(SignIn::Throttled { retry_after_secs });
        }
    };
    if username.chars().count() > USERNAME_MAX || password.chars().count() > PASSWORD_MAX {
        tracing::info!("failed sign-in");
        return Ok(SignIn::Refused);
    }
    let credentials = store.credentials(username).await?;
    let stored = credentials.as_ref().map(|(_, hash)| hash.clone());
    let Some(valid) = checks.check(password, stored).await? else {
        // Not this client's fault: the attempt is not counted against it.
        store.release_sign_in(attempt).await?;
        tracing::warn!("sign-in refused: every password check is busy");
        return Ok(SignIn::Busy {
            retry_after_secs: 1,
        });
    };
    let Some((moderator_id, _)) = credentials.filter(|_| valid) else {
        // The recorded attempt stays: it is this failure.
        tracing::info!("failed sign-in");
        return Ok(SignIn::Refused);
    };

    store.clear_sign_ins(&account_key, client_hash).await?;
    let session = NewSession::start(store, moderator_id, now).await?;
    tracing::info!(moderator = %username, "signed in");
    Ok(SignIn::SignedIn(session))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With every password check taken, a sign-in waits, then is refused as busy, and its
    /// attempt does not count against the client.
    #[tokio::test]
    async fn a_sign_in_that_finds_every_check_taken_is_busy_and_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let store = crate::store::open_store(&url).await.unwrap();
        let key = ClientKey::from_bytes([1; 32]);
        let checks = PasswordChecks::new(1);
        let held = checks.permits.clone().acquire_owned().await.unwrap();
        let outcome = sign_in(store.as_ref(), &checks, &key, "mia", "password", "c", 100)
            .await
            .unwrap();
        assert!(matches!(outcome, SignIn::Busy { .. }), "{outcome:?}");
        // Nothing was counted: five more attempts are still allowed.
        drop(held);
        for _ in 0..MAX_ATTEMPTS {
            let outcome = sign_in(store.as_ref(), &checks, &key, "mia", "password", "c", 101)
                .await
                .unwrap();
            assert!(matches!(outcome, SignIn::Refused), "{outcome:?}");
        }
        let outcome = sign_in(store.as_ref(), &checks, &key, "mia", "password", "c", 102)
            .await
            .unwrap();
        assert!(matches!(outcome, SignIn::Throttled { .. }), "{outcome:?}");
    }

    #[tokio::test]
    async fn checks_never_run_more_at_once_than_allowed() {
        let checks = PasswordChecks::new(3);
        assert_eq!(checks.permits.available_permits(), 3);
        let zero = PasswordChecks::new(0);
        assert_eq!(zero.permits.available_permits(), 1, "at least one");
    }
}
