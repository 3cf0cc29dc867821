//! `spawn_app` and the helpers every integration test shares.
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use reqwest::header::HeaderMap;
use smp_guide::app::Application;
use smp_guide::config::Config;
use smp_guide::state::AppState;
use tempfile::TempDir;

/// Logs stay quiet unless `TEST_LOG` is set.
static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var_os("TEST_LOG").is_some() {
        // Logs are written until the test process exits.
        std::mem::forget(smp_guide::telemetry::init(
            smp_guide::telemetry::LogFormat::Text,
        ));
    }
});

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    /// `http://127.0.0.1:PORT` of the metrics listener, when `metrics_addr` was set.
    pub metrics: Option<String>,
    pub client: reqwest::Client,
    pub state: AppState,
    /// The database URL the server uses.
    pub database: String,
    /// The SQLite file, when the server uses SQLite.
    pub db_path: PathBuf,
    /// The server's own copy of the content, for editing tests.
    pub content_dir: PathBuf,
    /// Holds the server's files (content copy, database) for as long as the test runs.
    pub _dir: TempDir,
}

/// The small guide the integration tests run on: the shipped content's shape (every
/// section, page, callout kind and structured part) with shorter text, kept here so that
/// an editor's change to `content/` never breaks a Rust test. The shipped content has
/// its own test: it loads and passes `check` (`cli::check_accepts_the_shipped_content`).
pub const FIXTURE_GUIDE: &str = "tests/fixtures/guide";

/// A client key file shared by every test server of this run.
pub static TEST_CLIENT_KEY: LazyLock<PathBuf> = LazyLock::new(|| {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-client.key");
    std::fs::write(&path, format!("{}\n", "5e".repeat(32))).expect("writing the test client key");
    path
});

/// Starts the real application on `127.0.0.1:0` with a copy of the fixture guide.
///
/// The server uses a new SQLite file, or, with `SMP_TEST_DATABASE=postgres`, a new database
/// on the tests' PostgreSQL server: `.ci/run` runs the HTTP suites a second time that way.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], letting the test change the content copy or the config first.
pub async fn spawn_app_with(prepare: impl FnOnce(&mut Config)) -> TestApp {
    LazyLock::force(&TRACING);
    let dir = tempfile::tempdir().expect("temp dir");
    let content = dir.path().join("content");
    copy_dir(&repo_path(FIXTURE_GUIDE), &content);
    let db_path = dir.path().join("test.db");
    let content_dir = content.clone();
    let database = if std::env::var("SMP_TEST_DATABASE").is_ok_and(|db| db == "postgres") {
        crate::postgres::fresh_database()
            .await
            .expect("SMP_TEST_DATABASE=postgres needs a PostgreSQL server")
    } else {
        format!("sqlite://{}", db_path.display())
    };
    let mut config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        content_dir: content,
        // The built-in static files, as a bare `smp-guide serve` uses.
        static_dir: None,
        database,
        ..Config::default()
    };
    // One client key for every test server, as instances of one site share theirs (with
    // PostgreSQL it must be configured; with SQLite the default beside the file is tested
    // by the command-line tests).
    config.comments.client_hash_key_file = Some(TEST_CLIENT_KEY.clone());
    // Most tests post many comments from one address; flood tests turn limits back on.
    config.comments.min_interval_secs = 0;
    config.comments.max_per_hour = 0;
    // Every test client connects from 127.0.0.1, as if through one proxy; the tests of the
    // per-client share set it back.
    config.limits.max_connections_per_client = config.limits.max_connections;
    prepare(&mut config);
    let app = Application::build(config).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics = app.metrics_addr().map(|a| format!("http://{a}"));
    let state = app.state();
    let database = state.config.database.clone();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        metrics,
        client,
        state,
        database,
        db_path,
        content_dir,
        _dir: dir,
    }
}

/// A valid comment form, as a browser would send it.
pub fn form(comment: &str, author: &str, email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("comment", comment.to_owned()),
        ("author", author.to_owned()),
        ("email", email.to_owned()),
        ("url", String::new()),
        ("parent", String::new()),
        ("nickname", String::new()),
    ]
}

/// One stored row, read straight from the database file.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub section: String,
    pub parent_id: Option<i64>,
    pub author: String,
    pub email: String,
    pub url: Option<String>,
    pub body: String,
    pub status: String,
    pub client_hash: Option<String>,
    pub user_agent: Option<String>,
    pub flag_reason: Option<String>,
}

impl TestApp {
    pub async fn post_comment(&self, slug: &str, fields: &[(&str, String)]) -> reqwest::Response {
        let body = serde_urlencoded_like(fields);
        self.post_raw(slug, "application/x-www-form-urlencoded", body.into_bytes())
            .await
    }

