//! The comment form through the real server: rules, status codes, storage and display.
use crate::helpers::{TestApp, form, spawn_app, spawn_app_with};

async fn follow(app: &TestApp, response: reqwest::Response) -> String {
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let path = location.split('#').next().unwrap();
    app.get_html(path).await
}

#[tokio::test]
async fn a_valid_comment_is_stored_pending_and_shown_only_to_its_author() {
    let app = spawn_app().await;
    let response = app
        .post_comment(
            "risks",
            &form("My first question", "Ann", "ann@example.com"),
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/guide/risks?pending="), "{location}");
    assert!(location.ends_with("#comment-1"), "{location}");

    let own_view = follow(&app, response).await;
    assert!(own_view.contains("My first question"));
    assert!(own_view.contains("Your comment is awaiting moderation"));
    assert!(
        !own_view.contains("one email to check"),
        "no email was asked for, so none is announced"
    );

    let public = app.get_html("/guide/risks").await;
    assert!(
        !public.contains("My first question"),
        "pending comments are not public"
    );
    let forged = location
        .split('#')
        .next()
        .unwrap()
        .replacen("pending=1.", "pending=2.", 1);
    assert!(!app.get_html(&forged).await.contains("My first question"));

    let rows = app.rows().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].status.as_str(), rows[0].section.as_str()),
        ("pending", "risks")
    );
}

#[tokio::test]
async fn each_invalid_field_is_explained_and_every_value_is_kept() {
    let app = spawn_app().await;
    let hostile = "<script>alert('x')</script> \" onmouseover=\"x";
    let fields = vec![
        ("comment", hostile.to_owned()),
        ("author", String::new()),
        ("email", "not-an-email".to_owned()),
        ("url", "javascript:alert(1)".to_owned()),
    ];
    let response = app.post_comment("process", &fields).await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("class=\"error-summary\" id=\"error-summary\" role=\"alert\""));
    for field in ["author", "email", "url"] {
        assert!(
            html.contains(&format!("<a href=\"#field-{field}\">")),
            "summary links to {field}"
        );
        assert!(
            html.contains(&format!("id=\"error-{field}\"")),
            "message next to {field}"
        );
        let input = html
            .split(&format!("id=\"field-{field}\""))
            .nth(1)
            .unwrap()
            .split('>')
            .next()
            .unwrap();
        assert!(input.contains("aria-invalid=\"true\""), "{field}: {input}");
        assert!(
            input.contains(&format!("error-{field}")),
            "{field} aria-describedby: {input}"
        );
    }
    assert!(html.contains("value=\"not-an-email\""), "typed email kept");
    assert!(html.contains(
        "&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#34; onmouseover=&#34;x</textarea>"
    ));
    assert!(!html.contains("<script>alert"));
    assert!(app.rows().await.is_empty());
}

#[tokio::test]
async fn length_limits_count_characters_not_bytes() {
    let app = spawn_app().await;
    let ok = app
        .post_comment(
            "faq",
            &form(&"é".repeat(5_000), &"ß".repeat(100), "a@example.com"),
        )
        .await;
    assert_eq!(ok.status().as_u16(), 303);
    let long = app
        .post_comment("faq", &form(&"é".repeat(5_001), "B", "a@example.com"))
        .await;
    assert_eq!(long.status().as_u16(), 422);
    assert!(
        long.text()
            .await
            .unwrap()
            .contains("5000 characters or fewer")
    );
}

