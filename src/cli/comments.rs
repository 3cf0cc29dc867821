//! `smp-guide comments export|erase`: a person's data on request, or everything for the
//! operator's own records.
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use super::{CommentsCommand, ExportFormat, block_on, open};
use crate::clock::rfc3339;
use crate::store::{Comment, Event, Status};

pub fn comments(command: CommentsCommand) -> ExitCode {
    block_on(async move {
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
                let erased = crate::comments::erase(
                    store.as_ref(),
                    email.trim(),
                    "command line",
                    crate::clock::now(),
                )
                .await?;
                println!("erased {erased} comment(s)");
            }
        }
        Ok(())
    })
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