    /// Posts a comment as a browser holding these cookies (`name=value; ...`) would.
    pub async fn post_comment_with_cookies(
        &self,
        slug: &str,
        fields: &[(&str, String)],
        cookies: &str,
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/guide/{slug}/comments")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookies)
            .body(serde_urlencoded_like(fields))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_raw(
        &self,
        slug: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/guide/{slug}/comments")))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Every stored comment, oldest first.
    pub async fn rows(&self) -> Vec<Row> {
        let all = self.state.store.export(None, None).await.unwrap();
        all.into_iter()
            .map(|c| Row {
                id: c.id,
                section: c.section,
                parent_id: c.parent_id,
                author: c.author,
                email: c.email,
                url: c.url,
                body: c.body,
                status: c.status.to_string(),
                client_hash: c.client_hash,
                user_agent: c.user_agent,
                flag_reason: c.flag_reason,
            })
            .collect()
    }

    /// Approves a comment straight in the database (no audit trail, as an older tool
    /// might), then refreshes its page.
    pub async fn approve(&self, id: i64) {
        let section = self
            .sql(
                "UPDATE comments SET status = 'approved' WHERE id = ? RETURNING section",
                id,
            )
            .await
            .expect("the comment exists");
        self.state
            .site()
            .refresh_comments(self.state.store.as_ref(), &section)
            .await
            .unwrap();
    }

    /// Posts a comment and approves it; returns its id.
    pub async fn approved_comment(&self, slug: &str, comment: &str, author: &str) -> i64 {
        let response = self
            .post_comment(slug, &form(comment, author, "someone@example.com"))
            .await;
        assert_eq!(response.status().as_u16(), 303);
        let id = self.rows().await.last().unwrap().id;
        self.approve(id).await;
        id
    }

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

/// Sends raw bytes on a new connection and reads until the server closes it (or 5 s pass).
pub fn raw_request(address: &str, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
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

/// Form-encodes fields the way browsers do.
pub fn serde_urlencoded_like(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A signed-in moderator's cookie and CSRF token.
pub struct AdminSession {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// Creates a moderator account straight in the store.
    pub async fn add_moderator(&self, username: &str, password: &str) {
        self.add_account(username, password, smp_guide::store::Role::Moderator)
            .await;
    }

    /// Creates an account with this role (or gives an existing one the role too).
    pub async fn add_account(&self, username: &str, password: &str, role: smp_guide::store::Role) {
        let hash = smp_guide::accounts::passwords::hash_password(password).unwrap();
        self.state
            .store
            .upsert_account(username, &hash, role, 0)
            .await
            .unwrap();
    }

    /// Posts the sign-in form as a browser on this site would.
    pub async fn post_login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/admin/login"))
            .header("origin", &self.address)
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// Signs in and reads the CSRF token from the queue page.
    pub async fn login_as_moderator(&self, username: &str, password: &str) -> AdminSession {
        self.login_as(username, password, "/admin").await
    }

    /// Signs in; the sign-in must land on `landing` (the queue for moderators, the preview
    /// for editors), whose page gives the CSRF token.
    pub async fn login_as(&self, username: &str, password: &str, landing: &str) -> AdminSession {
        let response = self.post_login(username, password).await;
        assert_eq!(response.status().as_u16(), 303, "sign-in succeeds");
        assert_eq!(
            response.headers()["location"],
            landing,
            "where sign-in lands"
        );
        let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let mut session = AdminSession {
            cookie,
            csrf: String::new(),
        };
        let page = self
            .admin_get(&session, landing)
            .await
            .text()
            .await
            .unwrap();
        session.csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .expect("a CSRF field")
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        session
    }

    pub async fn admin_get(&self, session: &AdminSession, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", &session.cookie)
            .send()
            .await
            .unwrap()
    }

    /// POSTs an admin form with the session's cookie, its CSRF token and our Origin.
    pub async fn admin_post(
        &self,
        session: &AdminSession,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", session.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .header("cookie", &session.cookie)
            .header("origin", &self.address)
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Posts a pending comment and returns its id.
    pub async fn pending_comment(&self, slug: &str, comment: &str, author: &str) -> i64 {
        let response = self
            .post_comment(slug, &form(comment, author, "someone@example.com"))
            .await;
        assert_eq!(response.status().as_u16(), 303);
        self.rows().await.last().unwrap().id
    }

    /// Runs SQL against the database (to age sessions or comments in tests).
    pub async fn execute(&self, sql: &'static str, value: i64) {
        self.sql(sql, value).await;
    }

    /// Runs one statement with one `?` parameter straight against the server's database,
    /// bypassing the server; returns the first text column of the first row, if any.
    async fn sql(&self, sql: &str, value: i64) -> Option<String> {
        use sqlx::{AssertSqlSafe, Connection, Row as _};
        if self.database.starts_with("postgres") {
            let mut connection = sqlx::PgConnection::connect(&self.database).await.unwrap();
            let sql = sql.replace('?', "$1");
            let row = sqlx::query(AssertSqlSafe(sql))
                .bind(value)
                .fetch_optional(&mut connection)
                .await
                .unwrap();
            row.map(|r| r.get(0))
        } else {
            let mut connection = sqlx::SqliteConnection::connect(&self.database)
                .await
                .unwrap();
            let row = sqlx::query(AssertSqlSafe(sql.to_owned()))
                .bind(value)
                .fetch_optional(&mut connection)
                .await
                .unwrap();
            row.map(|r| r.get(0))
        }
    }
}

pub fn assert_redirects_to(response: &reqwest::Response, location: &str) {
    assert_eq!(
        response.status().as_u16(),
        303,
        "expected a redirect to {location}"
    );
    assert_eq!(response.headers()["location"], location);
}
