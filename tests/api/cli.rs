//! The binary itself: `check`, start-up failures, logging and graceful shutdown.
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{FIXTURE_GUIDE, copy_dir, repo_path};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smp-guide"));
    command.current_dir(repo_path("."));
    command.env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("SMP_GUIDE_") {
            command.env_remove(key);
        }
    }
    // Each run gets its own database unless the test names one with --database: servers
    // started side by side must not contend for the default data/smp-guide.db (a second
    // server on one SQLite file refuses to start), nor write into the repository.
    static RUNS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let database = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-{}-{run}.db", std::process::id()));
    command.env(
        "SMP_GUIDE_DATABASE",
        format!("sqlite://{}", database.display()),
    );
    command
}

fn broken_content() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_path(FIXTURE_GUIDE), dir.path());
    let risks = dir.path().join("guide/risks.md");
    let text =
        std::fs::read_to_string(&risks)
            .unwrap()
            .replacen("order = 4", "order = \"four\"", 1);
    std::fs::write(&risks, text).unwrap();
    std::fs::write(dir.path().join("guide/extra.md"), "").unwrap();
    dir
}

#[test]
fn check_accepts_the_shipped_content() {
    let output = binary().arg("check").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    // Readers act on this guide: every section is sourced and reads as plain English.
    for worry in ["source", "reading ease is", "citation"] {
        assert!(
            !stdout
                .lines()
                .any(|l| l.contains("warning:") && l.contains(worry)),
            "{stdout}"
        );
    }
    assert_eq!(
        stdout.matches(": reading ease ").count(),
        7,
        "every section's score is printed: {stdout}"
    );
}

#[test]
fn check_reports_every_problem_as_path_line_message() {
    let dir = broken_content();
    let output = binary()
        .args(["check", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let risks = format!(
        "{}:5: `order` must be a whole number, like `order = 4`",
        dir.path().join("guide/risks.md").display()
    );
    let extra = format!(
        "{}:1: the file is empty",
        dir.path().join("guide/extra.md").display()
    );
    assert!(stdout.lines().any(|l| l == risks), "{stdout}");
    assert!(stdout.lines().any(|l| l == extra), "{stdout}");
}

#[test]
fn a_typo_in_one_section_is_one_problem_and_the_summary_counts_the_links_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_path(FIXTURE_GUIDE), dir.path());
    let risks = dir.path().join("guide/risks.md");
    let text = std::fs::read_to_string(&risks).unwrap();
    std::fs::write(&risks, text.replacen("order = 4", "order = four", 1)).unwrap();
    // Every link to the section from the other files: Markdown links, and site.toml's
    // `urgent_advice`.
    let mut links_to_risks = 0;
    for file in ["site.toml", "home.md", "guide", "pages"] {
        let path = dir.path().join(file);
        let files = match std::fs::read_dir(&path) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => vec![path],
        };
        for file in files.iter().filter(|f| **f != risks) {
            let text = std::fs::read_to_string(file).unwrap();
            links_to_risks += text.matches("](/guide/risks)").count()
                + text.matches("](/guide/risks#").count()
                + text.matches("= \"/guide/risks").count();
        }
    }
    assert!(links_to_risks > 1, "the fixture links to the risks section");

    let output = binary()
        .args(["check", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!(
            "{}:5: `order` must be a whole number, like `order = 4`\n",
            risks.display()
        ),
        "one problem: no missing section, no broken links"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!("1 problem in risks.md ({links_to_risks} links to it were not checked)\n")
    );
}

