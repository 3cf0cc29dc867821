use crate::helpers::{assert_security_headers, attribute, spawn_app};

#[tokio::test]
async fn fingerprinted_files_are_cached_for_a_year() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    let css = attribute(&html, "rel=\"stylesheet\"", "href").unwrap();
    assert!(
        css.starts_with("/static/style.") && css.len() > "/static/style.css".len(),
        "{css}"
    );
    let response = app.get(&css).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert_eq!(
        response.headers()["cache-control"],
        "max-age=31536000, immutable"
    );
    assert_security_headers(response.headers(), &css);
}

#[tokio::test]
async fn plain_names_still_work_but_revalidate() {
    let app = spawn_app().await;
    let response = app.get("/static/favicon.svg").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["cache-control"], "public, no-cache");
    let etag = response.headers()["etag"].clone();
    let again = app
        .client
        .get(app.url("/static/favicon.svg"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
}

#[tokio::test]
async fn traversal_attempts_never_leave_the_static_folder() {
    let app = spawn_app().await;
    for path in [
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/%252e%252e/Cargo.toml",
        "/static/..%5cCargo.toml",
        "/static/img/../../Cargo.toml",
        "/static//etc/passwd",
    ] {
        let (status, _, body) = app.get_page(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("[package]"), "{path}");
    }
}

#[tokio::test]
async fn svg_files_name_their_charset_and_may_style_themselves_but_run_nothing() {
    let app = spawn_app().await;
    let response = app.get("/static/img/follicle-dots.svg").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "image/svg+xml; charset=utf-8"
    );
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert!(policy.contains("style-src 'unsafe-inline'"), "{policy}");
    assert!(!policy.contains("script"), "{policy}");
}

#[tokio::test]
async fn the_built_in_files_are_served_by_default() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    let css = attribute(&html, "rel=\"stylesheet\"", "href").unwrap();
    let served = app.get(&css).await.bytes().await.unwrap();
    let on_disk = std::fs::read(crate::helpers::repo_path("static/style.css")).unwrap();
    assert_eq!(served.as_ref(), on_disk.as_slice());
}

#[tokio::test]
async fn a_static_folder_overrides_them_and_reloads_when_a_designer_saves() {
    // Arrange: a designer's copy of static/.
    let dir = tempfile::tempdir().unwrap();
    crate::helpers::copy_dir(&crate::helpers::repo_path("static"), dir.path());
    let folder = dir.path().to_owned();
    let app = crate::helpers::spawn_app_with(|config| config.static_dir = Some(folder)).await;
    let before = attribute(&app.get_html("/").await, "rel=\"stylesheet\"", "href").unwrap();

    // Act: they change the stylesheet.
    let css = dir.path().join("style.css");
    let mut text = std::fs::read_to_string(&css).unwrap();
    text.push_str("\n.designer-was-here{color:red}\n");
    std::fs::write(&css, &text).unwrap();

    // Assert: pages soon link the new stylesheet, under a new fingerprint.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = attribute(&app.get_html("/").await, "rel=\"stylesheet\"", "href").unwrap();
        if now != before {
            let served = app.get(&now).await.text().await.unwrap();
            assert!(served.contains(".designer-was-here"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new stylesheet did not go live"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
