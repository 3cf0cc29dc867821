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
    let mail = dir.path().join("mail");
    let smtp_port = smtp_sink(mail.clone());
    std::fs::write(
        &config,
        format!(
            "[comments]\nmin_interval_secs = 0\nmax_per_hour = 0\n\n\
             [notify]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {smtp_port}\nsecurity = \"none\"\n\
             from = \"SMP Guide <noreply@smp.example>\"\nto = [\"moderators@smp.example\"]\n\
             batch_secs = 1\n"
        ),
    )
    .unwrap();
    let binary = env!("CARGO_BIN_EXE_smp-guide");

    add_account(binary, "moderator", USER, &database);
    let (base, server) = start_server(binary, &database, &config, None);
    let _server = KillOnDrop(server);
    wait_until_up(&base);
    let link_key = server_secret(&database, "email-action-key");

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
        .env("SMP_E2E_MAIL", &mail)
        .env("SMP_E2E_LINK_KEY", link_key)
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

/// A shared secret of the running server, hex, read from its database (the journeys use
/// the email-link key to make a link that has expired).
fn server_secret(database: &str, name: &'static str) -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = runtime.block_on(async {
        let store = smp_guide::store::open_store(database).await.unwrap();
        store.secret(name).await.unwrap()
    });
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// A minimal SMTP server on loopback that writes each message it receives to a file in
/// `folder` (numbered in order of arrival). Returns its port.
fn smtp_sink(folder: PathBuf) -> u16 {
    use std::io::{BufRead, BufReader};
    std::fs::create_dir_all(&folder).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut count = 0;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let _ = stream.write_all(b"220 sink ESMTP\r\n");
            let (mut in_data, mut data) = (false, String::new());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                let text = line.trim_end_matches(['\r', '\n']).to_owned();
                line.clear();
                if in_data {
                    if text == "." {
                        in_data = false;
                        count += 1;
                        let _ = std::fs::write(folder.join(format!("{count:04}.eml")), &data);
                        data.clear();
                        let _ = stream.write_all(b"250 queued\r\n");
                    } else {
                        data.push_str(&text);
                        data.push('\n');
                    }
                    continue;
                }
                let verb = text.split_whitespace().next().unwrap_or("").to_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" | "HELO" => b"250-sink\r\n250 OK\r\n",
                    "DATA" => {
                        in_data = true;
                        b"354 go ahead\r\n"
                    }
                    "QUIT" => {
                        let _ = stream.write_all(b"221 bye\r\n");
                        break;
                    }
                    _ => b"250 OK\r\n",
                };
                let _ = stream.write_all(reply);
            }
        }
    });
    port
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