#[test]
fn serve_refuses_to_start_on_bad_content() {
    let dir = broken_content();
    let output = binary()
        .args(["serve", "--addr", "127.0.0.1:0", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("guide/risks.md:5: `order` must be a whole number"),
        "{stderr}"
    );
}

#[test]
fn a_bad_listen_address_is_a_clear_error() {
    let output = binary()
        .env("SMP_GUIDE_ADDR", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid listen address"));
}

/// Starts the binary on a free port and waits until it says where it listens.
struct Server {
    child: std::process::Child,
    address: String,
    log: std::sync::mpsc::Receiver<String>,
    /// The log lines up to the one that says where it listens.
    startup: Vec<String>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut command = binary();
        command.args(["serve", "--addr", "127.0.0.1:0"]).args(args);
        Self::spawn(command)
    }

    fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut startup = Vec::new();
        let address = loop {
            let line = rx
                .recv_timeout(deadline - Instant::now())
                .expect("the server logs its address");
            startup.push(line.clone());
            // The line that says it serves (an earlier one may name the base URL).
            if let Some(at) = line
                .contains("listening on")
                .then(|| line.find("http://127.0.0.1:"))
                .flatten()
            {
                let rest = &line[at..];
                break rest[..rest
                    .find(|c: char| c == '"' || c.is_whitespace())
                    .unwrap_or(rest.len())]
                    .to_owned();
            }
        };
        Server {
            child,
            address,
            log: rx,
            startup,
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_for_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not stop in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Reads the server's log until a line holds `needle` (an event, not a guess at timing);
    /// returns every line read, that one last.
    fn wait_for_log(&self, needle: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self
                .log
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("the server never logged {needle:?}: {lines:#?}"));
            let found = line.contains(needle);
            lines.push(line);
            if found {
                return lines;
            }
        }
    }

    fn lines_for(&self, wait: Duration) -> Vec<String> {
        let deadline = Instant::now() + wait;
        let mut lines = Vec::new();
        while let Ok(line) = self
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            lines.push(line);
        }
        lines
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(url: &str, cookie: bool) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut request = reqwest::Client::new().get(url);
        if cookie {
            request = request.header("cookie", "session=secret-cookie-value");
        }
        request.send().await.unwrap().status().as_u16()
    })
}

/// A GET's status, content type and body.
fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new().get(url).send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (
            status,
            content_type,
            response.bytes().await.unwrap().to_vec(),
        )
    })
}

#[test]
fn the_binary_alone_in_an_empty_folder_serves_the_guide_with_its_styles() {
    // Arrange: the program and nothing else, in a folder of its own.
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("smp-guide");
    std::fs::copy(env!("CARGO_BIN_EXE_smp-guide"), &program).unwrap();
    let alone = |args: &[&str]| {
        let mut command = Command::new(&program);
        command
            .current_dir(dir.path())
            .env_remove("RUST_LOG")
            .args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("SMP_GUIDE_") {
                command.env_remove(key);
            }
        }
        command
    };
    let content = repo_path("content");

    // `check` runs there, given the content folder...
    let output = alone(&["check", "--content"])
        .arg(&content)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("ok, 7 sections"), "{stdout}");
    // ...and without it says which folder it looked for and which flag sets it.
    for args in [&["check"][..], &["serve", "--addr", "127.0.0.1:0"]] {
        let output = alone(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}");
        assert!(
            stderr.contains("cannot read the content folder ./content: ")
                && stderr.contains("(set it with --content DIR)"),
            "{args:?}: {stderr}"
        );
    }

    // Act: serve the guide from there.
    let mut command = alone(&["serve", "--addr", "127.0.0.1:0", "--content"]);
    command.arg(&content);
    let server = Server::spawn(command);

    // Assert: pages, with their stylesheet and illustrations built in, and links that
    // point at the server itself.
    let (status, _, html) = fetch(&format!("{}/guide/process", server.address));
    assert_eq!(status, 200);
    let html = String::from_utf8(html).unwrap();
    let css = crate::helpers::attribute(&html, "rel=\"stylesheet\"", "href").unwrap();
    let (status, content_type, body) = fetch(&format!("{}{css}", server.address));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/css; charset=utf-8")
    );
    assert_eq!(body, std::fs::read(repo_path("static/style.css")).unwrap());
    let image = html
        .split("<img src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let (status, content_type, _) = fetch(&format!("{}{image}", server.address));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "image/svg+xml; charset=utf-8")
    );
    assert_eq!(
        crate::helpers::attribute(&html, "rel=\"canonical\"", "href").unwrap(),
        format!("{}/guide/process", server.address)
    );
    let startup = server.startup.join("\n");
    assert!(
        startup.contains("no base URL configured")
            && startup.contains(&format!("use the listen address {}", server.address)),
        "the start-up log says where links point: {startup}"
    );
    assert!(
        dir.path().join("data/smp-guide.db").exists(),
        "the database sits beside it"
    );
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    for signal in ["TERM", "INT"] {
        let mut server = Server::start(&[]);
        assert_eq!(get(&format!("{}/healthz", server.address), false), 200);
        server.signal(signal);
        let status = server.wait_for_exit(Duration::from_secs(10));
        assert!(status.success(), "SIG{signal}: {status}");
    }
}

