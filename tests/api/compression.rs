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
