//! Editors and moderators: each route refused (403) to the role that should not have it,
//! and the preview's event stream, which tells an open preview that a save went live or
//! was refused.
use std::time::Duration;

use smp_guide::store::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{AdminSession, TestApp, spawn_app};

const PASSWORD: &str = "a long enough password";

/// An editor-only, a moderator-only and a two-role account, signed in.
async fn three_accounts(app: &TestApp) -> (AdminSession, AdminSession, AdminSession) {
    app.add_account("eve", PASSWORD, Role::Editor).await;
    app.add_account("mo", PASSWORD, Role::Moderator).await;
    app.add_account("both", PASSWORD, Role::Editor).await;
    app.add_account("both", PASSWORD, Role::Moderator).await;
    (
        app.login_as("eve", PASSWORD, "/admin/preview").await,
        app.login_as("mo", PASSWORD, "/admin").await,
        app.login_as("both", PASSWORD, "/admin").await,
    )
}

#[tokio::test]
async fn each_route_is_refused_to_the_role_that_should_not_have_it() {
    let app = spawn_app().await;
    let id = app.pending_comment("risks", "A question", "Ann").await;
    let (editor, moderator, both) = three_accounts(&app).await;
    let moderators_gets = [
        "/admin".to_owned(),
        "/admin/activity".to_owned(),
        format!("/admin/comments/{id}"),
        format!("/admin/comments/{id}/edit"),
        format!("/admin/comments/{id}/delete"),
        format!("/admin/comments/bulk/delete?ids={id}"),
    ];
    let editors_gets = [
        "/admin/preview",
        "/admin/preview/guide/risks",
        "/admin/preview/about",
        "/admin/preview/home",
    ];
    for path in &moderators_gets {
        assert_eq!(
            app.admin_get(&editor, path).await.status().as_u16(),
            403,
            "{path}"
        );
        // Deleting a pending comment is refused on its own terms (409): not a role matter.
        for session in [&moderator, &both] {
            let status = app.admin_get(session, path).await.status().as_u16();
            assert!(matches!(status, 200 | 409), "{path}: {status}");
        }
    }
    for path in editors_gets {
        assert_eq!(
            app.admin_get(&moderator, path).await.status().as_u16(),
            403,
            "{path}"
        );
        assert_eq!(
            app.admin_get(&editor, path).await.status().as_u16(),
            200,
            "{path}"
        );
        assert_eq!(
            app.admin_get(&both, path).await.status().as_u16(),
            200,
            "{path}"
        );
    }
    // The event stream (checked by its status line only).
    assert_eq!(stream_status(&app, &moderator).await, 403);
    assert_eq!(stream_status(&app, &editor).await, 200);
    // Moderation actions, an answer and bulk actions: moderators only.
    let posts: [(String, Vec<(&str, String)>); 6] = [
        (format!("/admin/comments/{id}/approve"), vec![]),
        (
            format!("/admin/comments/{id}/edit"),
            vec![
                ("body", "Edited.".to_owned()),
                ("reason", "a test".to_owned()),
            ],
        ),
        (
            format!("/admin/comments/{id}/delete"),
            vec![("confirm", "yes".to_owned())],
        ),
        (
            "/admin/comments/undo".to_owned(),
            vec![("action", "approve".to_owned()), ("ids", id.to_string())],
        ),
        (
            format!("/admin/comments/{id}/answer"),
            vec![("answer", "An answer.".to_owned())],
        ),
        (
            "/admin/comments/bulk".to_owned(),
            vec![("action", "spam".to_owned()), ("ids", id.to_string())],
        ),
    ];
    for (path, fields) in &posts {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = app.admin_post(&editor, path, &fields).await;
        assert_eq!(refused.status().as_u16(), 403, "{path}");
    }
    assert_eq!(
        app.rows().await[0].status,
        "pending",
        "the editor changed nothing"
    );
    let approved = app
        .admin_post(&moderator, &format!("/admin/comments/{id}/approve"), &[])
        .await;
    assert_eq!(approved.status().as_u16(), 303);
    // Everyone may sign out.
    for session in [&editor, &moderator, &both] {
        let out = app.admin_post(session, "/admin/logout", &[]).await;
        crate::helpers::assert_redirects_to(&out, "/admin/login");
    }
}

/// Sends `GET /admin/preview/events` on a raw connection; returns it and the status.
async fn open_stream(
    app: &TestApp,
    session: &AdminSession,
) -> (tokio::net::TcpStream, u16, String) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET /admin/preview/events HTTP/1.1\r\nHost: {address}\r\nCookie: {}\r\nAccept: text/event-stream\r\n\r\n",
        session.cookie
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (stream, status, head)
}

async fn stream_status(app: &TestApp, session: &AdminSession) -> u16 {
    open_stream(app, session).await.1
}

/// Reads from the stream until `needle` shows up, for at most `limit`.
async fn read_until(stream: &mut tokio::net::TcpStream, needle: &str, limit: Duration) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + limit;
    let mut buffer = [0u8; 1024];
    while !seen.contains(needle) {
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buffer))
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} within {limit:?}; got {seen:?}"))
            .unwrap();
        assert!(read > 0, "the stream ended early: {seen:?}");
        seen.push_str(&String::from_utf8_lossy(&buffer[..read]));
    }
    seen
}

#[tokio::test]
async fn an_open_preview_hears_that_a_save_went_live_or_was_refused() {
    let app = spawn_app().await;
    let (editor, _, _) = three_accounts(&app).await;
    let (mut stream, status, head) = open_stream(&app, &editor).await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: text/event-stream"),
        "{head}"
    );
    let file = app.content_dir.join("guide/risks.md");
    let text = std::fs::read_to_string(&file).unwrap();
    // A good save: `live`.
    std::fs::write(&file, text.replacen("The risks", "The real risks", 1)).unwrap();
    read_until(&mut stream, "event: live", Duration::from_secs(20)).await;
    // A bad one: `refused`.
    std::fs::write(&file, text.replacen("order = 4", "order = four", 1)).unwrap();
    read_until(&mut stream, "event: refused", Duration::from_secs(20)).await;
}