#[test]
fn json_logs_have_one_line_per_request_without_private_data() {
    let server = Server::start(&["--log-format", "json"]);
    assert_eq!(
        get(
            &format!("{}/search?q=my-private-query", server.address),
            true
        ),
        200
    );
    // Pages from memory are answered before the router, and logged the same way.
    assert_eq!(get(&format!("{}/guide/risks", server.address), true), 200);
    assert_eq!(
        get(&format!("{}/static/favicon.svg", server.address), false),
        200
    );
    let lines = server.lines_for(Duration::from_millis(500));
    let requests: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| entry["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 3, "{lines:#?}");
    let entry = &requests[0];
    assert_eq!(entry["status"], 200);
    assert!(entry["latency_us"].is_u64());
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["path"], "/search");
    assert_eq!(entry["route"], "/search");
    for (entry, path, route) in [
        (&requests[1], "/guide/risks", "/guide/{slug}"),
        (&requests[2], "/static/favicon.svg", "/static/{*path}"),
    ] {
        assert_eq!(
            (&entry["path"], &entry["route"], &entry["status"]),
            (&path.into(), &route.into(), &200.into()),
            "{entry}"
        );
        assert_eq!(entry["level"], "INFO");
        assert!(entry["latency_us"].is_u64() && entry["timestamp"].is_string());
    }
    let all = lines.join("\n");
    assert!(
        !all.contains("my-private-query") && !all.contains("secret-cookie-value"),
        "{all}"
    );
}

/// Submits comments from several tasks until the server dies; returns the bodies that got
/// their 303 (acknowledged). `acks` counts them as they come, so that the test can wait for
/// writes to be flowing before it kills the server.
async fn submit_until_killed(
    address: &str,
    round: usize,
    acks: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Vec<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let client = client.clone();
        let url = format!("{address}/guide/risks/comments");
        let acks = acks.clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0..500 {
                let body = format!("round {round} worker {worker} comment {n}");
                let sent = client
                    .post(&url)
                    .form(&[
                        ("comment", body.as_str()),
                        ("author", "Crash tester"),
                        ("email", "crash@example.com"),
                    ])
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status().as_u16() == 303 => {
                        acks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        acknowledged.push(body);
                    }
                    Ok(response) => panic!("unexpected status {}", response.status()),
                    Err(_) => break,
                }
            }
            acknowledged
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

#[test]
fn acknowledged_comments_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let config = dir.path().join("smp.toml");
    std::fs::write(
        &config,
        "[comments]\nmin_interval_secs = 0\nmax_per_hour = 0\n",
    )
    .unwrap();
    let database = format!("sqlite://{}", db.display());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        let mut server = Server::start(&[
            "--database",
            &database,
            "--config",
            config.to_str().unwrap(),
        ]);
        let address = server.address.clone();
        let acks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = acks.clone();
        let submitting =
            runtime.spawn(async move { submit_until_killed(&address, round, counted).await });
        // Writes must be flowing before the kill (a busy CI machine may take a while to answer
        // the first one); then kill at a random moment, while more are in flight.
        let deadline = Instant::now() + Duration::from_secs(60);
        while acks.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            assert!(
                Instant::now() < deadline,
                "round {round}: no comment was acknowledged"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let jitter = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
            % 300;
        std::thread::sleep(Duration::from_millis(20 + u64::from(jitter)));
        server.signal("KILL");
        server.wait_for_exit(Duration::from_secs(5));
        acknowledged.extend(runtime.block_on(submitting).unwrap());
    }
    // A fresh start opens (and recovers) the database; every acknowledged comment is there once.
    let server = Server::start(&[
        "--database",
        &database,
        "--config",
        config.to_str().unwrap(),
    ]);
    drop(server);
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&database).await.unwrap();
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(integrity, "ok");
        for body in &acknowledged {
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE body = ?")
                .bind(body)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(count, 1, "{body}");
        }
    });
}

