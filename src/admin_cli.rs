//! The operator's commands: `moderator add|list|remove`, `comments export|erase` and
//! `db backup|restore|copy`.
use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use crate::admin::passwords;
use crate::cli::{CommentsCommand, DatabaseArgs, DbCommand, ExportFormat, ModeratorCommand};
use crate::clock::rfc3339;
use crate::comments::{Comment, Event, Status, Store, open_store};
use crate::config::{Config, ServeOverrides};

pub fn moderator(command: ModeratorCommand) -> ExitCode {
    run(async move {
        match command {
            ModeratorCommand::Add {
                username,
                password_stdin: _,
                db,
            } => {
                let username = username.trim().to_owned();
                if username.is_empty()
                    || username.chars().count() > 64
                    || username.chars().any(char::is_control)
                {
                    anyhow::bail!("the username must be 1 to 64 printable characters");
                }
                let mut password = String::new();
                std::io::stdin()
                    .read_to_string(&mut password)
                    .context("reading the password from standard input")?;
                let password = password.trim_end_matches(['\r', '\n']).to_owned();
                passwords::check_strength(&password).map_err(|e| anyhow::anyhow!(e))?;
                let hash = tokio::task::spawn_blocking(move || passwords::hash_password(&password))
                    .await??;
                let store = open(&db).await?;
                let created = store
                    .upsert_moderator(&username, &hash, crate::clock::now())
                    .await?;
                println!(
                    "{} moderator {username}",
                    if created {
                        "created"
                    } else {
                        "reset the password of"
                    }
                );
            }
            ModeratorCommand::List { db } => {
                for m in open(&db).await?.moderators().await? {
                    println!(
                        "{}\tsince {}",
                        m.username,
                        crate::admin::timestamp(m.created_at)
                    );
                }
            }
            ModeratorCommand::Remove { username, db } => {
                if !open(&db).await?.remove_moderator(&username).await? {
                    anyhow::bail!("there is no moderator called {username}");
                }
                println!("removed moderator {username}");
            }
        }
        Ok(())
    })
}

pub fn comments(command: CommentsCommand) -> ExitCode {
    run(async move {
        match command {
            CommentsCommand::Export {
                status,
                email,
                format,
                db,
            } => {
                let status = match status.as_deref() {
                    None => None,
                    Some(text) => Some(Status::parse(text).with_context(|| {
                        format!("unknown status {text:?}: use pending, approved, spam or trash")
                    })?),
                };
                let store = open(&db).await?;
                let comments = store.export(status, email.as_deref()).await?;
                let ids: Vec<i64> = comments.iter().map(|c| c.id).collect();
                let events = store.events(&ids).await?;
                let mut out = std::io::stdout().lock();
                match format {
                    ExportFormat::Json => write_json(&mut out, &comments, &events)?,
                    ExportFormat::Csv => write_csv(&mut out, &comments)?,
                }
                out.flush()?;
            }
            CommentsCommand::Erase { email, db } => {
                let store = open(&db).await?;
                let erased = store
                    .erase_email(email.trim(), "command line", crate::clock::now())
                    .await?;
                println!("erased {erased} comment(s)");
            }
        }
        Ok(())
    })
}

pub fn db(command: DbCommand) -> ExitCode {
    run(async move {
        let (path, db, restoring) = match command {
            DbCommand::Backup { path, db } => (path, db, false),
            DbCommand::Restore { path, db } => (path, db, true),
            DbCommand::Copy { to, db } => return copy(&db, &to).await,
        };
        let database = crate::comments::database_path(&database_url(&db)?).context(
            "backup and restore work on SQLite databases (sqlite://PATH); back up \
                 PostgreSQL with pg_dump (see docs/DEPLOYMENT.md)",
        )?;
        if restoring {
            crate::comments::restore(&path, &database).await?;
            println!("restored {} from {}", database.display(), path.display());
        } else {
            crate::comments::backup(&database, &path).await?;
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
    let shown = crate::comments::shown_database_url(to);
    let source = open_store(&from).await?;
    let destination = open_store(to).await?;
    let dump = source.dump().await.context("reading the source database")?;
    destination
        .load(&dump)
        .await
        .with_context(|| format!("copying into {shown}"))?;
    println!(
        "copied {} comment(s), {} audit event(s) and {} moderator(s) to {shown}",
        dump.comments.len(),
        dump.events.len(),
        dump.moderators.len()
    );
    Ok(())
}

fn run(work: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("smp-guide: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("smp-guide: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The database URL as `serve` would resolve it: flag, environment, config file, default.
fn database_url(db: &DatabaseArgs) -> anyhow::Result<String> {
    let overrides = ServeOverrides {
        database: db.database.clone(),
        ..ServeOverrides::default()
    };
    Ok(Config::load(db.config.as_deref(), overrides)?.database)
}

async fn open(db: &DatabaseArgs) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    open_store(&database_url(db)?).await
}

/// A comment as exported: every stored field, with times in RFC 3339.
#[derive(Serialize)]
struct Exported<'a> {
    id: i64,
    section: &'a str,
    parent_id: Option<i64>,
    author: &'a str,
    email: &'a str,
    url: Option<&'a str>,
    text: &'a str,
    status: &'a str,
    created_at: String,
    client_hash: Option<&'a str>,
    user_agent: Option<&'a str>,
    flag_reason: Option<&'a str>,
    editorial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit_trail: Option<Vec<ExportedEvent<'a>>>,
}

#[derive(Serialize)]
struct ExportedEvent<'a> {
    action: &'a str,
    moderator: &'a str,
    at: String,
}

fn exported<'a>(c: &'a Comment, events: Option<&'a [Event]>) -> Exported<'a> {
    Exported {
        id: c.id,
        section: &c.section,
        parent_id: c.parent_id,
        author: &c.author,
        email: &c.email,
        url: c.url.as_deref(),
        text: &c.body,
        status: c.status.as_str(),
        created_at: rfc3339(c.created_at),
        client_hash: c.client_hash.as_deref(),
        user_agent: c.user_agent.as_deref(),
        flag_reason: c.flag_reason.as_deref(),
        editorial: c.editorial,
        audit_trail: events.map(|events| {
            events
                .iter()
                .filter(|e| e.comment_id == c.id)
                .map(|e| ExportedEvent {
                    action: &e.action,
                    moderator: &e.moderator,
                    at: rfc3339(e.at),
                })
                .collect()
        }),
    }
}

fn write_json(out: &mut impl Write, comments: &[Comment], events: &[Event]) -> anyhow::Result<()> {
    let list: Vec<Exported<'_>> = comments.iter().map(|c| exported(c, Some(events))).collect();
    serde_json::to_writer_pretty(&mut *out, &list)?;
    writeln!(out)?;
    Ok(())
}

fn write_csv(out: &mut impl Write, comments: &[Comment]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    for comment in comments {
        writer.serialize(exported(comment, None))?;
    }
    if comments.is_empty() {
        writer.write_record([
            "id",
            "section",
            "parent_id",
            "author",
            "email",
            "url",
            "text",
            "status",
            "created_at",
            "client_hash",
            "user_agent",
            "flag_reason",
            "editorial",
        ])?;
    }
    writer.flush()?;
    Ok(())
}