#[tokio::test]
async fn malformed_bodies_get_clear_4xx_errors_never_500() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "application/json",
            br#"{"comment":"hi"}"#.to_vec(),
            400,
            "application/x-www-form-urlencoded",
        ),
        (
            "text/plain",
            b"comment=hi".to_vec(),
            400,
            "application/x-www-form-urlencoded",
        ),
        (
            "application/x-www-form-urlencoded",
            b"comment=caf%FF&author=A&email=a%40b.co".to_vec(),
            400,
            "UTF-8",
        ),
        (
            "application/x-www-form-urlencoded",
            b"comment=\xff\xfe&author=A".to_vec(),
            400,
            "UTF-8",
        ),
        (
            "application/x-www-form-urlencoded",
            b"comment=a%00b&author=A&email=a%40example.com".to_vec(),
            422,
            "control characters",
        ),
        (
            "application/x-www-form-urlencoded",
            b"".to_vec(),
            422,
            "Enter your comment",
        ),
        (
            "application/x-www-form-urlencoded",
            b"comment=hello".to_vec(),
            422,
            "Enter your name",
        ),
        (
            "application/x-www-form-urlencoded",
            b"%%%&&&===".to_vec(),
            422,
            "Enter your comment",
        ),
    ];
    for (content_type, body, status, message) in cases {
        let response = app.post_raw("risks", content_type, body.clone()).await;
        assert_eq!(
            response.status().as_u16(),
            status,
            "{content_type} {:?}",
            String::from_utf8_lossy(&body)
        );
        let text = response.text().await.unwrap();
        assert!(
            text.contains(message),
            "{content_type}: expected {message:?}"
        );
    }
    assert!(app.rows().await.is_empty());
}

#[tokio::test]
async fn bodies_over_64_kib_get_413() {
    let app = spawn_app().await;
    let body = format!(
        "comment={}&author=A&email=a%40example.com",
        "a".repeat(65 * 1024)
    );
    let response = app
        .post_raw(
            "risks",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        )
        .await;
    assert_eq!(response.status().as_u16(), 413);
    assert!(response.text().await.unwrap().contains("Too large"));
}

