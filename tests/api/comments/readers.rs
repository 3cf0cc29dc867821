//! What a reader sees around their own comment (issue 17): remembered details, what
//! happens after posting, fairer checks, and errors a screen reader is taken to.
use reqwest::header::HeaderMap;

use crate::helpers::{TestApp, assert_redirects_to, form, spawn_app, spawn_app_with};

fn remembering(mut fields: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
    fields.push(("remember", "1".to_owned()));
    fields
}

fn with_url(mut fields: Vec<(&'static str, String)>, url: &str) -> Vec<(&'static str, String)> {
    for (name, value) in &mut fields {
        if *name == "url" {
            *value = url.to_owned();
        }
    }
    fields
}

/// The `Set-Cookie` header for `smp_remember`, if the response has one.
fn remember_header(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("smp_remember="))
        .map(str::to_owned)
}

/// `name=value` of that header, as a browser sends it back.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// Posts with "remember me" ticked and returns the cookie as the browser would send it.
async fn remembered_cookie(app: &TestApp) -> String {
    let fields = with_url(
        remembering(form("Remember me, please.", "Priya", "priya@example.com")),
        "priya.example.com",
    );
    let response = app.post_comment("risks", &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    cookie_pair(&remember_header(response.headers()).expect("a remember cookie"))
}

#[tokio::test]
async fn remember_me_sets_a_bounded_http_only_cookie_only_when_ticked_and_accepted() {
    let app = spawn_app().await;
    let plain = app
        .post_comment("risks", &form("Not remembered", "Ann", "ann@example.com"))
        .await;
    assert_eq!(plain.status().as_u16(), 303);
    assert_eq!(remember_header(plain.headers()), None, "unticked");

    let refused = app
        .post_comment(
            "risks",
            &remembering(form("Bad address", "Ann", "ann@example")),
        )
        .await;
    assert_eq!(refused.status().as_u16(), 422);
    assert_eq!(remember_header(refused.headers()), None, "not accepted");
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("name=\"remember\" value=\"1\" aria-describedby=\"hint-remember\" checked"),
        "the box stays as the reader left it"
    );

    let accepted = app
        .post_comment(
            "risks",
            &with_url(
                remembering(form("Remembered", "Zoë", "zoe@example.com")),
                "zoe.example.com",
            ),
        )
        .await;
    assert_eq!(accepted.status().as_u16(), 303);
    let set_cookie = remember_header(accepted.headers()).expect("a remember cookie");
    let parts: Vec<&str> = set_cookie.split("; ").collect();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"] {
        assert!(parts.contains(&part), "{part} in {set_cookie}");
    }
    assert!(!parts.contains(&"Secure"), "the test site is plain http");
    assert!(set_cookie.len() < 4096, "{}", set_cookie.len());
    let value = cookie_pair(&set_cookie);
    assert_eq!(
        value, "smp_remember=v1&n=Zo%C3%AB&e=zoe@example.com&u=https://zoe.example.com/",
        "only cookie-octets"
    );

    // A site served over HTTPS keeps the cookie to HTTPS.
    let https = spawn_app_with(|config| config.base_url = Some("https://smp.example".into())).await;
    let response = https
        .post_comment(
            "risks",
            &remembering(form("Over https", "Ann", "ann@example.com")),
        )
        .await;
    let set_cookie = remember_header(response.headers()).expect("a remember cookie");
    assert!(
        set_cookie.split("; ").any(|p| p == "Secure"),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn remembered_details_fill_the_form_on_every_section_in_a_private_page() {
    let app = spawn_app().await;
    let (_, before_headers, before) = app.get_page("/guide/faq").await;
    let cookie = remembered_cookie(&app).await;

    for path in ["/guide/faq", "/guide/process", "/guide/faq?reply=1"] {
        let response = get_with_cookie(&app, path, &cookie).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            response.headers()["cache-control"],
            "private, no-store",
            "{path}"
        );
        assert!(response.headers().get("etag").is_none(), "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(
                "id=\"field-author\" name=\"author\" autocomplete=\"name\" aria-required=\"true\" value=\"Priya\""
            ),
            "{path}"
        );
        assert!(html.contains("value=\"priya@example.com\""), "{path}");
        assert!(
            html.contains("value=\"https://priya.example.com/\""),
            "{path}"
        );
        assert!(
            html.contains("aria-describedby=\"hint-remember\" checked"),
            "{path}"
        );
        assert!(html.contains("action=\"/comments/forget\""), "{path}");
    }

    // What comes from the cookie is shown as text, like anything a reader typed.
    let html = get_with_cookie(
        &app,
        "/guide/faq",
        "smp_remember=v1&n=%22%3E%3Cb%3EPriya&e=priya%40example.com&u=",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(html.contains("value=\"&#34;&#62;&#60;b&#62;Priya\""));
    assert!(!html.contains("\"><b>Priya"));

    // Everyone else still gets the page from memory, unchanged, with nobody's details.
    for cookies in [None, Some("smp_returning=1.abc; theme=dark")] {
        let mut request = app.client.get(app.url("/guide/faq"));
        if let Some(cookies) = cookies {
            request = request.header("cookie", cookies);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert_eq!(response.headers()["etag"], before_headers["etag"]);
        let html = response.text().await.unwrap();
        assert_eq!(html, before, "{cookies:?}");
        assert!(!html.contains("priya@example.com"));
        assert!(!html.contains("action=\"/comments/forget\""));
    }
}

#[tokio::test]
async fn bad_remember_cookies_are_ignored_never_an_error() {
    let app = spawn_app().await;
    let (_, cached_headers, cached) = app.get_page("/guide/faq").await;
    let long = format!(
        "smp_remember=v1&n={}&e=a%40example.com&u=",
        "a".repeat(5_000)
    );
    let bad: Vec<&[u8]> = vec![
        b"smp_remember=",
        b"smp_remember=v1",
        b"smp_remember=v2&n=Priya&e=priya%40example.com&u=",
        b"smp_remember=v1&n=Priya&e=priya%40example&u=",
        b"smp_remember=v1&n=Priya&e=priya%40example.com&u=javascript%3Aalert(1)",
        b"smp_remember=v1&n=%3Cscript%3E%0Ax&e=priya%40example.com&u=",
        b"smp_remember=v1&n=%FF%FE&e=priya%40example.com&u=",
        b"smp_remember=\xff\xfe",
        b"smp_remember=%%%%; smp_remember",
        long.as_bytes(),
    ];
    for value in bad {
        let header = reqwest::header::HeaderValue::from_bytes(value).unwrap();
        let response = app
            .client
            .get(app.url("/guide/faq"))
            .header("cookie", header.clone())
            .send()
            .await
            .unwrap();
        let shown = String::from_utf8_lossy(value);
        assert_eq!(response.status().as_u16(), 200, "{shown}");
        assert!(
            response.headers().get("etag").is_some(),
            "{shown}: {:?}",
            response.headers()
        );
        assert_eq!(
            response.headers()["etag"],
            cached_headers["etag"],
            "{shown}"
        );
        assert_eq!(response.text().await.unwrap(), cached, "{shown}");

        // Posting with it works as without it.
        let post = app
            .client
            .post(app.url("/guide/faq/comments"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", header)
            .body(crate::helpers::serde_urlencoded_like(&form(
                &format!("With a bad cookie {}", shown.len()),
                "Ann",
                "ann@example.com",
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(post.status().as_u16(), 303, "{shown}");
    }
}

#[tokio::test]
async fn forget_me_and_posting_unticked_clear_the_cookie() {
    let app = spawn_app().await;
    let cookie = remembered_cookie(&app).await;

    let forget = app
        .client
        .post(app.url("/comments/forget"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &cookie)
        .body("section=faq")
        .send()
        .await
        .unwrap();
    assert_redirects_to(&forget, "/guide/faq#respond");
    assert_eq!(forget.headers()["cache-control"], "no-store");
    let cleared = remember_header(forget.headers()).expect("the cookie is cleared");
    assert!(cleared.starts_with("smp_remember=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(cleared.contains("Path=/"), "{cleared}");

    // Not a section, or nothing at all: back to the home page, cookie cleared all the same.
    for body in ["section=..%2Fadmin", ""] {
        let response = app
            .client
            .post(app.url("/comments/forget"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_redirects_to(&response, "/");
        assert!(remember_header(response.headers()).is_some());
    }

    // Another site cannot make a reader's browser forget.
    let cross_site = app
        .client
        .post(app.url("/comments/forget"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("cookie", &cookie)
        .body("section=faq")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status().as_u16(), 403);
    assert_eq!(remember_header(cross_site.headers()), None);

    // Posting with the box unticked forgets too; a refused post changes nothing.
    let refused = app
        .post_comment_with_cookies("faq", &form("", "Priya", "priya@example.com"), &cookie)
        .await;
    assert_eq!(refused.status().as_u16(), 422);
    assert_eq!(remember_header(refused.headers()), None);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("action=\"/comments/forget\"")
    );
    let unticked = app
        .post_comment_with_cookies(
            "faq",
            &form("Unticked this time", "Priya", "priya@example.com"),
            &cookie,
        )
        .await;
    assert_eq!(unticked.status().as_u16(), 303);
    let cleared = remember_header(unticked.headers()).expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
}

#[tokio::test]
async fn after_posting_one_sentence_says_what_happens_next_and_how_soon() {
    for (configured, expected) in [
        (None, "within a day"),
        (Some("within a few hours"), "within a few hours"),
    ] {
        let app = spawn_app_with(|config| {
            if let Some(time) = configured {
                config.comments.moderation_time = time.to_owned();
            }
        })
        .await;
        let response = app
            .post_comment(
                "risks",
                &form("What happens now?", "Ann", "ann@example.com"),
            )
            .await;
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let own_view = app.get_html(location.split('#').next().unwrap()).await;
        let notice = own_view
            .split("<p class=\"notice notice-pending\">")
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .expect("the pending notice");
        assert_eq!(
            notice,
            format!(
                "<strong>Your comment is awaiting moderation.</strong> A moderator usually reads \
                 new comments {expected}, and if yours keeps to the \
                 <a href=\"/comment-rules\">comment rules</a> it will then appear here for everyone."
            )
        );
        assert_eq!(app.get("/comment-rules").await.status().as_u16(), 200);
    }
}

#[tokio::test]
async fn a_pending_reply_shows_under_its_parent_for_its_author() {
    let app = spawn_app().await;
    let parent = app.approved_comment("faq", "Is it painful?", "Ann").await;
    let later = app.approved_comment("faq", "A later question", "Cy").await;
    let mut fields = form("My pending answer to Ann.", "Bea", "bea@example.com");
    fields.retain(|(name, _)| *name != "parent");
    fields.push(("parent", parent.to_string()));
    let response = app.post_comment("faq", &fields).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let own_view = app.get_html(location.split('#').next().unwrap()).await;

    let parent_at = own_view.find(&format!("id=\"comment-{parent}\"")).unwrap();
    let reply_at = own_view.find("My pending answer to Ann.").unwrap();
    let later_at = own_view.find(&format!("id=\"comment-{later}\"")).unwrap();
    assert!(
        parent_at < reply_at && reply_at < later_at,
        "the reply sits in its parent's thread, before the next thread"
    );
    let replies = own_view
        .split("<ol class=\"replies\">")
        .nth(1)
        .and_then(|rest| rest.split("</ol>").next())
        .expect("a replies list under the parent");
    assert!(replies.contains("My pending answer to Ann."));
    assert!(replies.contains("comment-pending"));
}

#[tokio::test]
async fn duplicates_are_the_same_email_and_text_not_the_same_name() {
    let app = spawn_app().await;
    let words = "Does it hurt?";
    let first = app
        .post_comment("risks", &form(words, "Sam", "sam.one@example.com"))
        .await;
    assert_eq!(first.status().as_u16(), 303);
    let second = app
        .post_comment("risks", &form(words, "Sam", "sam.two@example.com"))
        .await;
    assert_eq!(
        second.status().as_u16(),
        303,
        "another reader with the same name and words is not a duplicate"
    );
    let again = app
        .post_comment("risks", &form(words, "Samuel", "SAM.ONE@example.com"))
        .await;
    assert_eq!(
        again.status().as_u16(),
        409,
        "the same address and words, under any name"
    );
    assert!(again.text().await.unwrap().contains(words));
    let rows = app.rows().await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].email, "sam.one@example.com");
    assert_eq!(rows[1].email, "sam.two@example.com");
}

#[tokio::test]
async fn an_email_needs_a_dot_and_a_website_may_leave_out_https() {
    let app = spawn_app().await;
    let refused = app
        .post_comment("risks", &form("Hello", "Priya", "priya@example"))
        .await;
    assert_eq!(refused.status().as_u16(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains(
        "Enter your whole email address, with a dot in the part after the @, like name@example.com."
    ));
    assert!(
        page.contains("value=\"priya@example\""),
        "the address is kept"
    );

    let accepted = app
        .post_comment(
            "risks",
            &with_url(
                form("Hello", "Priya", "priya@example.com"),
                "priya.example.com",
            ),
        )
        .await;
    assert_eq!(accepted.status().as_u16(), 303);
    assert_eq!(
        app.rows().await[0].url.as_deref(),
        Some("https://priya.example.com/")
    );

    // 200 characters as typed, even though the stored address is longer.
    let typed = format!("example.org/{}", "a".repeat(188));
    let long = app
        .post_comment(
            "risks",
            &with_url(form("Long site", "Priya", "priya@example.com"), &typed),
        )
        .await;
    assert_eq!(long.status().as_u16(), 303);
    let too_long = app
        .post_comment(
            "risks",
            &with_url(
                form("Too long site", "Priya", "priya@example.com"),
                &format!("{typed}a"),
            ),
        )
        .await;
    assert_eq!(too_long.status().as_u16(), 422);
    for not_a_site in ["priya", "priya@example.com", "mailto:priya@example.com"] {
        let response = app
            .post_comment(
                "risks",
                &with_url(form("Not a site", "Priya", "priya@example.com"), not_a_site),
            )
            .await;
        assert_eq!(response.status().as_u16(), 422, "{not_a_site}");
    }
}

#[tokio::test]
async fn a_refused_comment_says_error_in_the_title_and_leads_to_the_summary() {
    let app = spawn_app().await;
    let (_, cached_headers, cached) = app.get_page("/guide/risks").await;
    assert!(cached.contains("<title>The risks of scalp micropigmentation"));
    assert!(cached.contains("action=\"/guide/risks/comments#error-summary\""));
    assert!(
        !cached.contains("focus-error"),
        "no script on pages without errors"
    );
    let policy = cached_headers["content-security-policy"].to_str().unwrap();
    assert!(!policy.contains("script-src"), "{policy}");

    let response = app
        .post_comment("risks", &form("", "Ann", "ann@example.com"))
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let html = response.text().await.unwrap();
    let title = html
        .split("<title>")
        .nth(1)
        .and_then(|rest| rest.split("</title>").next())
        .unwrap();
    assert!(
        title.starts_with("Error: The risks of scalp micropigmentation"),
        "{title}"
    );
    assert!(html.contains(
        "<div class=\"error-summary\" id=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" tabindex=\"-1\">"
    ));
    let script = html
        .split("<script src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the focus script");
    assert!(script.starts_with("/static/focus-error."), "{script}");
    let served = app.get(script).await;
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(
        served.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(served.text().await.unwrap().contains("error-summary"));

    // A duplicate (409) is a problem with the form too.
    let fields = form("Twice", "Ann", "ann@example.com");
    app.post_comment("risks", &fields).await;
    let twice = app.post_comment("risks", &fields).await;
    assert_eq!(twice.status().as_u16(), 409);
    assert!(twice.text().await.unwrap().contains("<title>Error: "));
}
