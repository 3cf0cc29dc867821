//! Several instances behind a load balancer: two real servers on one PostgreSQL database.
//! Skipped, with a notice, when no PostgreSQL server can be had (see `postgres.rs`).
use std::time::{Duration, Instant};

use smp_guide::store::{QueueFilter, Status};

use crate::helpers::{TestApp, assert_redirects_to, form, spawn_app_with};
use crate::postgres::fresh_database;

const PASSWORD: &str = "correct horse battery staple";

/// Two servers sharing one fresh PostgreSQL database.
async fn two_instances() -> Option<(TestApp, TestApp)> {
    let url = fresh_database().await?;
    let first = spawn_app_with(|c| c.database = url.clone()).await;
    let second = spawn_app_with(|c| c.database = url.clone()).await;
    Some((first, second))
}

async fn pending_ids(app: &TestApp) -> Vec<i64> {
    let filter = QueueFilter {
        status: Status::Pending,
        section: None,
        text: None,
        offset: 0,
        limit: 50,
    };
    let page = app.state.store.queue(&filter).await.unwrap();
    page.comments.iter().map(|c| c.id).collect()
}

/// Polls `path` on `app` until its body contains `text`; returns how long that took.
async fn wait_for_text(app: &TestApp, path: &str, text: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if app.get_html(path).await.contains(text) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{path} on {} did not show {text:?} within {limit:?}",
            app.address
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_posted_on_one_instance_and_approved_on_another_shows_on_both() {
    let Some((first, second)) = two_instances().await else {
        return;
    };
    let text = "Posted to the first instance, approved on the second.";
    let response = first
        .post_comment("risks", &form(text, "Ana", "ana@example.com"))
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let ids = pending_ids(&second).await;
    assert_eq!(ids.len(), 1, "the second instance sees the pending comment");
    assert!(!second.get_html("/guide/risks").await.contains(text));

    // Signed in on the first instance; the same cookie acts on the second.
    first.add_moderator("mia", PASSWORD).await;
    let session = first.login_as_moderator("mia", PASSWORD).await;
    let queue = second.admin_get(&session, "/admin").await;
    assert_eq!(queue.status().as_u16(), 200);
    assert!(queue.text().await.unwrap().contains(text));
    let approved = second
        .admin_post(
            &session,
            &format!("/admin/comments/{}/approve", ids[0]),
            &[],
        )
        .await;
    assert_eq!(approved.status().as_u16(), 303);

    assert!(second.get_html("/guide/risks").await.contains(text));
    let waited = wait_for_text(&first, "/guide/risks", text, Duration::from_secs(2)).await;
    eprintln!("the first instance showed the approval after {waited:?}");

    // The audit trail names the moderator, whichever instance they used.
    let events = first.state.store.events(&ids).await.unwrap();
    assert_eq!(
        (events[0].action.as_str(), events[0].moderator.as_str()),
        ("approve", "mia")
    );

    // Signing out on one instance ends the session on both.
    let logout = second.admin_post(&session, "/admin/logout", &[]).await;
    assert_eq!(logout.status().as_u16(), 303);
    for app in [&first, &second] {
        assert_redirects_to(&app.admin_get(&session, "/admin").await, "/admin/login");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_throttling_counts_failures_on_every_instance() {
    let Some((first, second)) = two_instances().await else {
        return;
    };
    first.add_moderator("mia", PASSWORD).await;
    // Five failures spread over both instances throttle the account on both.
    for app in [&first, &second, &first, &second, &first] {
        let response = app.post_login("mia", "wrong password").await;
        assert_eq!(response.status().as_u16(), 401);
    }
    for app in [&first, &second] {
        let response = app.post_login("mia", PASSWORD).await;
        assert_eq!(response.status().as_u16(), 429, "{}", app.address);
        assert!(response.headers().contains_key("retry-after"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_readers_pending_comment_link_works_on_every_instance() {
    let Some((first, second)) = two_instances().await else {
        return;
    };
    let text = "Only I should see this while it waits.";
    let response = first
        .post_comment("faq", &form(text, "Ana", "ana@example.com"))
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    // The signing key is shared through the database, so the balancer may send the
    // redirect to either instance.
    for app in [&first, &second] {
        assert!(
            app.get_html(&location).await.contains(text),
            "{}",
            app.address
        );
        assert!(!app.get_html("/guide/faq").await.contains(text));
    }
}

#[test]
fn the_command_line_manages_a_postgres_database() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(url) = runtime.block_on(fresh_database()) else {
        return;
    };
    let binary = env!("CARGO_BIN_EXE_smp-guide");
    let mut add = std::process::Command::new(binary)
        .args([
            "moderator",
            "add",
            "mia",
            "--password-stdin",
            "--database",
            &url,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut add.stdin.take().unwrap(), PASSWORD.as_bytes()).unwrap();
    let added = add.wait_with_output().unwrap();
    assert!(added.status.success());
    let list = std::process::Command::new(binary)
        .args(["moderator", "list", "--database", &url])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).starts_with("mia\t"));
    let backup = std::process::Command::new(binary)
        .args(["db", "backup", "/tmp/never-written.db", "--database", &url])
        .output()
        .unwrap();
    assert!(!backup.status.success());
    assert!(String::from_utf8_lossy(&backup.stderr).contains("pg_dump"));
    // A wrong password is refused without printing it.
    let wrong = "postgres://smp:hunter2@nowhere.invalid:5432/smp";
    let refused = std::process::Command::new(binary)
        .args(["moderator", "list", "--database", wrong])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("cannot connect") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

/// Connects to the maintenance database of the server that holds `url`'s database.
async fn maintenance_connection(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    let (server, _) = url.rsplit_once('/').unwrap();
    sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .unwrap()
}

/// Closes the database to new connections and ends the open ones, as an outage would.
async fn take_database_down(url: &str, down: bool) {
    let name = url.rsplit_once('/').unwrap().1;
    let mut admin = maintenance_connection(url).await;
    let allow = if down { "false" } else { "true" };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    if down {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(name)
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_gives_503_keeps_the_text_and_recovers() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let app = spawn_app_with(|c| c.database = url.clone()).await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);

    take_database_down(&url, true).await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status().as_u16(), 503, "the balancer takes it out");
    let text = "Typed while the database was down.";
    let response = app
        .post_comment("risks", &form(text, "Ana", "ana@example.com"))
        .await;
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert!(
        response.text().await.unwrap().contains(text),
        "the text is kept"
    );
    assert_eq!(
        app.get("/guide/risks").await.status().as_u16(),
        200,
        "reading goes on"
    );

    take_database_down(&url, false).await;
    assert_eq!(
        app.get("/healthz").await.status().as_u16(),
        200,
        "back in rotation"
    );
    let response = app
        .post_comment("risks", &form(text, "Ana", "ana@example.com"))
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(pending_ids(&app).await.len(), 1);
}

/// Moving a running site from its SQLite file to PostgreSQL with `smp-guide db copy`.
#[tokio::test(flavor = "multi_thread")]
async fn a_site_moves_from_sqlite_to_postgres_with_db_copy() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let before = spawn_app_with(|_| {}).await;
    let text = "Written before the move to PostgreSQL.";
    let id = before.approved_comment("risks", text, "Ana").await;
    before.add_moderator("mia", PASSWORD).await;

    let copied = std::process::Command::new(env!("CARGO_BIN_EXE_smp-guide"))
        .args(["db", "copy", "--to", &url, "--database", &before.database])
        .output()
        .unwrap();
    assert!(
        copied.status.success(),
        "{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    assert!(String::from_utf8_lossy(&copied.stdout).contains("copied 1 comment(s)"));

    let after = spawn_app_with(|c| c.database = url.clone()).await;
    assert!(after.get_html("/guide/risks").await.contains(text));
    let session = after.login_as_moderator("mia", PASSWORD).await;
    let page = after
        .admin_get(&session, &format!("/admin/comments/{id}"))
        .await;
    assert_eq!(
        page.status().as_u16(),
        200,
        "the same id on the new database"
    );

    // Copying again would mix two sites: refused.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_smp-guide"))
        .args(["db", "copy", "--to", &url, "--database", &before.database])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("new, empty database"));
}
