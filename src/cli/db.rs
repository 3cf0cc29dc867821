//! `smp-guide db backup|restore|copy`.
use std::process::ExitCode;

use anyhow::Context;

use super::{DatabaseArgs, DbCommand, block_on, database_url};
use crate::store::open_store;

pub fn db(command: DbCommand) -> ExitCode {
    block_on(async move {
        let (path, db, restoring) = match command {
            DbCommand::Backup { path, db } => (path, db, false),
            DbCommand::Restore { path, db } => (path, db, true),
            DbCommand::Copy { to, db } => return copy(&db, &to).await,
        };
        let database = crate::store::database_path(&database_url(&db)?).context(
            "backup and restore work on SQLite databases (sqlite://PATH); back up \
                 PostgreSQL with pg_dump (see docs/DEPLOYMENT.md)",
        )?;
        if restoring {
            crate::store::restore(&path, &database).await?;
            println!("restored {} from {}", database.display(), path.display());
        } else {
            crate::store::backup(&database, &path).await?;
            println!("backed up {} to {}", database.display(), path.display());
        }
        Ok(())
    })
}

/// `db copy --to URL`: the whole database into a new, empty one.
async fn copy(db: &DatabaseArgs, to: &str) -> anyhow::Result<()> {
    let from = database_url(db)?;
    if from == to {
        anyhow::bail!("the source and the destination are the same database");
    }
    let shown = crate::store::shown_database_url(to);
    let source = open_store(&from).await?;
    let destination = open_store(to).await?;
    let dump = source.dump().await.context("reading the source database")?;
    destination
        .load(&dump)
        .await
        .with_context(|| format!("copying into {shown}"))?;
    println!(
        "copied {} comment(s), {} audit event(s), {} moderator(s) and {} request(s) for email \
         to {shown}",
        dump.comments.len(),
        dump.events.len(),
        dump.moderators.len(),
        dump.subscriptions.len()
    );
    Ok(())
}