fn run_with_stdin(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = binary()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn moderator_accounts_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("m.db").display());
    let db = ["--database", database.as_str()];
    let add = run_with_stdin(
        &[&["moderator", "add", "alice", "--password-stdin"][..], &db].concat(),
        "a long enough password\n",
    );
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    assert!(String::from_utf8_lossy(&add.stdout).contains("created moderator alice"));
    let reset = run_with_stdin(
        &[&["moderator", "add", "alice", "--password-stdin"][..], &db].concat(),
        "another long password\n",
    );
    assert!(
        String::from_utf8_lossy(&reset.stdout).contains("reset the password of moderator alice")
    );
    let short = run_with_stdin(
        &[&["moderator", "add", "bob", "--password-stdin"][..], &db].concat(),
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    let without_flag = binary()
        .args(["moderator", "add", "bob"])
        .args(db)
        .output()
        .unwrap();
    assert!(
        !without_flag.status.success(),
        "the password only ever comes from stdin"
    );

    let list = binary()
        .args(["moderator", "list"])
        .args(db)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.starts_with("alice\t") && !listed.contains("bob"),
        "{listed}"
    );
    assert!(!listed.contains("argon2"), "hashes are never printed");

    let remove = binary()
        .args(["moderator", "remove", "alice"])
        .args(db)
        .output()
        .unwrap();
    assert!(remove.status.success());
    let again = binary()
        .args(["moderator", "remove", "alice"])
        .args(db)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("there is no moderator called alice"));
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_are_exported_as_json_with_the_audit_trail_and_as_csv() {
    let app = crate::helpers::spawn_app().await;
    app.add_moderator("alice", "correct horse battery staple")
        .await;
    let session = app
        .login_as_moderator("alice", "correct horse battery staple")
        .await;
    let kept = app
        .pending_comment("risks", "Line one, \"quoted\"\nline two", "Ann")
        .await;
    app.pending_comment("faq", "Still waiting", "Bea").await;
    app.admin_post(&session, &format!("/admin/comments/{kept}/approve"), &[])
        .await;
    let database = format!("sqlite://{}", app.db_path.display());

    let json = binary()
        .args(["comments", "export", "--database", &database])
        .output()
        .unwrap();
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let exported: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let list = exported.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["text"], "Line one, \"quoted\"\nline two");
    assert_eq!(list[0]["email"], "someone@example.com");
    assert_eq!(list[0]["audit_trail"][0]["action"], "approve");
    assert_eq!(list[0]["audit_trail"][0]["moderator"], "alice");

    let approved = binary()
        .args([
            "comments",
            "export",
            "--status",
            "approved",
            "--database",
            &database,
        ])
        .output()
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&approved.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let csv = binary()
        .args([
            "comments",
            "export",
            "--format",
            "csv",
            "--database",
            &database,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(
        text.starts_with("id,section,parent_id,author,email,url,text,status,created_at"),
        "{text}"
    );
    assert!(
        text.contains("\"Line one, \"\"quoted\"\"\nline two\""),
        "{text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.contains(",pending,") || l.contains(",approved,"))
            .count(),
        2
    );

    let bad = binary()
        .args([
            "comments",
            "export",
            "--status",
            "deleted",
            "--database",
            &database,
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown status"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commenter_data_can_be_exported_and_erased_by_email() {
    let app = crate::helpers::spawn_app().await;
    let mine = crate::helpers::form("Mine", "Ann", "ann@example.com");
    assert_eq!(
        app.post_comment("risks", &mine).await.status().as_u16(),
        303
    );
    app.approve(1).await;
    app.pending_comment("risks", "Someone else's", "Bea").await;
    assert!(app.get_html("/guide/risks").await.contains("Mine"));
    let database = format!("sqlite://{}", app.db_path.display());

    let export = binary()
        .args([
            "comments",
            "export",
            "--email",
            "ANN@example.com",
            "--database",
            &database,
        ])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["author"], "Ann");

    let erase = binary()
        .args([
            "comments",
            "erase",
            "--email",
            "ann@example.com",
            "--database",
            &database,
        ])
        .output()
        .unwrap();
    assert!(erase.status.success());
    assert!(String::from_utf8_lossy(&erase.stdout).contains("erased 1 comment"));
    let rows = app.rows().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].author, "Bea");
    // The running server notices the change through the page revisions.
    let deadline = Instant::now() + Duration::from_secs(3);
    while app.get_html("/guide/risks").await.contains("Mine") {
        assert!(
            Instant::now() < deadline,
            "the erased comment is still public"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn sighup_reloads_content_when_file_watching_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    copy_dir(&repo_path(FIXTURE_GUIDE), &content);
    let config = dir.path().join("smp.toml");
    std::fs::write(&config, "watch_content = false\n").unwrap();
    let database = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    let server = Server::start(&[
        "--content",
        content.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--database",
        &database,
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let page = |path: &str| {
        let url = format!("{}{path}", server.address);
        runtime.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
    };
    let risks = content.join("guide/risks.md");
    let text = std::fs::read_to_string(&risks).unwrap();
    std::fs::write(
        &risks,
        text.replacen("title = \"", "title = \"Reloaded by SIGHUP: ", 1),
    )
    .unwrap();
    // No file watching: the edit alone reloads nothing; the first reload follows SIGHUP.
    assert!(!page("/guide/risks").contains("Reloaded by SIGHUP"));
    server.signal("HUP");
    let lines = server.wait_for_log("content reloaded");
    let hup = lines
        .iter()
        .position(|l| l.contains("SIGHUP: reloading content"))
        .expect("the server logs the SIGHUP");
    assert!(
        !lines[..hup].iter().any(|l| l.contains("content reloaded")),
        "no reload before the signal: {lines:#?}"
    );
    assert!(page("/guide/risks").contains("Reloaded by SIGHUP"));
}

#[test]
fn check_prints_warnings_but_passes() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_path(FIXTURE_GUIDE), dir.path());
    let faq = dir.path().join("guide/faq.md");
    let text = std::fs::read_to_string(&faq).unwrap();
    let text = text
        .replacen(
            "title = \"",
            &format!("title = \"{} ", "Long".repeat(15)),
            1,
        )
        .lines()
        .map(|line| {
            if line.starts_with("last_reviewed =") {
                "last_reviewed = 2025-01-01"
            } else if line.starts_with("next_review =") {
                "next_review = 2025-06-01"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&faq, text).unwrap();
    let output = binary()
        .args(["check", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let path = faq.display().to_string();
    assert!(
        stdout.contains(&format!("{path}:2: warning: the title has")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with(&path) && l.contains("warning: the review was due")),
        "{stdout}"
    );
}

#[test]
fn sigterm_under_load_finishes_in_flight_requests_refuses_new_ones_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("smp.toml");
    std::fs::write(
        &config,
        "shutdown_grace_secs = 5\n# two workers, each with its own listener, on any machine\nworkers = 2\n[comments]\nmin_interval_secs = 0\nmax_per_hour = 0\n",
    )
    .unwrap();
    let database = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    let mut server = Server::start(&[
        "--database",
        &database,
        "--config",
        config.to_str().unwrap(),
    ]);
    let address = server.address.trim_start_matches("http://").to_owned();

    // Background readers keep the server busy.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (address, stop) = (address.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let Ok(mut s) = std::net::TcpStream::connect(&address) else {
                        break;
                    };
                    let _ = s.write_all(
                        b"GET /guide/risks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    );
                    let _ = s.read_to_end(&mut Vec::new());
                }
            })
        })
        .collect();

    // A comment whose body is still on its way when SIGTERM comes. `Expect: 100-continue`
    // makes the server say when the handler starts reading the body, so the test knows the
    // request is in flight without guessing at timing.
    let body = "comment=Sent+across+the+shutdown&author=Slow&email=slow%40example.com";
    let mut upload = std::net::TcpStream::connect(&address).unwrap();
    upload
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        upload,
        "POST /guide/risks/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len(),
    )
    .unwrap();
    let mut interim = Vec::new();
    while !interim.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(
            upload.read(&mut byte).unwrap(),
            1,
            "the server answers 100 Continue"
        );
        interim.push(byte[0]);
    }
    assert!(
        interim.starts_with(b"HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    server.signal("TERM");
    server.wait_for_log("shutting down");
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "new connections are refused once stopping"
    );
    upload.write_all(body.as_bytes()).unwrap();
    let mut response = vec![0u8; 128];
    let n = upload.read(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response[..n]);
    assert!(
        response.starts_with("HTTP/1.1 303"),
        "the in-flight request finished: {response}"
    );

    let status = server.wait_for_exit(Duration::from_secs(6));
    assert!(status.success(), "exit status {status}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.join().unwrap();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&database).await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE author = 'Slow'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 1, "the acknowledged comment is stored");
    });
}