#[tokio::test]
async fn posting_to_an_unknown_section_is_a_404() {
    let app = spawn_app().await;
    let response = app
        .post_comment("no-such-section", &form("Hi", "A", "a@example.com"))
        .await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn the_honeypot_quietly_sends_bots_to_spam() {
    let app = spawn_app().await;
    let mut fields = form("Great article, visit my site", "Bot", "bot@example.com");
    fields.retain(|(name, _)| *name != "nickname");
    fields.push(("nickname", "filled by a bot".into()));
    let response = app.post_comment("risks", &fields).await;
    assert_eq!(response.status().as_u16(), 303, "accepted quietly");
    let rows = app.rows().await;
    assert_eq!(rows[0].status, "spam");
    assert!(rows[0].flag_reason.as_deref().unwrap().contains("honeypot"));
}

#[tokio::test]
async fn a_second_comment_within_15_seconds_gets_429_with_retry_after() {
    let app = spawn_app_with(|config| {
        config.comments.min_interval_secs = 15;
        config.comments.max_per_hour = 20;
    })
    .await;
    let first = app
        .post_comment("risks", &form("One", "A", "a@example.com"))
        .await;
    assert_eq!(first.status().as_u16(), 303);
    let second = app
        .post_comment("risks", &form("Two, kept for later", "A", "a@example.com"))
        .await;
    assert_eq!(second.status().as_u16(), 429);
    let wait: u64 = second.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15).contains(&wait), "{wait}");
    let html = second.text().await.unwrap();
    assert!(
        html.contains("Two, kept for later</textarea>"),
        "the text is kept"
    );
    assert!(html.contains("too quickly"));
    assert_eq!(app.rows().await.len(), 1);
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let app = spawn_app_with(|config| {
        config.comments.min_interval_secs = 15;
        config.comments.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    for (n, client) in ["198.51.100.1", "198.51.100.2"].iter().enumerate() {
        let response = app
            .client
            .post(app.url("/guide/risks/comments"))
            .header("x-forwarded-for", *client)
            .form(&form(&format!("Comment {n}"), "A", "a@example.com"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303, "{client}");
    }
    let rows = app.rows().await;
    assert_ne!(
        rows[0].client_hash, rows[1].client_hash,
        "two clients, two hashes"
    );

    let untrusted = spawn_app_with(|config| config.comments.min_interval_secs = 15).await;
    for (n, client) in ["198.51.100.1", "198.51.100.2"].iter().enumerate() {
        let status = untrusted
            .client
            .post(untrusted.url("/guide/risks/comments"))
            .header("x-forwarded-for", *client)
            .form(&form(&format!("Comment {n}"), "A", "a@example.com"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(
            status,
            if n == 0 { 303 } else { 429 },
            "spoofed header ignored"
        );
    }
}

#[tokio::test]
async fn an_exact_duplicate_is_refused_with_409() {
    let app = spawn_app().await;
    let fields = form("Same words", "Ann", "ann@example.com");
    assert_eq!(
        app.post_comment("risks", &fields).await.status().as_u16(),
        303
    );
    let again = app.post_comment("risks", &fields).await;
    assert_eq!(again.status().as_u16(), 409);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("already posted this comment")
    );
    assert_eq!(
        app.post_comment("faq", &fields).await.status().as_u16(),
        303,
        "another section is fine"
    );
    assert_eq!(app.rows().await.len(), 2);
}

/// The `name=value` of the returning-commenter cookie a response sets, if any.
fn returning_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("smp_returning="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn returning_commenters_are_trusted_only_when_configured_and_only_with_their_cookie() {
    for trust in [false, true] {
        let app = spawn_app_with(|config| config.comments.trust_returning = trust).await;
        let first = app
            .post_comment("risks", &form("First", "Ann", "ann@example.com"))
            .await;
        assert_eq!(first.status().as_u16(), 303);
        let cookie = returning_cookie(&first);
        assert_eq!(cookie.is_some(), trust, "a cookie only when trust is on");
        let set_cookie = first
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        app.approve(1).await;
        let cookies = cookie.unwrap_or_default();
        if trust {
            for part in ["HttpOnly", "SameSite=Lax", "Path=/guide", "Max-Age="] {
                assert!(set_cookie.contains(part), "{set_cookie}");
            }
        }

        // Knowing the name and the address is not enough: another browser stays pending.
        let impostor = app
            .post_comment("risks", &form("By someone else", "Ann", "ANN@example.com"))
            .await;
        assert_eq!(impostor.status().as_u16(), 303);
        assert!(
            impostor.headers()["location"]
                .to_str()
                .unwrap()
                .contains("pending="),
            "an impostor is told nothing but 'awaiting moderation'"
        );
        assert_eq!(app.rows().await[1].status, "pending");

        // The commenter's own browser, with the same address: trusted when configured.
        let second = app
            .post_comment_with_cookies("risks", &form("Second", "Ann", "ANN@example.com"), &cookies)
            .await;
        let location = second.headers()["location"].to_str().unwrap().to_owned();
        let expected = if trust { "approved" } else { "pending" };
        assert_eq!(
            app.rows().await[2].status,
            expected,
            "trust_returning = {trust}"
        );
        let public = app.get_html("/guide/risks").await;
        assert_eq!(public.contains("Second"), trust);
        assert_eq!(location.contains("pending="), !trust, "{location}");

        // The cookie with another address, or a forged cookie: pending.
        let other_address = app
            .post_comment_with_cookies(
                "risks",
                &form("Third", "Ann", "other@example.com"),
                &cookies,
            )
            .await;
        assert_eq!(other_address.status().as_u16(), 303);
        assert_eq!(
            app.rows().await[3].status,
            "pending",
            "a new email is not trusted"
        );
        let forged = app
            .post_comment_with_cookies(
                "risks",
                &form("Fourth", "Ann", "ann@example.com"),
                "smp_returning=1.00000000000000000000000000000000",
            )
            .await;
        assert_eq!(forged.status().as_u16(), 303);
        assert_eq!(
            app.rows().await[4].status,
            "pending",
            "a forged cookie is ignored"
        );
    }
}

#[tokio::test]
async fn suspicious_text_is_held_or_blocked_with_a_reason() {
    let app = spawn_app_with(|config| {
        config.comments.trust_returning = true;
        config.comments.hold_words = vec!["discount".into()];
        config.comments.block_words = vec!["casino".into()];
    })
    .await;
    let first = app
        .post_comment("risks", &form("Hello", "Ann", "someone@example.com"))
        .await;
    let cookies = returning_cookie(&first).expect("a returning-commenter cookie");
    let id = app.rows().await.last().unwrap().id;
    app.approve(id).await;
    let cases = [
        (
            "Links http://a.example and https://b.example",
            "pending",
            "2 links",
        ),
        ("Mail me: ann@example.org", "pending", "email address"),
        ("Ring 020 7946 0958", "pending", "phone number"),
        ("Any discount available?", "pending", "held word"),
        ("Try the casino", "spam", "blocked word"),
        ("A plain, friendly reply", "approved", ""),
    ];
    for (text, status, reason) in cases {
        let response = app
            .post_comment_with_cookies("risks", &form(text, "Ann", "someone@example.com"), &cookies)
            .await;
        assert_eq!(response.status().as_u16(), 303, "{text}");
        let row = app.rows().await.pop().unwrap();
        assert_eq!(row.status, status, "{text}");
        assert!(
            row.flag_reason.unwrap_or_default().contains(reason),
            "{text}"
        );
    }
}

#[tokio::test]
async fn stored_comments_keep_a_client_hash_but_never_the_address() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/guide/risks/comments"))
        .header("user-agent", "TestBrowser/1.0")
        .form(&[
            ("comment", "Hi"),
            ("author", "Ann"),
            ("email", "ann@example.com"),
            ("url", "https://ann.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let row = app.rows().await.remove(0);
    let hash = row.client_hash.unwrap();
    assert_eq!(hash.len(), 24);
    assert!(!hash.contains("127.0.0.1"));
    assert_eq!(row.user_agent.as_deref(), Some("TestBrowser/1.0"));
    assert_eq!(row.url.as_deref(), Some("https://ann.example/"));
    assert_eq!(row.email, "ann@example.com");
    assert_eq!(row.author, "Ann");
}

#[tokio::test]
async fn approved_comments_are_shown_oldest_first_escaped_and_counted() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/guide/risks/comments"))
        .form(&[
            (
                "comment",
                "<img src=x onerror=alert(1)>\n\nSecond paragraph",
            ),
            ("author", "Ann <b>"),
            ("email", "ann-private@example.com"),
            ("url", "https://ann.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    app.approve(1).await;
    app.approved_comment("risks", "A later comment", "Bea")
        .await;

    let html = app.get_html("/guide/risks").await;
    let first = html.find("id=\"comment-1\"").expect("anchor for comment 1");
    let second = html.find("id=\"comment-2\"").expect("anchor for comment 2");
    assert!(first < second, "oldest first");
    assert!(html.contains(
        "<a href=\"https://ann.example/\" rel=\"nofollow ugc noopener\">Ann &#60;b&#62;</a>"
    ));
    assert!(html.contains("<p>&#60;img src=x onerror=alert(1)&#62;</p>"));
    assert!(html.contains("<p>Second paragraph</p>"));
    assert!(html.contains("<time datetime=\"20"));
    assert!(html.contains("Comments (2)"));
    assert!(html.contains("2 comments</a>"), "count by the title");
    assert!(
        !html.contains("ann-private@example.com"),
        "emails are never published"
    );
    let home = app.get_html("/").await;
    assert!(
        home.contains("(2 comments)"),
        "count in the table of contents"
    );
    let (_, _, feed) = app.get_page("/feed.xml").await;
    assert!(!feed.contains("ann-private"));
}

#[tokio::test]
async fn replies_go_one_level_deep_under_their_parent() {
    let app = spawn_app().await;
    let parent = app.approved_comment("faq", "Is it painful?", "Ann").await;
    let page = app.get_html("/guide/faq").await;
    assert!(page.contains(&format!("href=\"/guide/faq?reply={parent}#respond\"")));

    let reply_form = app.get_html(&format!("/guide/faq?reply={parent}")).await;
    assert!(reply_form.contains(&format!("name=\"parent\" value=\"{parent}\"")));
    assert!(reply_form.contains("Reply to Ann"));

    let mut fields = form("Less than a tattoo, I found.", "Bea", "bea@example.com");
    fields.retain(|(name, _)| *name != "parent");
    fields.push(("parent", parent.to_string()));
    assert_eq!(
        app.post_comment("faq", &fields).await.status().as_u16(),
        303
    );
    let reply = app.rows().await.pop().unwrap();
    assert_eq!(reply.parent_id, Some(parent));
    app.approve(reply.id).await;
    let page = app.get_html("/guide/faq").await;
    let replies = page
        .split("<ol class=\"replies\">")
        .nth(1)
        .expect("a replies list");
    assert!(replies.contains("Less than a tattoo"));

    // A reply to a reply, or to a comment elsewhere, is refused with the text kept.
    for (section, target) in [("faq", reply.id), ("risks", parent), ("faq", 999)] {
        let mut fields = form("Nested", "Cy", "cy@example.com");
        fields.retain(|(name, _)| *name != "parent");
        fields.push(("parent", target.to_string()));
        let response = app.post_comment(section, &fields).await;
        assert_eq!(response.status().as_u16(), 422, "{section} {target}");
        assert!(response.text().await.unwrap().contains("Nested</textarea>"));
    }
}

#[tokio::test]
async fn unicode_text_round_trips_exactly() {
    let app = spawn_app().await;
    let text = "Emoji 👩🏽‍⚕️, right-to-left مرحبا بالعالم, combining e\u{301} → é, 日本語";
    app.approved_comment("faq", text, "Zoë Ñandú").await;
    let row = app.rows().await.remove(0);
    assert_eq!(row.body, text.replace("e\u{301}", "é"), "stored as NFC");
    let html = app.get_html("/guide/faq").await;
    assert!(html.contains("👩🏽‍⚕️, right-to-left مرحبا بالعالم, combining é → é, 日本語"));
    assert!(html.contains("Zoë Ñandú"));
}

#[tokio::test]
async fn a_hundred_concurrent_comments_are_each_stored_exactly_once() {
    let app = spawn_app().await;
    let posts = (0..100).map(|n| {
        let client = app.client.clone();
        let url = app.url("/guide/process/comments");
        async move {
            client
                .post(url)
                .form(&[
                    ("comment", format!("Concurrent comment {n}")),
                    ("author", format!("Reader {n}")),
                    ("email", "r@example.com".into()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_join_all(posts).await;
    assert!(statuses.iter().all(|&s| s == 303), "{statuses:?}");
    let rows = app.rows().await;
    assert_eq!(rows.len(), 100);
    let mut bodies: Vec<&str> = rows.iter().map(|r| r.body.as_str()).collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), 100);
}

/// Runs futures concurrently on the test runtime.
async fn futures_join_all<F: std::future::Future<Output = u16> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn comments_that_describe_a_medical_problem_are_held_and_flagged_for_moderators() {
    let app = spawn_app_with(|config| config.comments.trust_returning = true).await;
    app.approved_comment("risks", "Hello", "Ann").await;
    // Even a trusted returning commenter's comment waits for a person to read it.
    let response = app
        .post_comment(
            "risks",
            &form(
                "Since my session the area is swollen and I have a fever.",
                "Ann",
                "ann@example.com",
            ),
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let row = app.rows().await.pop().unwrap();
    assert_eq!(row.status, "pending");
    assert_eq!(
        row.flag_reason.as_deref(),
        Some("possible medical concern (mentions \"fever\")")
    );
    app.add_moderator("mod", "correct horse battery staple")
        .await;
    let admin = app
        .login_as_moderator("mod", "correct horse battery staple")
        .await;
    let queue = app.admin_get(&admin, "/admin").await.text().await.unwrap();
    assert!(queue.contains(
        "<p class=\"card-flag card-flag-medical\"><strong class=\"flag\">Possible medical concern.</strong>"
    ));
    assert!(queue.contains("href=\"/guide/risks#urgent-advice\""));
}

mod readers;

mod feeds;
