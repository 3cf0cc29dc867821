//! Operator tasks on the SQLite file: online backup, restore, and the lock that tells
//! them whether a server is running on it.
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sqlx::Connection;
use sqlx::sqlite::SqliteConnection;

/// The path of the database file named by `sqlite://PATH` (without query options).
pub fn database_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://")?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty()).then(|| PathBuf::from(path))
}

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Held by a running server for as long as it runs; `restore` refuses while it is held.
#[derive(Debug)]
pub struct ServerLock {
    _file: File,
}

impl ServerLock {
    /// Takes the lock, or explains which other process holds it.
    pub fn acquire(database: &Path) -> anyhow::Result<Self> {
        let path = lock_path(database);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot create the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another smp-guide server is already running on {} (its lock {} is held)",
                database.display(),
                path.display()
            ),
            Err(std::fs::TryLockError::Error(err)) => {
                Err(err).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
    }
}

/// Writes a consistent copy of the live database to `destination` (SQLite's
/// `VACUUM INTO`), while servers keep reading and writing.
pub async fn backup(database: &Path, destination: &Path) -> anyhow::Result<()> {
    if destination.exists() {
        bail!(
            "{} already exists: choose a new file name for the backup",
            destination.display()
        );
    }
    if !database.exists() {
        bail!("there is no database at {}", database.display());
    }
    let mut connection = SqliteConnection::connect(&format!("sqlite://{}", database.display()))
        .await
        .with_context(|| format!("cannot open {}", database.display()))?;
    let target = destination
        .to_str()
        .context("the backup path must be valid UTF-8")?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&mut connection)
        .await
        .with_context(|| format!("cannot write the backup {}", destination.display()))?;
    connection.close().await.ok();
    check_integrity(destination).await
}

/// Replaces the database with a backup. Refuses while a server runs on it.
pub async fn restore(source: &Path, database: &Path) -> anyhow::Result<()> {
    let _lock = ServerLock::acquire(database)
        .context("refusing to restore while the server is running: stop it first")?;
    check_integrity(source)
        .await
        .with_context(|| format!("{} is not a sound smp-guide backup", source.display()))?;
    let staging = database.with_extension("restoring");
    std::fs::copy(source, &staging).with_context(|| format!("cannot copy {}", source.display()))?;
    File::open(&staging)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let mut side = database.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            std::fs::remove_file(&side)
                .with_context(|| format!("cannot remove {}", side.display()))?;
        }
    }
    std::fs::rename(&staging, database)
        .with_context(|| format!("cannot replace {}", database.display()))?;
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// `PRAGMA integrity_check` must say `ok`, and the file must hold our comments table.
async fn check_integrity(path: &Path) -> anyhow::Result<()> {
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut connection = SqliteConnection::connect(&url)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await?;
    if verdict != "ok" {
        bail!("integrity check of {} failed: {verdict}", path.display());
    }
    let has_comments: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'comments'",
    )
    .fetch_optional(&mut connection)
    .await?;
    if has_comments.is_none() {
        bail!(
            "{} is an SQLite file but not an smp-guide database",
            path.display()
        );
    }
    connection.close().await.ok();
    Ok(())
}
