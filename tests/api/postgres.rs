//! A real PostgreSQL server for the tests that need one, and a fresh database per test.
//!
//! Where the server comes from, in order:
//! 1. `SMP_TEST_POSTGRES_URL`: a running server, reached as a role that may create
//!    databases (for example `postgres://postgres@127.0.0.1:5432/postgres`);
//! 2. otherwise the tests start their own from Debian's `postgresql` package: `initdb` in a
//!    temporary folder and `postgres` on a free loopback port, stopped and removed when the
//!    test process ends.
//!
//! When neither is possible, or with `SMP_TEST_POSTGRES=skip`, PostgreSQL tests are skipped
//! with a notice on the terminal; with `SMP_TEST_REQUIRE_POSTGRES=1` (as `.ci/run` sets)
//! they fail instead.
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

/// The server every PostgreSQL test of this process shares.
struct Server {
    /// URL of the server's maintenance database, as a role that can create databases.
    admin_url: String,
    /// Keeps the started server's stdin open: it stops when this process exits.
    _keeper: Option<Child>,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

/// The URL of a new, empty database on the shared server, or `None` when PostgreSQL tests
/// are skipped (a notice says why).
pub async fn fresh_database() -> Option<String> {
    let server = match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(why) => {
            skip(why);
            return None;
        }
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "smp_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect(&server.admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT
        .get_or_init(|| drop_databases_of_finished_runs(&mut admin))
        .await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    admin.close().await.ok();
    let (base, _) = server
        .admin_url
        .rsplit_once('/')
        .expect("the admin URL names a database");
    Some(format!("{base}/{name}"))
}

/// On a server the tests did not start themselves, databases of earlier test runs stay
/// behind; each run removes those whose process has ended (the name holds its pid).
async fn drop_databases_of_finished_runs(admin: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'smp\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).unwrap_or_default();
        if !Path::new("/proc").join(pid).exists() {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *admin)
            .await;
        }
    }
}

fn skip(why: &str) {
    if std::env::var_os("SMP_TEST_REQUIRE_POSTGRES").is_some_and(|v| v != "0") {
        panic!("PostgreSQL is required (SMP_TEST_REQUIRE_POSTGRES) but unavailable: {why}");
    }
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // Straight to the terminal: the test harness captures `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: PostgreSQL tests SKIPPED: {why}.\n      Install Debian's `postgresql` package, \
             or set SMP_TEST_POSTGRES_URL, to run them.\n"
        );
    });
}

fn start() -> Result<Server, String> {
    if std::env::var_os("SMP_TEST_POSTGRES").is_some_and(|v| v == "skip") {
        return Err("SMP_TEST_POSTGRES=skip is set".to_owned());
    }
    if let Ok(url) = std::env::var("SMP_TEST_POSTGRES_URL") {
        return Ok(Server {
            admin_url: url,
            _keeper: None,
        });
    }
    let bin = postgres_bin_dir().ok_or("no PostgreSQL server binaries in /usr/lib/postgresql")?;
    let dir = tempfile::Builder::new()
        .prefix("smp-test-postgres-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?
        .keep();
    // PostgreSQL refuses to run as root; the Debian package creates the `postgres` user.
    let as_root = running_as_root();
    if as_root {
        run(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir))?;
    }
    let data = dir.join("data");
    run(unprivileged(as_root, &bin.join("initdb"))
        .arg("--pgdata")
        .arg(&data)
        .args([
            "--username=smp",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ]))?;
    let port = free_port()?;
    // A wrapper that stops the server and removes its folder once this process's end of
    // the pipe closes, however the process ends. The server trades durability for speed:
    // these tests check behaviour, not crash safety (the SQLite tests cover that).
    let script = format!(
        "{postgres} -D {data} -h 127.0.0.1 -p {port} -k {dir} -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 \
         -c shared_buffers=32MB >{dir}/server.log 2>&1 & pid=$!; read _; kill -INT $pid; \
         wait $pid; rm -rf {dir}",
        postgres = shell_quote(&bin.join("postgres")),
        data = shell_quote(&data),
        dir = shell_quote(&dir),
    );
    let keeper = unprivileged(as_root, Path::new("/bin/sh"))
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;
    let admin_url = format!("postgres://smp@127.0.0.1:{port}/postgres");
    wait_until_ready(&bin, port, &dir)?;
    Ok(Server {
        admin_url,
        _keeper: Some(keeper),
    })
}

/// The newest installed server's `bin` folder.
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// `program`, run as the `postgres` user when we are root.
fn unprivileged(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut command = Command::new("setpriv");
        command
            .args([
                "--reuid=postgres",
                "--regid=postgres",
                "--init-groups",
                "--",
            ])
            .arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn wait_until_ready(bin: &Path, port: u16, dir: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let ready = Command::new(bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    Err(format!("the test server did not start within 30 s: {log}"))
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}
