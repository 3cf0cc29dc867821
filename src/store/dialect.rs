//! Where SQLite and PostgreSQL really differ: connecting, the schema's types (one set of
//! migrations each), how a write transaction begins, row and table locks, a few function
//! names, and which errors mean "the database cannot answer now". Every query is the same
//! text on both; it asks this type for the rest.
use std::borrow::Cow;
use std::sync::Once;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, SqlSafeStr};

use super::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The migrations of each database's schema, embedded by build.rs from
/// `src/store/migrations/{sqlite,postgres}`: the same tables and columns in each one's types.
mod migrations {
    include!(concat!(env!("OUT_DIR"), "/embedded_migrations.rs"));
}

/// Connections per PostgreSQL instance. PostgreSQL's default `max_connections` is 100,
/// so this leaves room for several instances and the operator's own tools.
const POSTGRES_CONNECTIONS: u32 = 16;
/// SQLite has one writer at a time; a few connections serve the readers beside it.
const SQLITE_CONNECTIONS: u32 = 4;

/// SQLite, set on every connection: WAL so that readers never wait for the writer;
/// `synchronous=FULL` so that an acknowledged comment survives a crash or a power cut; a
/// busy timeout for concurrent writers; and foreign keys, which SQLite leaves off.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

/// SQLSTATE classes that say "the database cannot answer now", not "this query is wrong":
/// a lost or refused connection (08), a read-only standby (25), a changed password (28), a
/// missing or closed database (3D, 55), a serialization conflict or deadlock (40), full disk
/// or too many connections (53), a shutdown (57) and I/O errors (58).
const POSTGRES_UNAVAILABLE: [&str; 9] = ["08", "25", "28", "3D", "40", "53", "55", "57", "58"];

/// SQLite's primary result codes for the same: BUSY 5, LOCKED 6, READONLY 8, IOERR 10,
/// CORRUPT 11, FULL 13, CANTOPEN 14.
const SQLITE_UNAVAILABLE: [i32; 7] = [5, 6, 8, 10, 11, 13, 14];

impl Dialect {
    /// The dialect a database URL names, if it is one we support.
    pub fn of_url(url: &str) -> Option<Self> {
        match url.split_once("://")?.0 {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            _ => None,
        }
    }

    /// A pool of connections, set up for this database.
    pub(super) async fn connect(self, url: &str) -> anyhow::Result<AnyPool> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let shown = super::shown_database_url(url);
        match self {
            Dialect::Sqlite => {
                let path = super::database_path(url)
                    .with_context(|| format!("the database URL {shown} names no file"))?;
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).with_context(|| {
                        format!("cannot create the database folder {}", parent.display())
                    })?;
                }
                AnyPoolOptions::new()
                    .max_connections(SQLITE_CONNECTIONS)
                    .after_connect(|connection, _| {
                        Box::pin(async move {
                            connection.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect(&sqlite_url(url))
                    .await
                    .with_context(|| format!("cannot open the database {}", path.display()))
            }
            Dialect::Postgres => AnyPoolOptions::new()
                .max_connections(POSTGRES_CONNECTIONS)
                .acquire_timeout(Duration::from_secs(5))
                .after_connect(|connection, _| {
                    Box::pin(async move {
                        // Names our connections in pg_stat_activity, for operators.
                        connection
                            .execute("SET application_name = 'smp-guide'")
                            .await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await
                .with_context(|| format!("cannot connect to the database {shown}")),
        }
    }

    /// The migrations of this database's schema. sqlx applies those not yet applied at
    /// start; on PostgreSQL it holds an advisory lock meanwhile, so that instances
    /// starting together do not race.
    pub(super) fn migrator(self) -> Migrator {
        let migrations = match self {
            Dialect::Sqlite => migrations::SQLITE,
            Dialect::Postgres => migrations::POSTGRES,
        };
        Migrator::with_migrations(
            migrations
                .iter()
                .map(|(version, name, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*name),
                        MigrationType::Simple,
                        sql.into_sql_str(),
                        false,
                    )
                })
                .collect(),
        )
    }

    /// Whether new comments go through one writer task that commits many at once. SQLite
    /// with `synchronous=FULL` pays one fsync per transaction, so committing each comment
    /// alone caps throughput at the disk's sync rate; PostgreSQL shares WAL flushes between
    /// concurrent commits by itself.
    pub(super) fn batches_writes(self) -> bool {
        self == Dialect::Sqlite
    }

    /// How a transaction that will write begins. SQLite's default (deferred) transaction
    /// that reads first and writes later cannot wait for a concurrent writer (it answers
    /// "database is locked" at once), so it takes the write lock up front.
    pub(super) fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// How a transaction begins that must read every table from one snapshot while
    /// servers keep writing. (SQLite's WAL gives a deferred transaction one snapshot.)
    pub(super) fn begin_snapshot(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// Appended to a `SELECT` of rows that this transaction will change: two instances
    /// acting on one comment take turns, and the second sees the first one's result.
    /// SQLite's write transaction already holds the only write lock.
    pub(super) fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// Appended to a `SELECT` of rows that must not be deleted before this commits.
    pub(super) fn for_share(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR SHARE",
        }
    }

    /// A statement that makes transactions naming the same key (bound as `$1`, text) take
    /// turns until commit, for checks that no unique index can make: PostgreSQL's
    /// transaction-scoped advisory lock. SQLite's write transactions already take turns.
    pub(super) fn lock_key(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"),
        }
    }

    /// The larger of two values (`MAX(a, b)` is an aggregate in PostgreSQL).
    pub(super) fn greatest(self) -> &'static str {
        match self {
            Dialect::Sqlite => "MAX",
            Dialect::Postgres => "GREATEST",
        }
    }

    /// Run before page revisions are added. Other instances read revisions by id, newest
    /// last; a PostgreSQL sequence hands out ids before commit, so without this lock an
    /// instance could read id 11 while id 10 is still uncommitted, and skip it for good.
    /// The lock (which readers do not wait for) makes revisions commit in id order. SQLite
    /// writers already take turns.
    pub(super) fn before_revisions(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("LOCK TABLE page_revisions IN SHARE ROW EXCLUSIVE MODE"),
        }
    }

