//! What the server refuses to read, and what every kind of response carries: bare line
//! endings, `Host`, bodies on 405 and redirects, the 404 page's encoding, HSTS.
use crate::helpers::{form, raw_request, spawn_app, spawn_app_with};

#[tokio::test(flavor = "multi_thread")]
async fn a_request_with_a_bare_lf_gets_400_and_the_connection_closes() {
    let app = spawn_app().await;
    let address = app.address.clone();
    let [bare_lf, one_bare_lf, bare_cr] = tokio::task::spawn_blocking(move || {
        [
            b"GET /guide/risks HTTP/1.1\nHost: x\n\n".as_slice(),
            b"GET /guide/risks HTTP/1.1\r\nHost: x\nX-Smuggled: y\r\n\r\n",
            b"GET /guide/risks HTTP/1.1\r\nHost: x\r\nX-Bare-CR: a\rb\r\n\r\n",
        ]
        .map(|request| raw_request(&address, request))
    })
    .await
    .unwrap();
    for response in [bare_lf, one_bare_lf] {
        assert!(response.starts_with("HTTP/1.1 400"), "{response:.200}");
        assert!(response.contains("connection: close"), "{response:.400}");
        assert!(response.contains("must end with CR LF"), "{response}");
        crate::helpers::assert_security_headers(&head_of(&response), "400");
    }
    // hyper itself refuses a bare CR, with a 400 of its own.
    assert!(bare_cr.starts_with("HTTP/1.1 400"), "{bare_cr:.200}");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_pipelined_request_with_a_bare_lf_is_refused() {
    let app = spawn_app().await;
    let address = app.address.clone();
    let response = tokio::task::spawn_blocking(move || {
        raw_request(
            &address,
            b"POST /guide/risks/comments HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\na\nb\n\
GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n\
GET /robots.txt HTTP/1.1\nHost: x\n\n",
        )
    })
    .await
    .unwrap();
    let statuses: Vec<&str> = response
        .match_indices("HTTP/1.1 ")
        .map(|(at, _)| &response[at + 9..at + 12])
        .collect();
    // The body's bare LFs are the body's business (here a 400 for not being a form).
    assert_eq!(statuses, ["400", "200", "400"], "{response}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_must_name_its_host_exactly_once() {
    let app = spawn_app().await;
    let address = app.address.clone();
    let [twice, same_twice, none, http_1_0] = tokio::task::spawn_blocking(move || {
        [
            b"GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n".as_slice(),
            b"GET / HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n",
            b"GET / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.0\r\n\r\n",
        ]
        .map(|request| raw_request(&address, request))
    })
    .await
    .unwrap();
    for response in [&twice, &same_twice] {
        assert!(response.starts_with("HTTP/1.1 400"), "{response:.200}");
        assert!(response.contains("only once"), "{response}");
    }
    assert!(none.starts_with("HTTP/1.1 400"), "{none:.200}");
    assert!(none.contains("must name its host"), "{none}");
    assert!(
        http_1_0.starts_with("HTTP/1.0 200") || http_1_0.starts_with("HTTP/1.1 200"),
        "HTTP/1.0 has no Host requirement: {http_1_0:.200}"
    );
}

#[tokio::test]
async fn every_404_is_compressed_and_varies_by_encoding() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/guide/nope",
        "/static/nope.css",
        "/guide/risks/extra",
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert_eq!(response.headers()["content-encoding"], "gzip", "{path}");
        assert_eq!(response.headers()["vary"], "accept-encoding", "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
    }
}

#[tokio::test]
async fn a_405_explains_itself() {
    let app = spawn_app().await;
    for path in ["/", "/guide/risks", "/static/favicon.svg", "/search"] {
        let response = app.client.delete(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 405, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "text/html; charset=utf-8",
            "{path}"
        );
        assert!(response.headers().contains_key("allow"), "{path}");
        let body = response.text().await.unwrap();
        assert!(
            body.contains("does not answer that kind of request"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn redirects_carry_a_short_note_with_the_link() {
    let app = spawn_app().await;
    let comment = app
        .post_comment("risks", &form("A question", "Ann", "ann@example.com"))
        .await;
    let admin = app.get("/admin").await;
    let slash = app.get("/guide/risks/").await;
    for (response, status) in [(comment, 303), (admin, 303), (slash, 308)] {
        assert_eq!(response.status().as_u16(), status);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let body = response.text().await.unwrap();
        assert!(
            body.contains(&format!("<a href=\"{}\">", location.replace('&', "&amp;"))),
            "{location}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hsts_is_sent_on_every_response_when_configured_and_never_by_default() {
    let plain = spawn_app().await;
    let tls = spawn_app_with(|config| config.hsts_max_age_secs = Some(31_536_000)).await;
    let html = tls.get_html("/").await;
    let css = crate::helpers::attribute(&html, "rel=\"stylesheet\"", "href").unwrap();
    for path in [
        "/",
        "/guide/risks",
        &css,
        "/search?q=dots",
        "/nope",
        "/healthz",
    ] {
        let response = tls.get(path).await;
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
        assert!(
            !plain
                .get(path)
                .await
                .headers()
                .contains_key("strict-transport-security"),
            "{path}"
        );
    }
    let not_allowed = tls.client.post(tls.url("/")).send().await.unwrap();
    assert!(
        not_allowed
            .headers()
            .contains_key("strict-transport-security")
    );
    let address = tls.address.clone();
    let refused = tokio::task::spawn_blocking(move || {
        raw_request(&address, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    })
    .await
    .unwrap();
    assert!(
        refused.contains("strict-transport-security: max-age=31536000"),
        "{refused:.400}"
    );
}

/// The headers of a raw response, for the shared assertions.
fn head_of(response: &str) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    let head = response.split("\r\n\r\n").next().unwrap_or_default();
    for line in head.lines().skip(1) {
        if let Some((name, value)) = line.split_once(": ") {
            headers.append(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
    }
    headers
}
