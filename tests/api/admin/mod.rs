//! Moderation through HTTP: sign-in, the queue, actions, and everything that must refuse.

mod tools;
use crate::helpers::{AdminSession, TestApp, assert_redirects_to, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse battery staple";

async fn signed_in() -> (TestApp, AdminSession) {
    let app = spawn_app().await;
    app.add_moderator("alice", PASSWORD).await;
    let session = app.login_as_moderator("alice", PASSWORD).await;
    (app, session)
}

#[tokio::test]
async fn every_admin_route_is_refused_without_a_session() {
    let app = spawn_app().await;
    let id = app.pending_comment("risks", "Waiting", "Ann").await;
    let routes: [(&str, String); 8] = [
        ("GET", "/admin".into()),
        ("GET", "/admin?status=spam".into()),
        ("GET", format!("/admin/comments/{id}")),
        ("GET", "/admin/preview/any-draft".into()),
        ("POST", "/admin/logout".into()),
        ("POST", format!("/admin/comments/{id}/approve")),
        ("POST", "/admin/comments/bulk".into()),
        ("POST", format!("/admin/comments/{id}/answer")),
    ];
    for cookie in [
        None,
        Some("smp_session=0000000000000000000000000000000000000000000000000000000000000000"),
        Some("smp_session=garbage"),
    ] {
        for (method, path) in &routes {
            let mut request = match *method {
                "GET" => app.client.get(app.url(path)),
                _ => app
                    .client
                    .post(app.url(path))
                    .header("origin", &app.address)
                    .form(&[
                        ("ids", id.to_string()),
                        ("action", "approve".into()),
                        ("answer", "Hi".into()),
                    ]),
            };
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            let response = request.send().await.unwrap();
            assert_redirects_to(&response, "/admin/login");
        }
    }
    assert_eq!(app.rows().await[0].status, "pending", "nothing changed");
}

#[tokio::test]
async fn the_sign_in_page_works_signed_out() {
    let app = spawn_app().await;
    let html = app.get_html("/admin/login").await;
    assert!(html.contains("name=\"username\"") && html.contains("type=\"password\""));
    assert!(html.contains("name=\"robots\" content=\"noindex\""));
}

#[tokio::test]
async fn failed_sign_ins_get_one_generic_message() {
    let app = spawn_app().await;
    app.add_moderator("alice", PASSWORD).await;
    let wrong_password = app.post_login("alice", "not the password").await;
    let unknown_user = app.post_login("mallory", PASSWORD).await;
    for response in [wrong_password, unknown_user] {
        assert_eq!(response.status().as_u16(), 401);
        assert!(response.headers().get("set-cookie").is_none());
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("The username or password is not right.")
        );
    }
}

#[tokio::test]
async fn sessions_use_locked_down_cookies() {
    let app = spawn_app().await;
    app.add_moderator("alice", PASSWORD).await;
    let response = app.post_login("alice", PASSWORD).await;
    assert_redirects_to(&response, "/admin");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for part in ["smp_session=", "HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http base URL: {cookie}");
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("smp_session=");
    assert_eq!(token.len(), 64, "256 bits, hex");

    let https = spawn_app_with(|config| config.base_url = Some("https://smp.example".into())).await;
    https.add_moderator("alice", PASSWORD).await;
    let response = https
        .client
        .post(https.url("/admin/login"))
        .header("origin", "https://smp.example")
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
}

#[tokio::test]
async fn five_failures_throttle_that_username_and_client() {
    let app = spawn_app().await;
    app.add_moderator("alice", PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(
            app.post_login("alice", "wrong guess")
                .await
                .status()
                .as_u16(),
            401
        );
    }
    let blocked = app.post_login("alice", PASSWORD).await;
    assert_eq!(
        blocked.status().as_u16(),
        429,
        "even the right password waits"
    );
    let retry: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    app.add_moderator("bob", PASSWORD).await;
    assert_eq!(
        app.post_login("bob", PASSWORD).await.status().as_u16(),
        303,
        "other usernames are not blocked"
    );
}

#[tokio::test]
async fn posts_without_the_csrf_token_or_from_elsewhere_are_refused() {
    let (app, session) = signed_in().await;
    let id = app.pending_comment("risks", "Waiting", "Ann").await;
    let path = format!("/admin/comments/{id}/approve");
    let cases: [(Option<&str>, Option<&str>, Option<&str>); 5] = [
        (None, Some(app.address.as_str()), None),
        (Some("wrong-token"), Some(app.address.as_str()), None),
        (
            Some(session.csrf.as_str()),
            Some("https://evil.example"),
            None,
        ),
        (Some(session.csrf.as_str()), None, None),
        (
            Some(session.csrf.as_str()),
            None,
            Some("https://evil.example/page"),
        ),
    ];
    for (csrf, origin, referer) in cases {
        let mut request = app
            .client
            .post(app.url(&path))
            .header("cookie", &session.cookie);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(referer) = referer {
            request = request.header("referer", referer);
        }
        let fields: Vec<(&str, &str)> = csrf.map(|c| vec![("csrf", c)]).unwrap_or_default();
        let response = request.form(&fields).send().await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            403,
            "csrf={csrf:?} origin={origin:?} referer={referer:?}"
        );
    }
    assert_eq!(app.rows().await[0].status, "pending");
    // A same-site Referer without Origin is accepted, as older browsers send.
    let response = app
        .client
        .post(app.url(&path))
        .header("cookie", &session.cookie)
        .header("referer", format!("{}/admin", app.address))
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
}