    /// Run before a copy is loaded: no instance may write while it goes in.
    pub(super) fn before_copy(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("LOCK TABLE comments, moderators IN EXCLUSIVE MODE"),
        }
    }

    /// Run after a copy is loaded: ids were given explicitly, so PostgreSQL's sequences
    /// must be moved past them (SQLite numbers after the largest id by itself).
    pub(super) fn after_copy(self) -> &'static [&'static str] {
        match self {
            Dialect::Sqlite => &[],
            Dialect::Postgres => &[
                "SELECT setval(pg_get_serial_sequence('comments', 'id'), \
                 COALESCE((SELECT MAX(id) FROM comments), 0) + 1, false)",
                "SELECT setval(pg_get_serial_sequence('moderators', 'id'), \
                 COALESCE((SELECT MAX(id) FROM moderators), 0) + 1, false)",
                "SELECT setval(pg_get_serial_sequence('mail_outbox', 'id'), \
                 COALESCE((SELECT MAX(id) FROM mail_outbox), 0) + 1, false)",
            ],
        }
    }

    /// Maps "cannot answer now" errors to [`StoreError::Unavailable`] (shown to readers as
    /// 503 with their text kept, and to a load balancer as a failing health check), and
    /// any other error to [`StoreError::Other`] with `context`.
    pub(super) fn error(self, context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |err| {
            if self.is_unavailable(&err) {
                return StoreError::Unavailable(format!("{context}: {err}"));
            }
            StoreError::Other(anyhow::Error::new(err).context(context))
        }
    }

    fn is_unavailable(self, err: &sqlx::Error) -> bool {
        match err {
            // Errors of the connection rather than of the query: unreachable, or the pool
            // is exhausted or closed.
            sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(db) => {
                let Some(code) = db.code() else {
                    return false;
                };
                match self {
                    Dialect::Sqlite => code
                        .parse::<i32>()
                        .is_ok_and(|c| SQLITE_UNAVAILABLE.contains(&(c & 0xff))),
                    Dialect::Postgres => POSTGRES_UNAVAILABLE
                        .iter()
                        .any(|class| code.starts_with(class)),
                }
            }
            _ => false,
        }
    }
}

/// The URL sqlx's SQLite driver opens: the file, created when missing unless the URL's own
/// options say otherwise (`?mode=ro` opens it read-only).
fn sqlite_url(url: &str) -> String {
    match url.split_once('?') {
        Some((_, options)) if options.split('&').any(|o| o.starts_with("mode=")) => url.to_owned(),
        Some(_) => format!("{url}&mode=rwc"),
        None => format!("{url}?mode=rwc"),
    }
}
