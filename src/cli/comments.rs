//! `smp-guide comments export|erase`: a person's data on request, or everything for the
//! operator's own records.
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use super::{CommentsCommand, ExportFormat, block_on, open};
use crate::clock::rfc3339;
use crate::store::{Comment, Event, Status, SubscriberData};

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
                // A person's export also says what email they asked for and were sent.
                let notifications = match email.as_deref() {
                    Some(email) => Some(store.subscriber_data(email).await?),
                    None => None,
                };
                let mut out = std::io::stdout().lock();
                match format {
                    ExportFormat::Json => {
                        write_json(&mut out, &comments, &events, notifications.as_ref())?;
                    }
                    ExportFormat::Csv => write_csv(&mut out, &comments)?,
                }
                out.flush()?;
            }
            CommentsCommand::Erase { email, db } => {
                if email.trim().is_empty() {
                    anyhow::bail!(
                        "give the email address whose comments should be erased \
                         (--email was empty)"
                    );
                }
                let store = open(&db).await?;
                let erased = crate::comments::erase(
                    store.as_ref(),
                    email.trim(),
                    "command line",
                    crate::clock::now(),
                )
                .await?;
                println!(
                    "erased {erased} comment(s), with every request for email and every \
                     queued or sent email of that address"
                );
            }
        }
        Ok(())
    })
}

/// A copy of the comment whose text cells a spreadsheet will not run as formulas: a cell
/// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
/// (OWASP's advice for CSV injection). A reader's `=HYPERLINK(...)` stays readable text.
fn spreadsheet_safe(c: &Comment) -> Comment {
    let cell = |text: &str| {
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{text}")
        } else {
            text.to_owned()
        }
    };
    let optional = |text: &Option<String>| text.as_deref().map(cell);
    Comment {
        section: cell(&c.section),
        author: cell(&c.author),
        email: cell(&c.email),
        url: optional(&c.url),
        body: cell(&c.body),
        client_hash: optional(&c.client_hash),
        user_agent: optional(&c.user_agent),
        flag_reason: optional(&c.flag_reason),
        ..c.clone()
    }
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
    /// In an export for one address: the email asked for about this comment, and the
    /// emails queued or sent about it (kept two days after they finish).
    #[serde(skip_serializing_if = "Option::is_none")]
    notifications: Option<ExportedNotifications>,
}

#[derive(Serialize)]
struct ExportedNotifications {
    /// `None` when no email is (or is any longer) asked for.
    subscription: Option<ExportedSubscription>,
    emails: Vec<ExportedMail>,
}

#[derive(Serialize)]
struct ExportedSubscription {
    published_or_answered: bool,
    new_replies: bool,
    asked_at: String,
    confirmed_at: Option<String>,
}

#[derive(Serialize)]
struct ExportedMail {
    kind: &'static str,
    state: String,
    queued_at: String,
    finished_at: Option<String>,
}

/// What `data` holds about comment `id`, if anything.
fn notifications_of(data: &SubscriberData, id: i64) -> Option<ExportedNotifications> {
    let subscription = data
        .subscriptions
        .iter()
        .find(|s| s.comment_id == id)
        .map(|s| ExportedSubscription {
            published_or_answered: s.request.published,
            new_replies: s.request.replies,
            asked_at: rfc3339(s.created_at),
            confirmed_at: s.confirmed_at.map(rfc3339),
        });
    let emails: Vec<ExportedMail> = data
        .mails
        .iter()
        .filter(|m| m.comment_id == id)
        .map(|m| ExportedMail {
            kind: m.kind.as_str(),
            state: m.state.clone(),
            queued_at: rfc3339(m.created_at),
            finished_at: m.finished_at.map(rfc3339),
        })
        .collect();
    (subscription.is_some() || !emails.is_empty()).then_some(ExportedNotifications {
        subscription,
        emails,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Status;

    #[test]
    fn csv_cells_cannot_become_formulas() {
        let comment = Comment {
            id: 1,
            section: "risks".into(),
            parent_id: None,
            author: "=HYPERLINK(\"http://evil.example\",\"click\")".into(),
            email: "@a@example.com".into(),
            url: Some("+1".into()),
            body: "-2+3".into(),
            status: Status::Pending,
            created_at: 0,
            client_hash: None,
            user_agent: Some("\tagent".into()),
            flag_reason: Some("\rreason".into()),
            editorial: false,
        };
        let mut out = Vec::new();
        write_csv(&mut out, &[comment]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let row = text.lines().nth(1).unwrap();
        for cell in ["'=HYPERLINK", "'@a@example.com", "'+1", "'-2+3", "'\tagent"] {
            assert!(row.contains(cell), "{cell} in {row}");
        }
        assert!(text.contains("'\rreason"), "{text}");
        // Plain text is left alone.
        let plain = spreadsheet_safe(&Comment {
            body: "Thanks = great".into(),
            ..spreadsheet_safe_example()
        });
        assert_eq!(plain.body, "Thanks = great");
    }

    fn spreadsheet_safe_example() -> Comment {
        Comment {
            id: 2,
            section: "faq".into(),
            parent_id: None,
            author: "Ann".into(),
            email: "ann@example.com".into(),
            url: None,
            body: String::new(),
            status: Status::Approved,
            created_at: 0,
            client_hash: None,
            user_agent: None,
            flag_reason: None,
            editorial: false,
        }
    }
}

#[derive(Serialize)]
struct ExportedEvent<'a> {
    action: &'a str,
    moderator: &'a str,
    at: String,
}

fn exported<'a>(
    c: &'a Comment,
    events: Option<&'a [Event]>,
    notifications: Option<&SubscriberData>,
) -> Exported<'a> {
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
        notifications: notifications.and_then(|data| notifications_of(data, c.id)),
    }
}

fn write_json(
    out: &mut impl Write,
    comments: &[Comment],
    events: &[Event],
    notifications: Option<&SubscriberData>,
) -> anyhow::Result<()> {
    let list: Vec<Exported<'_>> = comments
        .iter()
        .map(|c| exported(c, Some(events), notifications))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &list)?;
    writeln!(out)?;
    Ok(())
}

fn write_csv(out: &mut impl Write, comments: &[Comment]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    for comment in comments {
        writer.serialize(exported(&spreadsheet_safe(comment), None, None))?;
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
