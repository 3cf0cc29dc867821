//! Accounts (moderators and editors), their sessions, and sign-in attempts for throttling.
use sqlx::AssertSqlSafe;

use super::{SqlStore, StoreFuture};

/// What an account may do. An account has one role or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reviews readers' comments: the queue, its actions, answers.
    Moderator,
    /// Edits the guide: the preview of every page (drafts included) and content problems.
    Editor,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Moderator, Role::Editor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Editor => "editor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// The stored form of a set of roles: space-separated, in a fixed order.
    pub fn join(roles: &[Role]) -> String {
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The roles in their stored form; unknown words are ignored.
    pub fn split(stored: &str) -> Vec<Role> {
        let mut roles: Vec<Role> = stored.split_whitespace().filter_map(Role::parse).collect();
        roles.sort();
        roles.dedup();
        roles
    }
}

/// An account as listed by `smp-guide moderator list` and `editor list`.
#[derive(Debug, Clone)]
pub struct AccountInfo {
    pub username: String,
    pub roles: Vec<Role>,
    pub created_at: i64,
}

/// A signed-in account's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub moderator_id: i64,
    pub username: String,
    /// Read with the session, so that a role taken away counts at once.
    pub roles: Vec<Role>,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// What [`AccountStore::reserve_sign_in`] came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Recorded; check the password. `attempt` identifies the record.
    Granted { attempt: i64 },
    /// Too many recent attempts; the oldest of them was made at `oldest`.
    Throttled { oldest: i64 },
}

/// Moderator accounts, sessions and sign-in throttling.
pub trait AccountStore: Send + Sync {
    /// Creates the account with `role`, or resets its password (which ends its sessions)
    /// and adds `role` to the ones it has. Returns true when it was created.
    fn upsert_account<'a>(
        &'a self,
        username: &'a str,
        password_hash: &'a str,
        role: Role,
        at: i64,
    ) -> StoreFuture<'a, bool>;
    /// Every account, by username.
    fn accounts(&self) -> StoreFuture<'_, Vec<AccountInfo>>;
    /// Takes `role` from the account; an account left with no role is removed, with its
    /// sessions. Returns false when there was no such account with that role.
    fn remove_role<'a>(&'a self, username: &'a str, role: Role) -> StoreFuture<'a, bool>;
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
    /// Removes sessions idle since before `idle_before`, or started before `started_before`.
    fn delete_old_sessions(&self, idle_before: i64, started_before: i64) -> StoreFuture<'_, u64>;
    /// Records a sign-in attempt for this (hashed) account key and client before the
    /// password is checked, unless `max` attempts were recorded since `since`: then it
    /// records nothing and says when the oldest of them happened. Count and record are
    /// one atomic step, so that concurrent guesses cannot pass the limit together.
    fn reserve_sign_in<'a>(
        &'a self,
        key_hash: &'a str,
        client_hash: &'a str,
        since: i64,
        max: i64,
        at: i64,
    ) -> StoreFuture<'a, Reservation>;
    /// Forgets a reserved attempt whose password was never checked (the server was busy).
    fn release_sign_in(&self, attempt: i64) -> StoreFuture<'_, ()>;
    /// Forgets every attempt for this key and client: after a successful sign-in.
    fn clear_sign_ins<'a>(&'a self, key_hash: &'a str, client_hash: &'a str)
    -> StoreFuture<'a, ()>;
    /// Removes attempts made before `before`, once they no longer count. Returns how many.
    fn prune_sign_ins(&self, before: i64) -> StoreFuture<'_, u64>;
}

