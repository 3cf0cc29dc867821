//! The binary itself: `check`, start-up failures, logging and graceful shutdown.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{copy_dir, repo_path};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smp-guide"));
    command.current_dir(repo_path("."));
    command.env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("SMP_GUIDE_") {
            command.env_remove(key);
        }
    }
    command
}

fn broken_content() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_path("content"), dir.path());
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
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
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
        "{}:5: front matter: invalid type",
        dir.path().join("guide/risks.md").display()
    );
    let extra = format!(
        "{}:1: the file is empty",
        dir.path().join("guide/extra.md").display()
    );
    assert!(stdout.lines().any(|l| l.starts_with(&risks)), "{stdout}");
    assert!(stdout.lines().any(|l| l == extra), "{stdout}");
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
    assert!(stderr.contains("guide/risks.md:5:"), "{stderr}");
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
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = binary()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
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
        let address = loop {
            let line = rx
                .recv_timeout(deadline - Instant::now())
                .expect("the server logs its address");
            if let Some(at) = line.find("http://127.0.0.1:") {
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
    let lines = server.lines_for(Duration::from_millis(500));
    let requests: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| entry["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 1, "{lines:#?}");
    let entry = &requests[0];
    assert_eq!(entry["status"], 200);
    assert!(entry["latency_us"].is_u64());
    assert_eq!(entry["span"]["method"], "GET");
    assert_eq!(entry["span"]["path"], "/search");
    let all = lines.join("\n");
    assert!(
        !all.contains("my-private-query") && !all.contains("secret-cookie-value"),
        "{all}"
    );
}

/// Submits comments from several tasks until the server dies; returns the bodies that got
/// their 303 (acknowledged), and how many requests failed because the server was gone.
async fn submit_until_killed(address: &str, round: usize) -> Vec<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let client = client.clone();
        let url = format!("{address}/guide/risks/comments");
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
                    Ok(response) if response.status().as_u16() == 303 => acknowledged.push(body),
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
        let submitting = runtime.spawn(async move { submit_until_killed(&address, round).await });
        // Kill at a different moment each round, while writes are in flight.
        std::thread::sleep(Duration::from_millis(150 + 170 * round as u64));
        server.signal("KILL");
        server.wait_for_exit(Duration::from_secs(5));
        let acked = runtime.block_on(submitting).unwrap();
        assert!(
            !acked.is_empty(),
            "round {round}: nothing was acknowledged before the kill"
        );
        acknowledged.extend(acked);
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
