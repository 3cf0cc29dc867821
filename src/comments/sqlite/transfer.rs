//! Whole-database copies (`smp-guide db copy`), to or from this backend.
use sqlx::AssertSqlSafe;

use super::{BEGIN_WRITE, SqliteStore, store_error};
use crate::comments::sql::{self, COLUMNS};
use crate::comments::store::{Dump, StoreError};

type Result<T> = std::result::Result<T, StoreError>;

impl SqliteStore {
    pub(super) async fn dump_all(&self) -> Result<Dump> {
        // One read transaction: one consistent snapshot, while servers keep writing.
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(store_error("starting a copy"))?;
        let dump = sql::read_dump::<sqlx::Sqlite>(&mut tx)
            .await
            .map_err(store_error("reading the database for a copy"))?;
        tx.commit().await.map_err(store_error("ending a copy"))?;
        Ok(dump)
    }

    pub(super) async fn load_all(&self, dump: &Dump) -> Result<()> {
        let mut tx = self
            .pool
            .begin_with(BEGIN_WRITE)
            .await
            .map_err(store_error("starting a copy"))?;
        let (comments, moderators): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM comments), (SELECT COUNT(*) FROM moderators)",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error("checking the destination"))?;
        if comments + moderators > 0 {
            return Err(crate::comments::sql::not_empty(comments, moderators));
        }
        for m in &dump.moderators {
            sqlx::query(
                "INSERT INTO moderators (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)",
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
                "INSERT INTO secrets (name, value) VALUES (?, ?) \
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
                "INSERT INTO comments ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
            .bind(i64::from(c.editorial))
            .execute(&mut *tx)
            .await
            .map_err(store_error("copying a comment"))?;
        }
        for e in &dump.events {
            sqlx::query(
                "INSERT INTO comment_events (comment_id, action, moderator, at) VALUES (?, ?, ?, ?)",
            )
            .bind(e.comment_id)
            .bind(&e.action)
            .bind(&e.moderator)
            .bind(e.at)
            .execute(&mut *tx)
            .await
            .map_err(store_error("copying the audit trail"))?;
        }
        tx.commit().await.map_err(store_error("saving the copy"))
    }
}