impl AccountStore for SqlStore {
    fn upsert_account<'a>(
        &'a self,
        username: &'a str,
        password_hash: &'a str,
        role: Role,
        at: i64,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting an account change").await?;
            let existing: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT roles FROM moderators WHERE username = $1{}",
                self.dialect.for_update()
            )))
            .bind(username)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.error("reading an account"))?;
            match &existing {
                None => {
                    sqlx::query(
                        "INSERT INTO moderators (username, password_hash, created_at, roles) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(username)
                    .bind(password_hash)
                    .bind(at)
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("creating an account"))?;
                }
                Some(roles) => {
                    let mut roles = Role::split(roles);
                    roles.push(role);
                    sqlx::query(
                        "UPDATE moderators SET password_hash = $1, roles = $2 WHERE username = $3",
                    )
                    .bind(password_hash)
                    .bind(Role::join(&roles))
                    .bind(username)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("resetting a password"))?;
                    // A new password signs the account out everywhere.
                    sqlx::query(
                        "DELETE FROM sessions WHERE moderator_id = \
                         (SELECT id FROM moderators WHERE username = $1)",
                    )
                    .bind(username)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("ending old sessions"))?;
                }
            }
            tx.commit().await.map_err(self.error("saving an account"))?;
            Ok(existing.is_none())
        })
    }

    fn accounts(&self) -> StoreFuture<'_, Vec<AccountInfo>> {
        Box::pin(async move {
            let found: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT username, roles, created_at FROM moderators ORDER BY username",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(self.error("listing accounts"))?;
            Ok(found
                .into_iter()
                .map(|(username, roles, created_at)| AccountInfo {
                    username,
                    roles: Role::split(&roles),
                    created_at,
                })
                .collect())
        })
    }

    fn remove_role<'a>(&'a self, username: &'a str, role: Role) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting an account change").await?;
            let existing: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT roles FROM moderators WHERE username = $1{}",
                self.dialect.for_update()
            )))
            .bind(username)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.error("reading an account"))?;
            let Some(roles) = existing
                .map(|r| Role::split(&r))
                .filter(|r| r.contains(&role))
            else {
                return Ok(false);
            };
            let left: Vec<Role> = roles.into_iter().filter(|r| *r != role).collect();
            if left.is_empty() {
                // Sessions go with the account (ON DELETE CASCADE).
                sqlx::query("DELETE FROM moderators WHERE username = $1")
                    .bind(username)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("removing an account"))?;
            } else {
                sqlx::query("UPDATE moderators SET roles = $1 WHERE username = $2")
                    .bind(Role::join(&left))
                    .bind(username)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("changing an account's roles"))?;
            }
            tx.commit().await.map_err(self.error("saving an account"))?;
            Ok(true)
        })
    }

    fn credentials<'a>(&'a self, username: &'a str) -> StoreFuture<'a, Option<(i64, String)>> {
        Box::pin(async move {
            sqlx::query_as("SELECT id, password_hash FROM moderators WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await
                .map_err(self.error("reading an account"))
        })
    }

    fn create_session<'a>(
        &'a self,
        token_hash: &'a str,
        moderator_id: i64,
        csrf_token: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO sessions (token_hash, moderator_id, csrf_token, created_at, \
                 last_seen_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(token_hash)
            .bind(moderator_id)
            .bind(csrf_token)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(self.error("creating a session"))?;
            Ok(())
        })
    }

    fn session<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, Option<Session>> {
        Box::pin(async move {
            let found: Option<(i64, String, String, String, i64, i64)> = sqlx::query_as(
                "SELECT s.moderator_id, m.username, m.roles, s.csrf_token, s.created_at, \
                 s.last_seen_at \
                 FROM sessions s JOIN moderators m ON m.id = s.moderator_id \
                 WHERE s.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("reading a session"))?;
            Ok(found.map(
                |(moderator_id, username, roles, csrf_token, created_at, last_seen_at)| Session {
                    moderator_id,
                    username,
                    roles: Role::split(&roles),
                    csrf_token,
                    created_at,
                    last_seen_at,
                },
            ))
        })
    }

    fn touch_session<'a>(&'a self, token_hash: &'a str, at: i64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            // Never backwards: two instances may touch the same session out of order.
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE sessions SET last_seen_at = {}(last_seen_at, $1) WHERE token_hash = $2",
                self.dialect.greatest()
            )))
            .bind(at)
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(self.error("touching a session"))?;
            Ok(())
        })
    }

    fn delete_session<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&self.pool)
                .await
                .map_err(self.error("ending a session"))?;
            Ok(())
        })
    }

    fn delete_old_sessions(&self, idle_before: i64, started_before: i64) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let done =
                sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                    .bind(idle_before)
                    .bind(started_before)
                    .execute(&self.pool)
                    .await
                    .map_err(self.error("ending idle sessions"))?;
            Ok(done.rows_affected())
        })
    }

    fn reserve_sign_in<'a>(
        &'a self,
        key_hash: &'a str,
        client_hash: &'a str,
        since: i64,
        max: i64,
        at: i64,
    ) -> StoreFuture<'a, Reservation> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting a sign-in").await?;
            if let Some(lock) = self.dialect.lock_key() {
                sqlx::query(lock)
                    .bind(format!("sign-in\n{key_hash}\n{client_hash}"))
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("ordering sign-in attempts"))?;
            }
            let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM sign_in_attempts \
                 WHERE key_hash = $1 AND client_hash = $2 AND at >= $3",
            )
            .bind(key_hash)
            .bind(client_hash)
            .bind(since)
            .fetch_one(&mut *tx)
            .await
            .map_err(self.error("counting sign-in attempts"))?;
            if count >= max {
                return Ok(Reservation::Throttled {
                    oldest: oldest.unwrap_or(at),
                });
            }
            let attempt: i64 = sqlx::query_scalar(
                "INSERT INTO sign_in_attempts (key_hash, client_hash, at) VALUES ($1, $2, $3) \
                 RETURNING id",
            )
            .bind(key_hash)
            .bind(client_hash)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(self.error("recording a sign-in attempt"))?;
            tx.commit()
                .await
                .map_err(self.error("saving a sign-in attempt"))?;
            Ok(Reservation::Granted { attempt })
        })
    }

    fn release_sign_in(&self, attempt: i64) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query("DELETE FROM sign_in_attempts WHERE id = $1")
                .bind(attempt)
                .execute(&self.pool)
                .await
                .map_err(self.error("releasing a sign-in attempt"))?;
            Ok(())
        })
    }

    fn clear_sign_ins<'a>(
        &'a self,
        key_hash: &'a str,
        client_hash: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("DELETE FROM sign_in_attempts WHERE key_hash = $1 AND client_hash = $2")
                .bind(key_hash)
                .bind(client_hash)
                .execute(&self.pool)
                .await
                .map_err(self.error("clearing sign-in attempts"))?;
            Ok(())
        })
    }

    fn prune_sign_ins(&self, before: i64) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1")
                .bind(before)
                .execute(&self.pool)
                .await
                .map_err(self.error("pruning sign-in attempts"))?;
            Ok(done.rows_affected())
        })
    }
}
