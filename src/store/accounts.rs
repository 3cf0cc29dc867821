//! Moderator accounts, their sessions, and failed sign-ins for throttling.
use sqlx::AssertSqlSafe;

use super::{SqlStore, StoreFuture};

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

impl AccountStore for SqlStore {
    fn upsert_moderator<'a>(
        &'a self,
        username: &'a str,
        password_hash: &'a str,
        at: i64,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut tx = self.begin_write("starting an account change").await?;
            let updated =
                sqlx::query("UPDATE moderators SET password_hash = $1 WHERE username = $2")
                    .bind(password_hash)
                    .bind(username)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.error("resetting a password"))?
                    .rows_affected();
            if updated == 0 {
                sqlx::query(
                    "INSERT INTO moderators (username, password_hash, created_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(username)
                .bind(password_hash)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(self.error("creating a moderator"))?;
            } else {
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
            tx.commit()
                .await
                .map_err(self.error("saving a moderator"))?;
            Ok(updated == 0)
        })
    }

    fn moderators(&self) -> StoreFuture<'_, Vec<ModeratorInfo>> {
        Box::pin(async move {
            let found: Vec<(String, i64)> =
                sqlx::query_as("SELECT username, created_at FROM moderators ORDER BY username")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(self.error("listing moderators"))?;
            Ok(found
                .into_iter()
                .map(|(username, created_at)| ModeratorInfo {
                    username,
                    created_at,
                })
                .collect())
        })
    }

    fn remove_moderator<'a>(&'a self, username: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            // Sessions go with the account (ON DELETE CASCADE).
            let done = sqlx::query("DELETE FROM moderators WHERE username = $1")
                .bind(username)
                .execute(&self.pool)
                .await
                .map_err(self.error("removing a moderator"))?;
            Ok(done.rows_affected() > 0)
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
            let found: Option<(i64, String, String, i64)> = sqlx::query_as(
                "SELECT s.moderator_id, m.username, s.csrf_token, s.last_seen_at \
                 FROM sessions s JOIN moderators m ON m.id = s.moderator_id \
                 WHERE s.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error("reading a session"))?;
            Ok(found.map(
                |(moderator_id, username, csrf_token, last_seen_at)| Session {
                    moderator_id,
                    username,
                    csrf_token,
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

    fn delete_idle_sessions(&self, before: i64) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await
                .map_err(self.error("ending idle sessions"))?;
            Ok(done.rows_affected())
        })
    }

    fn record_login_failure<'a>(
        &'a self,
        username: &'a str,
        client_hash: &'a str,
        at: i64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO login_failures (username, client_hash, at) VALUES ($1, $2, $3)",
            )
            .bind(username)
            .bind(client_hash)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(self.error("recording a failed sign-in"))?;
            Ok(())
        })
    }

    fn login_failures<'a>(
        &'a self,
        username: &'a str,
        client_hash: &'a str,
        since: i64,
    ) -> StoreFuture<'a, (i64, Option<i64>)> {
        Box::pin(async move {
            sqlx::query_as(
                "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures \
                 WHERE username = $1 AND client_hash = $2 AND at >= $3",
            )
            .bind(username)
            .bind(client_hash)
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err(self.error("counting failed sign-ins"))
        })
    }

    fn clear_login_failures<'a>(
        &'a self,
        username: &'a str,
        client_hash: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("DELETE FROM login_failures WHERE username = $1 AND client_hash = $2")
                .bind(username)
                .bind(client_hash)
                .execute(&self.pool)
                .await
                .map_err(self.error("clearing failed sign-ins"))?;
            Ok(())
        })
    }
}
