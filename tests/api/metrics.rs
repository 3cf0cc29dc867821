//! Prometheus metrics: on their own address only, and moving when the site is used.
//!
//! The recorder is global to the process and tests run side by side, so the checks compare
//! a scrape before and after, and ask for "at least" what this test did.
use crate::helpers::{TestApp, form, spawn_app, spawn_app_with};

/// Held by each test that scrapes: a scrape sets the per-state gauges from its own
/// server's database, so two at once would overwrite each other's.
static SCRAPES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn metrics_app() -> TestApp {
    spawn_app_with(|config| config.metrics_addr = Some("127.0.0.1:0".parse().unwrap())).await
}

async fn scrape(app: &TestApp) -> String {
    let address = app.metrics.as_ref().expect("metrics_addr was set");
    let response = app
        .client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

/// The value of the sample whose name and labels are exactly `series` (0 when absent).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().unwrap())
        })
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_and_never_on_the_public_port() {
    let _one_at_a_time = SCRAPES.lock().await;
    let app = metrics_app().await;
    let text = scrape(&app).await;
    assert!(text.contains("smp_build_info{version="), "{text}");

    let public = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    assert!(!public.text().await.unwrap().contains("smp_"));

    let address = app.metrics.as_ref().unwrap();
    let other = app
        .client
        .get(format!("{address}/guide/risks"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}

#[tokio::test]
async fn a_server_without_metrics_addr_opens_no_metrics_listener() {
    let app = spawn_app().await;
    assert!(app.metrics.is_none());
}

#[tokio::test]
async fn requests_submissions_and_moderation_move_the_counters() {
    let _one_at_a_time = SCRAPES.lock().await;
    let app = metrics_app().await;
    let pages = r#"smp_http_request_duration_seconds_count{route="/guide/{slug}",status="200"}"#;
    let pending = r#"smp_comment_submissions_total{outcome="pending"}"#;
    let invalid = r#"smp_comment_submissions_total{outcome="invalid"}"#;
    let approved = r#"smp_moderation_actions_total{action="approve"}"#;
    let before = scrape(&app).await;

    for _ in 0..3 {
        let page = app
            .client
            .get(format!("{}/guide/risks", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
    }
    let posted = app
        .post_comment("process", &form("Counted?", "Mira", "mira@example.com"))
        .await;
    assert_eq!(posted.status(), 303);
    let refused = app
        .post_comment("process", &form("", "Mira", "mira@example.com"))
        .await;
    assert_eq!(refused.status(), 422);
    let id = app.rows().await.last().unwrap().id;
    app.add_moderator("mod", "correct horse battery").await;
    let session = app.login_as_moderator("mod", "correct horse battery").await;
    let approve = app
        .admin_post(&session, &format!("/admin/comments/{id}/approve"), &[])
        .await;
    assert_eq!(approve.status(), 303);

    let after = scrape(&app).await;
    assert!(
        sample(&after, pages) >= sample(&before, pages) + 3.0,
        "{after}"
    );
    assert!(sample(&after, pending) >= sample(&before, pending) + 1.0);
    assert!(sample(&after, invalid) >= sample(&before, invalid) + 1.0);
    assert!(sample(&after, approved) >= sample(&before, approved) + 1.0);
    // The per-state gauges are read from this server's own database at the scrape.
    assert_eq!(sample(&after, r#"smp_comments{status="approved"}"#), 1.0);
    assert!(after.contains(
        r#"smp_http_request_duration_seconds_bucket{route="/guide/{slug}",status="200",le="+Inf"}"#
    ));
    assert!(after.contains(
        r#"smp_http_request_duration_seconds_count{route="/guide/{slug}/comments",status="303"}"#
    ));
    assert!(after.contains(r#"smp_db_connections{state="open"}"#));
    // Nothing private: no address, name or text of a comment.
    assert!(!after.contains("mira@example.com"));
    assert!(!after.contains("Counted?"));
}
