//! Pages and static files are served pre-compressed by `Accept-Encoding`; everything else
//! is compressed per request when worth it.
use std::io::Read;
use std::time::{Duration, Instant};

use crate::helpers::{TestApp, attribute, spawn_app};

async fn get_with(app: &TestApp, path: &str, accept: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("accept-encoding", accept)
        .send()
        .await
        .unwrap()
}

/// Compression runs in the background after start: wait for the brotli variant.
async fn wait_for_variants(app: &TestApp, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while get_with(app, path, "br")
        .await
        .headers()
        .get("content-encoding")
        .is_none()
    {
        assert!(
            Instant::now() < deadline,
            "{path} never got a brotli variant"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn pages_come_in_the_encoding_asked_for_each_with_its_own_etag() {
    let app = spawn_app().await;
    wait_for_variants(&app, "/guide/risks").await;
    let identity = get_with(&app, "/guide/risks", "identity").await;
    assert!(identity.headers().get("content-encoding").is_none());
    assert_eq!(identity.headers()["vary"], "accept-encoding");
    let identity_etag = identity.headers()["etag"].clone();
    let html = identity.text().await.unwrap();

    let gzip = get_with(&app, "/guide/risks", "gzip, deflate").await;
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    assert_eq!(gzip.headers()["vary"], "accept-encoding");
    let gzip_etag = gzip.headers()["etag"].clone();
    assert_eq!(gunzip(&gzip.bytes().await.unwrap()), html);

    let br = get_with(&app, "/guide/risks", "gzip, deflate, br").await;
    assert_eq!(br.headers()["content-encoding"], "br");
    let br_etag = br.headers()["etag"].clone();
    let br_body = br.bytes().await.unwrap();
    assert!(
        br_body.len() * 3 < html.len(),
        "brotli saves more than two thirds"
    );
    assert_eq!(unbrotli(&br_body), html);

    assert!(identity_etag != gzip_etag && gzip_etag != br_etag && br_etag != identity_etag);
    assert_eq!(
        get_with(&app, "/guide/risks", "br;q=0.5, gzip;q=0.9")
            .await
            .headers()["content-encoding"],
        "gzip"
    );

    let revalidated = app
        .client
        .get(app.url("/guide/risks"))
        .header("accept-encoding", "br")
        .header("if-none-match", br_etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status().as_u16(), 304);
    assert_eq!(revalidated.headers()["etag"], br_etag);

    let head = app
        .client
        .head(app.url("/guide/risks"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(head.headers()["content-encoding"], "br");
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn static_files_are_precompressed_too() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    let css = attribute(&html, "rel=\"stylesheet\"", "href").unwrap();
    let plain = get_with(&app, &css, "identity").await.text().await.unwrap();
    let br = get_with(&app, &css, "br").await;
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["cache-control"], "max-age=31536000, immutable");
    assert_eq!(unbrotli(&br.bytes().await.unwrap()), plain);
}

#[tokio::test]
async fn per_request_pages_are_compressed_on_the_fly() {
    let app = spawn_app().await;
    let search = get_with(&app, "/search?q=pigment", "gzip").await;
    assert_eq!(search.status().as_u16(), 200);
    assert_eq!(search.headers()["content-encoding"], "gzip");
    assert!(gunzip(&search.bytes().await.unwrap()).contains("<mark>"));
    let not_found = get_with(&app, "/nope", "gzip").await;
    assert_eq!(not_found.status().as_u16(), 404);
    assert!(gunzip(&not_found.bytes().await.unwrap()).contains("Page not found"));
}

#[tokio::test]
async fn a_page_re_rendered_for_a_comment_gets_its_variants_again() {
    let app = spawn_app().await;
    wait_for_variants(&app, "/guide/faq").await;
    app.approved_comment("faq", "Fresh approved words", "Ann")
        .await;
    let identity = get_with(&app, "/guide/faq", "identity")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        identity.contains("Fresh approved words"),
        "identity is live at once"
    );
    wait_for_variants(&app, "/guide/faq").await;
    let br = get_with(&app, "/guide/faq", "br")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(
        unbrotli(&br).contains("Fresh approved words"),
        "no stale compressed copy"
    );
}

/// Reads `count` HTTP/1.1 responses off `raw`, in order: (head, body) each, the body
/// `Content-Length` bytes long (none for a HEAD request, as `heads_only` marks).
fn split_responses(mut raw: &[u8], heads_only: &[bool]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for &head_only in heads_only {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a whole response head")
            + 4;
        let head = String::from_utf8(raw[..end].to_vec()).unwrap();
        let length: usize = head
            .lines()
            .find_map(|line| {
                line.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(str::to_owned)
            })
            .expect("a content-length")
            .trim()
            .parse()
            .unwrap();
        let body_len = if head_only { 0 } else { length };
        out.push((head, raw[end..end + body_len].to_vec()));
        raw = &raw[end + body_len..];
    }
    assert!(raw.is_empty(), "nothing after the last response");
    out
}

#[tokio::test]
async fn stored_bodies_arrive_whole_through_a_slow_reader_with_a_small_window() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    wait_for_variants(&app, "/guide").await;
    let page = app
        .state
        .site()
        .page("/guide")
        .expect("the one-page guide is stored");
    let identity = page.body.identity().clone();
    let mut asks_gzip = axum::http::HeaderMap::new();
    asks_gzip.insert("accept-encoding", "gzip".parse().unwrap());
    let (_, gzipped, _) = page.body.select(&asks_gzip);
    let gzipped = gzipped.clone();
    // The bodies this test is about: sent from their memory files, not copied.
    #[cfg(target_os = "linux")]
    for body in [&identity, &gzipped] {
        assert!(
            smp_guide::file_backed::find(body).is_some(),
            "a {}-byte body has no memory file",
            body.len()
        );
    }

    // Six requests at once on one connection whose receive buffer is 4 KiB, read a
    // little at a time: the server's writes stop part-way through heads and bodies.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let addr = app.address.trim_start_matches("http://").parse().unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let get = |encoding: &str| {
        format!("GET /guide HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {encoding}\r\n\r\n")
    };
    let requests = [
        get("identity"),
        get("gzip"),
        get("identity"),
        "HEAD /guide HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
        get("gzip"),
        "GET /guide HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_owned(),
    ];
    stream
        .write_all(requests.concat().as_bytes())
        .await
        .unwrap();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 1500];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("the server keeps sending")
            .unwrap();
        if read == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..read]);
        tokio::time::sleep(Duration::from_micros(200)).await;
    }

    let responses = split_responses(&raw, &[false, false, false, true, false, false]);
    let expected = [
        &identity, &gzipped, &identity, &identity, &gzipped, &identity,
    ];
    for (at, ((head, body), want)) in responses.iter().zip(expected).enumerate() {
        assert!(head.starts_with("HTTP/1.1 200"), "response {at}: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("content-length: {}\r\n", want.len())),
            "response {at} announces its body's length: {head}"
        );
        if at != 3 {
            assert!(
                body[..] == want[..],
                "response {at}'s body is the stored body, byte for byte"
            );
        }
    }
    assert_eq!(
        gunzip(&responses[1].1),
        String::from_utf8(identity.to_vec()).unwrap()
    );
}
