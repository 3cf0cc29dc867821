//! `spawn_app` and the helpers every integration test shares.
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use reqwest::header::HeaderMap;
use smp_guide::app::Application;
use smp_guide::config::Config;
use tempfile::TempDir;

/// Logs stay quiet unless `TEST_LOG` is set.
static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var_os("TEST_LOG").is_some() {
        smp_guide::telemetry::init(smp_guide::cli::LogFormat::Text);
    }
});

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// Holds the server's files (content copy, database) for as long as the test runs.
    #[allow(dead_code)]
    pub dir: TempDir,
}

/// Starts the real application on `127.0.0.1:0` with a copy of the shipped content.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], letting the test change the content copy or the config first.
pub async fn spawn_app_with(prepare: impl FnOnce(&mut Config)) -> TestApp {
    LazyLock::force(&TRACING);
    let dir = tempfile::tempdir().expect("temp dir");
    let content = dir.path().join("content");
    copy_dir(&repo_path("content"), &content);
    let mut config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        content_dir: content,
        static_dir: repo_path("static"),
        database: format!("sqlite://{}", dir.path().join("test.db").display()),
        ..Config::default()
    };
    prepare(&mut config);
    let app = Application::build(config).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// GETs a page and returns status, headers and body.
    pub async fn get_page(&self, path: &str) -> (u16, HeaderMap, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.text().await.unwrap())
    }

    /// GETs a page that must answer 200 and returns its body.
    pub async fn get_html(&self, path: &str) -> String {
        let (status, headers, body) = self.get_page(path).await;
        assert_eq!(status, 200, "GET {path}");
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "GET {path}"
        );
        body
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The value of the first `attr="..."` on the first tag that contains `marker`.
pub fn attribute(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let needle = format!("{attr}=\"");
    let from = tag.find(&needle)? + needle.len();
    Some(tag[from..from + tag[from..].find('"')?].to_owned())
}

/// Every section path of the shipped guide, in reading order.
pub const SECTION_PATHS: [&str; 7] = [
    "/guide/what-is-smp",
    "/guide/process",
    "/guide/cost-and-longevity",
    "/guide/risks",
    "/guide/choosing-a-practitioner",
    "/guide/pros-and-cons",
    "/guide/faq",
];

/// Headers every response must carry.
pub fn assert_security_headers(headers: &HeaderMap, context: &str) {
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{context}: no CSP"))
        .to_str()
        .unwrap();
    assert!(!csp.contains("unsafe-inline"), "{context}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{context}: {csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{context}");
    assert!(headers.contains_key("referrer-policy"), "{context}");
    assert!(headers.contains_key("permissions-policy"), "{context}");
}
