//! Browser journeys (tests/e2e/*.test.mjs) in Debian's headless Chromium, run against the
//! real server. They need Chromium and the audit tools (`shared/audit/install.sh`); where
//! those are missing the test says so on the terminal and passes, and `.ci/run` always
//! installs them.
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::repo_path;

const USER: &str = "e2e-moderator";
const EDITOR: &str = "e2e-editor";
const PASSWORD: &str = "a long e2e password";

fn audit_home() -> PathBuf {
    std::env::var_os("AUDIT_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/smp-audit")
        })
}

/// Why the browser tests cannot run here, if they cannot.
fn missing_tools() -> Option<String> {
    let chromium = std::env::var_os("AUDIT_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let mut missing = Vec::new();
    if !chromium.exists() {
        missing.push(format!("{} (Debian package chromium)", chromium.display()));
    }
    if !audit_home()
        .join("node/node_modules/puppeteer-core")
        .exists()
    {
        missing.push("puppeteer-core (shared/audit/install.sh)".to_owned());
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node".to_owned());
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// Written straight to the terminal: the test harness would otherwise hide it.
fn announce(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***\n");
}

#[test]
fn browser_journeys_pass_in_headless_chromium() {
    if let Some(missing) = missing_tools() {
        announce(&format!(
            "browser tests SKIPPED: missing {missing}; run shared/audit/install.sh to enable them"
        ));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("e2e.db").display());
    let config = dir.path().join("e2e.toml");
    std::fs::write(
        &config,
        "[comments]\nmin_interval_secs = 0\nmax_per_hour = 0\n",
    )
    .unwrap();
    let binary = env!("CARGO_BIN_EXE_smp-guide");

    add_account(binary, "moderator", USER, &database);
    let (base, server) = start_server(binary, &database, &config, None);
    let _server = KillOnDrop(server);
    wait_until_up(&base);

    // The editor's preview journey edits content: a second server, on a copy of the
    // fixture guide of its own.
    let edited = dir.path().join("content");
    crate::helpers::copy_dir(&repo_path(crate::helpers::FIXTURE_GUIDE), &edited);
    let edit_database = format!("sqlite://{}", dir.path().join("edit.db").display());
    add_account(binary, "editor", EDITOR, &edit_database);
    let (edit_base, edit_server) = start_server(binary, &edit_database, &config, Some(&edited));
    let _edit_server = KillOnDrop(edit_server);
    wait_until_up(&edit_base);

    let output = Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/e2e/"])
        .current_dir(repo_path("."))
        .env("SMP_E2E_BASE", &base)
        .env("SMP_E2E_USER", USER)
        .env("SMP_E2E_PASSWORD", PASSWORD)
        .env("SMP_E2E_EDIT_BASE", &edit_base)
        .env("SMP_E2E_EDIT_CONTENT", &edited)
        .env("SMP_E2E_EDITOR", EDITOR)
        .env("SMP_E2E_SHOTS", repo_path("target/screenshots"))
        .env("AUDIT_HOME", audit_home())
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "browser journeys failed:\n{report}"
    );
    announce(&format!(
        "browser tests ran: screenshots in {}",
        repo_path("target/screenshots").display()
    ));
}

/// `smp-guide ROLE add NAME --password-stdin` on this database.
fn add_account(binary: &str, role: &str, name: &str, database: &str) {
    let mut add = Command::new(binary)
        .args([
            role,
            "add",
            name,
            "--password-stdin",
            "--database",
            database,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(PASSWORD.as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());
}

/// Starts a server on a free port (on the shipped content unless `content` names a
/// folder); returns its base URL and the child process.
fn start_server(
    binary: &str,
    database: &str,
    config: &std::path::Path,
    content: Option<&std::path::Path>,
) -> (String, std::process::Child) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(binary);
    command
        .current_dir(repo_path("."))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database",
            database,
            "--config",
        ])
        .arg(config);
    if let Some(content) = content {
        command.arg("--content").arg(content);
    }
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (format!("http://127.0.0.1:{port}"), child)
}

fn wait_until_up(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let address = base.trim_start_matches("http://").to_owned();
    while std::net::TcpStream::connect(&address).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
