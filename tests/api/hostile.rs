//! Hostile input through the real server: random bodies never give a 500, hostile text is
//! inert wherever it is shown, and the CSP is on every kind of page.
use proptest::prelude::*;
use proptest::strategy::ValueTree;

use crate::helpers::{assert_security_headers, spawn_app};

#[tokio::test]
async fn random_form_bodies_never_give_a_server_error() {
    let app = spawn_app().await;
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 150,
        ..Default::default()
    });
    let strategy = (
        proptest::collection::vec(any::<u8>(), 0..300),
        prop_oneof![
            Just("application/x-www-form-urlencoded"),
            Just("application/x-www-form-urlencoded; charset=utf-8"),
            Just("text/plain"),
            Just("multipart/form-data; boundary=x"),
        ],
        prop_oneof![Just("risks"), Just("faq"), Just("nope"), Just("%2e%2e")],
    );
    // Generate the cases with proptest, then send them from this async test.
    let cases: Vec<_> = (0..150)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    for (body, content_type, slug) in cases {
        let response = app.post_raw(slug, content_type, body.clone()).await;
        let status = response.status().as_u16();
        assert!(
            status < 500,
            "{status} for {content_type} {:?}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[tokio::test]
async fn a_hostile_website_address_is_inert() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/guide/risks/comments"))
        .form(&[
            ("comment", "Nice"),
            ("author", "Eve\" onmouseover=\"alert(1)"),
            ("email", "eve@example.com"),
            ("url", "https://evil.example/\"><script>alert(1)</script>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    app.approve(1).await;
    let html = app.get_html("/guide/risks").await;
    let comment = html
        .split("id=\"comment-1\"")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    assert!(
        !comment.contains("<script>") && !comment.contains("\" onmouseover"),
        "{comment}"
    );
    assert!(
        comment.contains("href=\"https://evil.example/%22%3E%3Cscript%3Ealert(1)%3C/script%3E\""),
        "{comment}"
    );
}

#[tokio::test]
async fn the_csp_is_on_admin_pages_forms_and_static_files_too() {
    let app = spawn_app().await;
    app.add_moderator("alice", "correct horse battery staple")
        .await;
    let session = app
        .login_as_moderator("alice", "correct horse battery staple")
        .await;
    for path in ["/admin", "/admin/login"] {
        let response = app.admin_get(&session, path).await;
        assert_security_headers(response.headers(), path);
    }
    let html = app.get_html("/").await;
    let css = crate::helpers::attribute(&html, "rel=\"stylesheet\"", "href").unwrap();
    assert_security_headers(app.get(&css).await.headers(), &css);
    // SVG files may style themselves (their dark colours), and nothing else: no script,
    // no fetches, no framing (static_files::svg_files_name_their_charset_...).
    let svg = app.get("/static/favicon.svg").await;
    let policy = svg.headers()["content-security-policy"].to_str().unwrap();
    assert_eq!(
        policy,
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    );
    assert_eq!(svg.headers()["x-content-type-options"], "nosniff");
    let invalid = app
        .post_comment("risks", &crate::helpers::form("", "", ""))
        .await;
    assert_eq!(invalid.status().as_u16(), 422);
    assert_security_headers(invalid.headers(), "422 form");
}