#[tokio::test]
async fn approving_publishes_at_once_and_rejecting_removes_at_once() {
    let (app, session) = signed_in().await;
    let id = app
        .pending_comment("risks", "Does it hurt much?", "Ann")
        .await;
    assert!(
        !app.get_html("/guide/risks")
            .await
            .contains("Does it hurt much?")
    );

    let approve = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/approve"),
            &[("return_to", "/admin")],
        )
        .await;
    assert_redirects_to(
        &approve,
        &format!("/admin?done=approve&n=1&skipped=0&undo={id}"),
    );
    assert!(
        app.get_html("/guide/risks")
            .await
            .contains("Does it hurt much?"),
        "public at once"
    );

    app.admin_post(&session, &format!("/admin/comments/{id}/spam"), &[])
        .await;
    assert!(
        !app.get_html("/guide/risks")
            .await
            .contains("Does it hurt much?"),
        "gone at once"
    );
    assert_eq!(app.rows().await[0].status, "spam");

    app.admin_post(&session, &format!("/admin/comments/{id}/restore"), &[])
        .await;
    assert_eq!(app.rows().await[0].status, "pending");
    app.admin_post(&session, &format!("/admin/comments/{id}/trash"), &[])
        .await;
    assert_eq!(app.rows().await[0].status, "trash");

    let detail = app
        .admin_get(&session, &format!("/admin/comments/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let history = detail
        .split("<summary>History")
        .nth(1)
        .expect("an audit trail");
    for action in [
        "approve by alice",
        "spam by alice",
        "restore by alice",
        "trash by alice",
    ] {
        assert!(history.contains(action), "{action}");
    }

    let delete = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/delete"),
            &[
                ("return_to", &format!("/admin/comments/{id}")),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_redirects_to(
        &delete,
        &format!("/admin?done=delete&n=1&skipped=0&undo={id}"),
    );
    assert!(app.rows().await.is_empty(), "deleted for good");
}

#[tokio::test]
async fn invalid_transitions_unknown_ids_and_unknown_actions_get_clear_errors() {
    let (app, session) = signed_in().await;
    let id = app.pending_comment("risks", "Waiting", "Ann").await;
    let restore = app
        .admin_post(&session, &format!("/admin/comments/{id}/restore"), &[])
        .await;
    assert_eq!(restore.status().as_u16(), 409);
    assert!(
        restore
            .text()
            .await
            .unwrap()
            .contains("a pending comment cannot be given the action &quot;restore&quot;")
    );
    assert_eq!(
        app.admin_post(&session, "/admin/comments/9999/approve", &[])
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.admin_post(&session, &format!("/admin/comments/{id}/publish"), &[])
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.admin_post(&session, "/admin/comments/abc/approve", &[])
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.admin_get(&session, "/admin/comments/9999")
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn bulk_actions_apply_to_the_selected_comments_only() {
    let (app, session) = signed_in().await;
    let a = app
        .pending_comment("risks", "First", "Ann")
        .await
        .to_string();
    let b = app
        .pending_comment("faq", "Second", "Bea")
        .await
        .to_string();
    let c = app.pending_comment("faq", "Third", "Cy").await.to_string();
    let response = app
        .admin_post(
            &session,
            "/admin/comments/bulk",
            &[
                ("action", "approve"),
                ("ids", &a),
                ("ids", &c),
                ("return_to", "/admin?status=pending"),
            ],
        )
        .await;
    assert_redirects_to(
        &response,
        &format!("/admin?status=pending&done=approve&n=2&skipped=0&undo={a}.{c}"),
    );
    let statuses: Vec<String> = app.rows().await.into_iter().map(|r| r.status).collect();
    assert_eq!(statuses, ["approved", "pending", "approved"]);
    let faq = app.get_html("/guide/faq").await;
    assert!(faq.contains("Third") && !faq.contains("Second"));

    let again = app
        .admin_post(
            &session,
            "/admin/comments/bulk",
            &[("action", "approve"), ("ids", &a), ("ids", &b)],
        )
        .await;
    assert_redirects_to(
        &again,
        &format!("/admin?done=approve&n=1&skipped=1&undo={b}"),
    );
    let page = app
        .admin_get(&session, "/admin?done=approve&n=1&skipped=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("1 comment approved. 1 could not be"));
    let bad = app
        .admin_post(
            &session,
            "/admin/comments/bulk",
            &[("action", "explode"), ("ids", &a)],
        )
        .await;
    assert_eq!(bad.status().as_u16(), 400);
    let off_site = app
        .admin_post(
            &session,
            "/admin/comments/bulk",
            &[
                ("action", "spam"),
                ("ids", &a),
                ("return_to", "//evil.example/"),
            ],
        )
        .await;
    assert_redirects_to(
        &off_site,
        &format!("/admin?done=spam&n=1&skipped=0&undo={a}"),
    );
}

#[tokio::test]
async fn the_queue_has_tabs_counts_paging_filters_and_private_details() {
    let (app, session) = signed_in().await;
    for n in 0..53 {
        app.pending_comment(
            "process",
            &format!("Process comment number {n}"),
            &format!("Reader {n}"),
        )
        .await;
    }
    app.pending_comment("risks", "Mail me at someone@example.org", "Flagged")
        .await;
    let first = app
        .admin_get(&session, "/admin")
        .await
        .text()
        .await
        .unwrap();
    assert!(first.contains("pending <span class=\"count\">(54)</span>"));
    assert!(first.contains("approved <span class=\"count\">(0)</span>"));
    assert_eq!(
        first.matches("class=\"admin-comment ").count(),
        50,
        "50 a page"
    );
    let newest = first.find("Mail me at").unwrap();
    let older = first.find("Process comment number 52").unwrap();
    assert!(newest < older, "newest first");
    assert!(
        first.contains("someone@example.com"),
        "moderators see emails"
    );
    assert!(
        first.contains("contains an email address"),
        "and why a comment was flagged"
    );
    assert!(first.contains("<code>"), "and the client hash");
    assert!(
        first.contains("status=pending&#38;page=2\""),
        "a link to the next page"
    );

    let second = app
        .admin_get(&session, "/admin?status=pending&page=2")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(second.matches("class=\"admin-comment ").count(), 4);

    let by_section = app
        .admin_get(&session, "/admin?status=pending&section=risks")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(by_section.matches("class=\"admin-comment ").count(), 1);
    let by_text = app
        .admin_get(&session, "/admin?status=pending&q=NUMBER+1")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        by_text.matches("class=\"admin-comment ").count(),
        11,
        "1 and 10 to 19"
    );
    let odd = app
        .admin_get(&session, "/admin?status=nonsense&page=-4&q=%25_")
        .await;
    assert_eq!(
        odd.status().as_u16(),
        200,
        "odd filters fall back to defaults"
    );
}

#[tokio::test]
async fn moderators_answer_as_the_editorial_team() {
    let (app, session) = signed_in().await;
    let id = app
        .approved_comment("faq", "Can women have SMP?", "Ann")
        .await;
    let empty = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/answer"),
            &[("answer", "   ")],
        )
        .await;
    assert_eq!(empty.status().as_u16(), 422);
    let response = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/answer"),
            &[("answer", "Yes: see the FAQ above.")],
        )
        .await;
    assert_redirects_to(
        &response,
        &format!("/admin/comments/{id}?done=answer&n=1#answers"),
    );
    let page = app.get_html("/guide/faq").await;
    let replies = page
        .split("<ol class=\"replies\">")
        .nth(1)
        .expect("the answer sits under the comment");
    assert!(replies.contains("Yes: see the FAQ above."));
    assert!(replies.contains("Editorial team"));
    let answer = app.rows().await.pop().unwrap();
    assert_eq!(
        (answer.status.as_str(), answer.parent_id),
        ("approved", Some(id))
    );
    assert!(answer.email.is_empty());
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let (app, session) = signed_in().await;
    let response = app.admin_post(&session, "/admin/logout", &[]).await;
    assert_redirects_to(&response, "/admin/login");
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_redirects_to(&app.admin_get(&session, "/admin").await, "/admin/login");
}

#[tokio::test]
async fn sessions_expire_after_twelve_idle_hours() {
    let (app, session) = signed_in().await;
    assert_eq!(
        app.admin_get(&session, "/admin").await.status().as_u16(),
        200
    );
    let thirteen_hours_ago = smp_guide::clock::now() - 13 * 60 * 60;
    app.execute("UPDATE sessions SET last_seen_at = ?", thirteen_hours_ago)
        .await;
    assert_redirects_to(&app.admin_get(&session, "/admin").await, "/admin/login");
}

#[tokio::test]
async fn resetting_a_password_signs_the_moderator_out() {
    let (app, session) = signed_in().await;
    app.add_moderator("alice", "a brand new long password")
        .await;
    assert_redirects_to(&app.admin_get(&session, "/admin").await, "/admin/login");
}

#[tokio::test]
async fn old_client_hashes_are_cleared() {
    let app = spawn_app().await;
    app.pending_comment("risks", "Old", "Ann").await;
    app.pending_comment("risks", "New", "Bea").await;
    let hundred_days_ago = smp_guide::clock::now() - 100 * 24 * 60 * 60;
    app.execute(
        "UPDATE comments SET created_at = ? WHERE id = 1",
        hundred_days_ago,
    )
    .await;
    smp_guide::maintenance::clean_up(&app.state).await;
    let rows = app.rows().await;
    assert_eq!(rows[0].client_hash, None);
    assert!(rows[1].client_hash.is_some());
}
