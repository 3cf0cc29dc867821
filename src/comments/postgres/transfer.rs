//! Whole-database copies (`smp-guide db copy`), to or from this backend.
use sqlx::AssertSqlSafe;

use super::{PostgresStore, store_error};
use crate::comments::sql::{self, COLUMNS, not_empty};
use crate::comments::store::{Dump, StoreError};

type Result<T> = std::result::Result<T, StoreError>;

impl PostgresStore {
    pub(super) async fn dump_all(&self) -> Result<Dump> {
        // REPEATABLE READ: every table read from one snapshot, while instances keep writing.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(store_error("starting a copy"))?;
        let dump = sql::read_dump::<sqlx::Postgres>(&mut tx)
            .await
            .map_err(store_error("reading the database for a copy"))?;
        tx.commit().await.map_err(store_error("ending a copy"))?;
        Ok(dump)
    }

    pub(super) async fn load_all(&self, dump: &Dump) -> Result<()> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(store_error("starting a copy"))?;
        // No instance may write while the copy goes in.
        sqlx::query("LOCK TABLE comments, moderators IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(store_error("locking the destination"))?;
        let (comments, moderators): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM comments), (SELECT COUNT(*) FROM moderators)",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error("checking the destination"))?;
        if comments + moderators > 0 {
            return Err(not_empty(comments, moderators));
        }
        for m in &dump.moderators {
            sqlx::query(
                "INSERT INTO moderators (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(m.id)
            .bind(&m.username)
            .bind(&m.password_hash)
            .bind(m.created_at)
            .execute(&mut *tx)
            .await
            .map_err(store_error("copying a moderator"))?;
        }
        for (name, value) in &dump.secrets {
            sqlx::query(
                "INSERT INTO secrets (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .bind(name)
            .bind(value)
            .execute(&mut *tx)
            .await
            .map_err(store_error("copying a secret"))?;
        }
        for c in &dump.comments {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO comments ({COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            )))
            .bind(c.id)
            .bind(&c.section)
            .bind(c.parent_id)
            .bind(&c.author)
            .bind(&c.email)
            .bind(&c.url)
            .bind(&c.body)
            .bind(c.status.as_str())
            .bind(c.created_at)
            .bind(&c.client_hash)
            .bind(&c.user_agent)
            .bind(&c.flag_reason)
            .bind(c.editorial)
            .execute(&mut *tx)
            .await
            .map_err(store_error("copying a comment"))?;
        }
        for e in &dump.events {
            sqlx::query(
                "INSERT INTO comment_events (comment_id, action, moderator, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(e.comment_id)
            .bind(&e.action)
            .bind(&e.moderator)
            .bind(e.at)
            .execute(&mut *tx)
            .await
            .map_err(store_error("copying the audit trail"))?;
        }
        // Ids were given explicitly: new rows must be numbered after the copied ones.
        for table in ["comments", "moderators"] {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )))
            .execute(&mut *tx)
            .await
            .map_err(store_error("renumbering after a copy"))?;
        }
        tx.commit().await.map_err(store_error("saving the copy"))
    }
}