#[test]
fn the_database_is_backed_up_online_and_restored_only_when_the_server_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("live.db");
    let database = format!("sqlite://{}", db_file.display());
    let config = dir.path().join("smp.toml");
    std::fs::write(
        &config,
        "[comments]\nmin_interval_secs = 0\nmax_per_hour = 0\n",
    )
    .unwrap();
    let mut server = Server::start(&[
        "--database",
        &database,
        "--config",
        config.to_str().unwrap(),
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let post = |text: &str| {
        let url = format!("{}/guide/risks/comments", server.address);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let fields = [
            ("comment", text),
            ("author", "Backup tester"),
            ("email", "b@example.com"),
        ];
        runtime.block_on(async {
            client
                .post(url)
                .form(&fields)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    assert_eq!(post("In the backup"), 303);

    let backup = dir.path().join("backup.db");
    let made = binary()
        .args(["db", "backup"])
        .arg(&backup)
        .args(["--database", &database])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert_eq!(post("After the backup"), 303, "the server kept running");
    let again = binary()
        .args(["db", "backup"])
        .arg(&backup)
        .args(["--database", &database])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let refused = binary()
        .args(["db", "restore"])
        .arg(&backup)
        .args(["--database", &database])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("refusing to restore while the server is running")
    );

    server.signal("TERM");
    assert!(server.wait_for_exit(Duration::from_secs(10)).success());
    let not_a_backup = dir.path().join("junk.db");
    std::fs::write(&not_a_backup, "not a database").unwrap();
    let junk = binary()
        .args(["db", "restore"])
        .arg(&not_a_backup)
        .args(["--database", &database])
        .output()
        .unwrap();
    assert!(
        !junk.status.success(),
        "a file that is not a backup is refused"
    );

    let restored = binary()
        .args(["db", "restore"])
        .arg(&backup)
        .args(["--database", &database])
        .output()
        .unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&database).await.unwrap();
        let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM comments ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(bodies, ["In the backup"]);
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(integrity, "ok");
    });
}

