//! Moderator accounts, sessions and sign-in failures.
use sqlx::Row;

use super::{SqliteStore, store_error};
use crate::comments::store::{ModeratorInfo, Session, StoreError};

type Result<T> = std::result::Result<T, StoreError>;

impl SqliteStore {
    pub(super) async fn save_moderator(
        &self,
        username: &str,
        password_hash: &str,
        at: i64,
    ) -> Result<bool> {
        let mut tx = self
            .pool
            .begin_with(super::BEGIN_WRITE)
            .await
            .map_err(store_error("starting an account change"))?;
        let updated = sqlx::query("UPDATE moderators SET password_hash = ? WHERE username = ?")
            .bind(password_hash)
            .bind(username)
            .execute(&mut *tx)
            .await
            .map_err(store_error("resetting a password"))?
            .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO moderators (username, password_hash, created_at) VALUES (?, ?, ?)",
            )
            .bind(username)
            .bind(password_hash)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(store_error("creating a moderator"))?;
        } else {
            // A new password signs the account out everywhere.
            sqlx::query("DELETE FROM sessions WHERE moderator_id = (SELECT id FROM moderators WHERE username = ?)")
                .bind(username)
                .execute(&mut *tx)
                .await
                .map_err(store_error("ending old sessions"))?;
        }
        tx.commit()
            .await
            .map_err(store_error("saving a moderator"))?;
        Ok(updated == 0)
    }

    pub(super) async fn list_moderators(&self) -> Result<Vec<ModeratorInfo>> {
        let rows = sqlx::query("SELECT username, created_at FROM moderators ORDER BY username")
            .fetch_all(&self.pool)
            .await
            .map_err(store_error("listing moderators"))?;
        Ok(rows
            .iter()
            .map(|r| ModeratorInfo {
                username: r.get("username"),
                created_at: r.get("created_at"),
            })
            .collect())
    }

    pub(super) async fn delete_moderator(&self, username: &str) -> Result<bool> {
        // Sessions go with the account (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM moderators WHERE username = ?")
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(store_error("removing a moderator"))?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn find_credentials(&self, username: &str) -> Result<Option<(i64, String)>> {
        let row = sqlx::query("SELECT id, password_hash FROM moderators WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error("reading an account"))?;
        Ok(row.map(|r| (r.get("id"), r.get("password_hash"))))
    }

    pub(super) async fn insert_session(
        &self,
        token_hash: &str,
        moderator_id: i64,
        csrf: &str,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, moderator_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(moderator_id)
        .bind(csrf)
        .bind(at)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(store_error("creating a session"))?;
        Ok(())
    }

    pub(super) async fn find_session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.moderator_id, m.username, s.csrf_token, s.last_seen_at FROM sessions s \
             JOIN moderators m ON m.id = s.moderator_id WHERE s.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error("reading a session"))?;
        Ok(row.map(|r| Session {
            moderator_id: r.get("moderator_id"),
            username: r.get("username"),
            csrf_token: r.get("csrf_token"),
            last_seen_at: r.get("last_seen_at"),
        }))
    }

    pub(super) async fn mark_session_seen(&self, token_hash: &str, at: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE token_hash = ?")
            .bind(at)
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(store_error("touching a session"))?;
        Ok(())
    }

    pub(super) async fn remove_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(store_error("ending a session"))?;
        Ok(())
    }

    pub(super) async fn remove_idle_sessions(&self, before: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < ?")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(store_error("ending idle sessions"))?;
        Ok(done.rows_affected())
    }

    pub(super) async fn insert_login_failure(
        &self,
        username: &str,
        client_hash: &str,
        at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (username, client_hash, at) VALUES (?, ?, ?)")
            .bind(username)
            .bind(client_hash)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(store_error("recording a failed sign-in"))?;
        Ok(())
    }

    pub(super) async fn count_login_failures(
        &self,
        username: &str,
        client_hash: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE username = ? AND client_hash = ? AND at >= ?",
        )
        .bind(username)
        .bind(client_hash)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error("counting failed sign-ins"))?;
        Ok((row.get("n"), row.get("oldest")))
    }

    pub(super) async fn remove_login_failures(
        &self,
        username: &str,
        client_hash: &str,
    ) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE username = ? AND client_hash = ?")
            .bind(username)
            .bind(client_hash)
            .execute(&self.pool)
            .await
            .map_err(store_error("clearing failed sign-ins"))?;
        Ok(())
    }
}