#[test]
fn two_servers_cannot_share_one_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("one.db").display());
    let _first = Server::start(&["--database", &database]);
    let second = binary()
        .args(["serve", "--addr", "127.0.0.1:0", "--database", &database])
        .output()
        .unwrap();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already running"));
}

#[tokio::test]
async fn comments_erase_refuses_a_blank_address() {
    let app = crate::helpers::spawn_app().await;
    app.add_moderator("mia", "a long enough password").await;
    let question = app.approved_comment("faq", "A question", "Ann").await;
    let session = app
        .login_as_moderator("mia", "a long enough password")
        .await;
    let answered = app
        .admin_post(
            &session,
            &format!("/admin/comments/{question}/answer"),
            &[("answer", "An answer from the team.")],
        )
        .await;
    assert_eq!(answered.status().as_u16(), 303);
    let database = format!("sqlite://{}", app.db_path.display());
    for blank in ["", "   "] {
        let erase = binary()
            .args([
                "comments",
                "erase",
                "--email",
                blank,
                "--database",
                &database,
            ])
            .output()
            .unwrap();
        assert!(!erase.status.success(), "{blank:?}");
        let stderr = String::from_utf8_lossy(&erase.stderr);
        assert!(stderr.contains("email"), "{stderr}");
    }
    assert_eq!(
        app.rows().await.len(),
        2,
        "the answer and the question stay"
    );
}

#[test]
fn with_sqlite_the_client_key_is_made_beside_the_database_and_kept_private() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    let database = format!("sqlite://{}", db.display());
    let key = dir.path().join("site.db.key");
    let first = {
        let server = Server::start(&["--database", &database]);
        drop(server);
        std::fs::read_to_string(&key).expect("the key file was created")
    };
    assert_eq!(first.trim().len(), 64);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    // A second start keeps the same key.
    drop(Server::start(&["--database", &database]));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), first);
}

#[test]
fn with_postgres_and_no_client_key_file_serve_says_what_to_set() {
    let output = binary()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("client_hash_key_file"), "{stderr}");
}

#[test]
fn editor_accounts_are_managed_like_moderators_and_may_hold_both_roles() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("e.db").display());
    let db = ["--database", database.as_str()];
    let add = |role: &str, name: &str| {
        run_with_stdin(
            &[&[role, "add", name, "--password-stdin"][..], &db].concat(),
            "a long enough password\n",
        )
    };
    let list = |role: &str| {
        let out = binary().args([role, "list"]).args(db).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(String::from_utf8_lossy(&add("editor", "eve").stdout).contains("created editor eve"));
    assert!(
        String::from_utf8_lossy(&add("moderator", "mia").stdout).contains("created moderator mia")
    );
    assert!(
        list("editor").starts_with("eve\teditor\t"),
        "{}",
        list("editor")
    );
    assert!(!list("moderator").contains("eve"));
    // Giving eve the other role too: one account, both roles.
    assert!(add("moderator", "eve").status.success());
    assert!(
        list("moderator").contains("eve\tmoderator editor\t"),
        "{}",
        list("moderator")
    );
    let remove = binary()
        .args(["editor", "remove", "eve"])
        .args(db)
        .output()
        .unwrap();
    assert!(remove.status.success());
    assert!(!list("editor").contains("eve"));
    assert!(
        list("moderator").contains("eve\tmoderator\t"),
        "still a moderator"
    );
    let missing = binary()
        .args(["editor", "remove", "mia"])
        .args(db)
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("there is no editor called mia"));
}
