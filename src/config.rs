//! Configuration: built-in defaults < TOML config file < `SMP_GUIDE_*` environment < flags.
//!
//! clap already resolves flags over environment variables, so this module only has to lay
//! those [`ServeOverrides`] over the optional file and the defaults.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::telemetry::LogFormat;

/// Everything the server needs to start, fully resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub content_dir: PathBuf,
    /// `None` serves the static files built into the binary; a folder (`--static DIR`)
    /// is read instead, and reloaded when its files change.
    pub static_dir: Option<PathBuf>,
    pub database: String,
    /// Overrides `base_url` from `content/site.toml` when set (useful behind a proxy).
    pub base_url: Option<String>,
    /// The base URL when neither the configuration nor `site.toml` names one: the
    /// server's own listen address, filled in once the port is bound.
    pub listen_url: Option<String>,
    pub log_format: LogFormat,
    /// A request that takes longer than this is answered with 408.
    pub request_timeout: Duration,
    /// How long in-flight requests get to finish after SIGINT/SIGTERM.
    pub shutdown_grace: Duration,
    /// Reload when files in the content or static folder change (SIGHUP always works).
    pub watch_content: bool,
    pub limits: Limits,
    /// Threads serving connections, each with its own runtime and listener; 0 serves them
    /// on the process's shared runtime instead. Defaults to one per core.
    pub workers: usize,
    /// `Strict-Transport-Security: max-age=N` on every response when set: only for a site
    /// that is served over HTTPS and will stay so (browsers then refuse plain HTTP to it).
    pub hsts_max_age_secs: Option<u64>,
    pub comments: CommentSettings,
    pub accounts: AccountSettings,
    /// Email to moderators when comments wait; `None` sends nothing.
    pub notify: Option<NotifySettings>,
    /// Where Prometheus metrics are served (`GET /metrics`), apart from the site; `None`
    /// (the default) serves none.
    pub metrics_addr: Option<SocketAddr>,
}

/// The `[accounts]` table: moderators' sign-ins and sessions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountSettings {
    /// Password checks run at once. Each Argon2 check holds about 19 MiB while it runs, so
    /// this bounds their memory; a sign-in that finds every slot taken for two seconds
    /// gets 503 with `Retry-After`.
    pub password_checks: usize,
    /// A session ends this many hours after sign-in, however busy (OWASP ASVS 3.3.2), as
    /// well as after 12 hours unused.
    pub session_max_hours: u32,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            password_checks: 4,
            session_max_hours: 12,
        }
    }
}

/// The `[notify]` table: SMTP settings for moderator notifications, and for the email readers
/// may ask for about their own comments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    pub smtp_host: String,
    #[serde(default = "default_smtp_port")]
    pub smtp_port: u16,
    /// `starttls` (default), `tls`, or `none` (only for a relay on the same machine).
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The sender, e.g. `SMP Guide <noreply@example.org>`.
    pub from: String,
    /// Moderators' addresses.
    pub to: Vec<String>,
    /// Comments arriving within this many seconds share one email.
    #[serde(default = "default_batch_secs")]
    pub batch_secs: u64,
    /// How many days the approve, spam and trash links in an email work (each once).
    #[serde(default = "default_link_days")]
    pub link_days: u32,
    /// One email a day (at `digest_hour`, UTC) listing every waiting comment, instead of
    /// one per batch.
    #[serde(default)]
    pub digest: bool,
    /// The hour (0 to 23, UTC) of the daily digest.
    #[serde(default = "default_digest_hour")]
    pub digest_hour: u8,
    /// At most this many emails to one reader's address in any 24 hours (confirmations
    /// included); more are dropped. 0 turns readers' email off: the comment form then has
    /// no boxes for it. Readers' email also needs the site's public address (`base_url`).
    #[serde(default = "default_reader_mails_per_day")]
    pub reader_mails_per_day: u32,
}

fn default_reader_mails_per_day() -> u32 {
    5
}

fn default_link_days() -> u32 {
    7
}

fn default_digest_hour() -> u8 {
    8
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    #[default]
    Starttls,
    Tls,
    None,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_batch_secs() -> u64 {
    60
}

/// The `[limits]` table: what one client may ask of the server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Request line plus headers, in bytes; more gets 431.
    pub max_header_bytes: usize,
    /// Time a client gets to send its request headers; slower connections are closed.
    pub header_timeout_secs: u64,
    /// Connections served at once; further ones are closed at once.
    pub max_connections: usize,
    /// Connections one client (an IPv4 address, or an IPv6 /64) may hold at once, within
    /// `max_connections`. Behind a reverse proxy every connection comes from the proxy:
    /// the addresses in `[comments] trusted_proxies` have no share of their own (limit
    /// readers at the proxy).
    pub max_connections_per_client: usize,
    /// Time a response may take to reach a client that reads slowly (counted from the
    /// first write that cannot proceed); slower connections are closed.
    pub write_timeout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_bytes: 16 * 1024,
            header_timeout_secs: 10,
            max_connections: 1024,
            max_connections_per_client: 64,
            write_timeout_secs: 30,
        }
    }
}

/// The `[comments]` table of the config file: moderation and anti-spam rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommentSettings {
    /// Approve at once a comment whose author name and email match an approved comment.
    pub trust_returning: bool,
    /// At most one comment per client this often (seconds); 0 turns the check off.
    pub min_interval_secs: u64,
    /// At most this many comments per client per hour; 0 turns the check off.
    pub max_per_hour: u32,
    /// Peers whose `X-Forwarded-For` header names the real client (reverse proxies).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Words that hold a comment for a moderator with the word as the reason.
    pub hold_words: Vec<String>,
    /// Words that send a comment straight to spam.
    pub block_words: Vec<String>,
    /// Words that suggest the writer has a medical problem: such comments are held with
    /// the reason "possible medical concern", shown first in the queue, so that a
    /// moderator can point the writer to urgent advice. An empty list turns this off.
    pub medical_words: Vec<String>,
    /// Client hashes older than this many days are cleared; 0 keeps them.
    pub client_hash_days: u32,
    /// The file holding the client key, which keys client hashes and signs the
    /// returning-commenter cookie, kept outside the database. Default, with SQLite: beside
    /// the database file (`data/smp-guide.db.key`), created on first start. PostgreSQL
    /// needs it set, to the same key on every instance.
    pub client_hash_key_file: Option<PathBuf>,
    /// How soon moderators usually read a new comment, as the end of the sentence a
    /// reader sees after posting: "A moderator usually reads new comments within a day".
    pub moderation_time: String,
}

/// `[comments] moderation_time` when the config file names none.
pub const DEFAULT_MODERATION_TIME: &str = "within a day";

/// The longest `moderation_time` accepted: a few words, not a paragraph.
pub const MODERATION_TIME_MAX: usize = 60;

/// Signs of infection, allergy or injury that a worried reader may describe. Whole words
/// (and their plurals); entries with a space or symbol match as phrases.
pub const DEFAULT_MEDICAL_WORDS: [&str; 21] = [
    "fever",
    "pus",
    "bleeding",
    "swelling",
    "swollen",
    "infection",
    "infected",
    "oozing",
    "weeping",
    "rash",
    "blister",
    "allergic",
    "allergy",
    "hives",
    "throbbing",
    "antibiotics",
    "red streaks",
    "hot to the touch",
    "a&e",
    "urgent care",
    "hospital",
];

impl Default for CommentSettings {
    fn default() -> Self {
        Self {
            trust_returning: false,
            min_interval_secs: 15,
            max_per_hour: 20,
            trusted_proxies: Vec::new(),
            hold_words: Vec::new(),
            block_words: Vec::new(),
            medical_words: DEFAULT_MEDICAL_WORDS
                .iter()
                .map(|w| (*w).to_owned())
                .collect(),
            client_hash_days: 90,
            client_hash_key_file: None,
            moderation_time: DEFAULT_MODERATION_TIME.to_owned(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            content_dir: PathBuf::from("content"),
            static_dir: None,
            database: "sqlite://data/smp-guide.db".to_owned(),
            base_url: None,
            listen_url: None,
            log_format: LogFormat::Text,
            request_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            watch_content: true,
            limits: Limits::default(),
            workers: default_workers(),
            hsts_max_age_secs: None,
            comments: CommentSettings::default(),
            accounts: AccountSettings::default(),
            notify: None,
            metrics_addr: None,
        }
    }
}

/// One worker thread per core.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Values given on the command line or in the environment; `None` means "not given".
#[derive(Debug, Default)]
pub struct ServeOverrides {
    pub addr: Option<String>,
    pub content_dir: Option<PathBuf>,
    pub static_dir: Option<PathBuf>,
    pub database: Option<String>,
    pub base_url: Option<String>,
    pub log_format: Option<LogFormat>,
    pub metrics_addr: Option<String>,
}

/// The config file's shape. Unknown keys are refused so that typos do not pass silently.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    addr: Option<String>,
    content: Option<PathBuf>,
    #[serde(rename = "static")]
    static_dir: Option<PathBuf>,
    database: Option<String>,
    base_url: Option<String>,
    log_format: Option<LogFormat>,
    request_timeout_secs: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    watch_content: Option<bool>,
    workers: Option<usize>,
    hsts_max_age_secs: Option<u64>,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    comments: CommentSettings,
    #[serde(default)]
    accounts: AccountSettings,
    notify: Option<NotifySettings>,
    metrics_addr: Option<String>,
}

impl Config {
    /// Resolves the configuration from an optional file plus overrides.
    pub fn load(file: Option<&Path>, overrides: ServeOverrides) -> anyhow::Result<Self> {
        let file = match file {
            Some(path) => read_config_file(path)?,
            None => ConfigFile::default(),
        };
        let defaults = Config::default();
        let addr = match overrides.addr.or(file.addr) {
            Some(addr) => parse_addr(&addr)?,
            None => defaults.addr,
        };
        let base_url = overrides.base_url.or(file.base_url);
        if let Some(url) = &base_url {
            validate_base_url(url)?;
        }
        let mut comments = file.comments;
        comments.moderation_time = parse_moderation_time(&comments.moderation_time)?;
        Ok(Self {
            addr,
            content_dir: overrides
                .content_dir
                .or(file.content)
                .unwrap_or(defaults.content_dir),
            static_dir: overrides.static_dir.or(file.static_dir),
            database: overrides
                .database
                .or(file.database)
                .unwrap_or(defaults.database),
            base_url,
            listen_url: None,
            log_format: overrides
                .log_format
                .or(file.log_format)
                .unwrap_or(defaults.log_format),
            request_timeout: file
                .request_timeout_secs
                .map_or(defaults.request_timeout, Duration::from_secs),
            shutdown_grace: file
                .shutdown_grace_secs
                .map_or(defaults.shutdown_grace, Duration::from_secs),
            watch_content: file.watch_content.unwrap_or(defaults.watch_content),
            limits: file.limits,
            workers: file.workers.unwrap_or(defaults.workers),
            hsts_max_age_secs: file.hsts_max_age_secs.filter(|secs| *secs > 0),
            comments,
            accounts: file.accounts,
            notify: file.notify,
            metrics_addr: overrides
                .metrics_addr
                .or(file.metrics_addr)
                .as_deref()
                .map(parse_addr)
                .transpose()
                .context("metrics_addr")?,
        })
    }
}

/// The base URL a server listening on `addr` can be reached at from this machine: the
/// address itself, with loopback in place of an unspecified address (`0.0.0.0`, `::`).
pub fn listen_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Fails with a message naming the flag that sets `dir` when it cannot be read, e.g.
/// `cannot read the content folder ./content: No such file or directory (os error 2)
/// (set it with --content DIR)`.
pub fn require_folder(dir: &Path, what: &str, flag: &str) -> anyhow::Result<()> {
    match std::fs::read_dir(dir) {
        Ok(_) => Ok(()),
        Err(err) => {
            let shown = if dir.is_relative() && !dir.starts_with(".") && !dir.starts_with("..") {
                Path::new(".").join(dir)
            } else {
                dir.to_owned()
            };
            bail!(
                "cannot read the {what} folder {}: {err} (set it with {flag})",
                shown.display()
            )
        }
    }
}

fn read_config_file(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).map_err(|err| {
        let line = err
            .span()
            .map_or(1, |span| crate::text::line_of(&text, span.start));
        anyhow::anyhow!("{}:{line}: {}", path.display(), err.message())
    })
}

fn parse_addr(addr: &str) -> anyhow::Result<SocketAddr> {
    addr.parse().with_context(|| {
        format!("invalid listen address {addr:?}: expected HOST:PORT such as 127.0.0.1:3000")
    })
}

/// `[comments] moderation_time`, trimmed: a short phrase of plain text.
fn parse_moderation_time(text: &str) -> anyhow::Result<String> {
    let text = text.trim();
    if text.is_empty()
        || text.chars().count() > MODERATION_TIME_MAX
        || text.chars().any(char::is_control)
    {
        bail!(
            "invalid [comments] moderation_time {text:?}: expected a short phrase of at most \
             {MODERATION_TIME_MAX} characters that ends the sentence \"A moderator usually \
             reads new comments ...\", such as \"within a day\""
        );
    }
    Ok(text.to_owned())
}

/// Accepts only absolute http(s) URLs, because canonical links and feeds need them.
pub fn validate_base_url(url: &str) -> anyhow::Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty() && !host.starts_with('/') && !url.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => bail!("invalid base URL {url:?}: expected an absolute http:// or https:// URL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_and_the_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smp.toml");
        std::fs::write(
            &path,
            "addr = \"127.0.0.1:4000\"\ncontent = \"from-file\"\nrequest_timeout_secs = 3\n",
        )
        .unwrap();
        let overrides = ServeOverrides {
            addr: Some("127.0.0.1:5000".into()),
            ..Default::default()
        };
        let config = Config::load(Some(&path), overrides).unwrap();
        assert_eq!(config.addr.port(), 5000);
        assert_eq!(config.content_dir, PathBuf::from("from-file"));
        assert_eq!(config.request_timeout, Duration::from_secs(3));
        assert_eq!(
            config.static_dir, None,
            "the built-in static files by default"
        );
    }

    #[test]
    fn unknown_config_keys_are_reported_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smp.toml");
        std::fs::write(&path, "addr = \"127.0.0.1:4000\"\nadress = \"x\"\n").unwrap();
        let err = Config::load(Some(&path), ServeOverrides::default()).unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("smp.toml:2:"), "{message}");
    }

    #[test]
    fn the_listen_url_replaces_unspecified_addresses_with_loopback() {
        let cases = [
            ("127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("0.0.0.0:8080", "http://127.0.0.1:8080"),
            ("[::]:8080", "http://[::1]:8080"),
            ("192.0.2.7:80", "http://192.0.2.7:80"),
        ];
        for (addr, url) in cases {
            assert_eq!(listen_url(addr.parse().unwrap()), url, "{addr}");
        }
    }

    #[test]
    fn a_missing_folder_names_the_flag_that_sets_it() {
        let err = require_folder(Path::new("no-such-content"), "content", "--content DIR")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cannot read the content folder ./no-such-content: "),
            "{err}"
        );
        assert!(err.ends_with("(set it with --content DIR)"), "{err}");
    }

    #[test]
    fn the_moderation_time_is_a_short_phrase() {
        assert_eq!(Config::default().comments.moderation_time, "within a day");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smp.toml");
        std::fs::write(
            &path,
            "[comments]\nmoderation_time = \" within a few hours \"\n",
        )
        .unwrap();
        let config = Config::load(Some(&path), ServeOverrides::default()).unwrap();
        assert_eq!(config.comments.moderation_time, "within a few hours");
        for bad in [
            "\"\"",
            "\"   \"",
            &format!("{:?}", "x".repeat(61)),
            "\"a\\nb\"",
        ] {
            std::fs::write(&path, format!("[comments]\nmoderation_time = {bad}\n")).unwrap();
            let err = Config::load(Some(&path), ServeOverrides::default()).unwrap_err();
            assert!(
                format!("{err:#}").contains("moderation_time"),
                "{bad}: {err:#}"
            );
        }
    }

    #[test]
    fn base_urls_must_be_absolute_http() {
        for good in ["http://127.0.0.1:3000", "https://smp.example"] {
            assert!(validate_base_url(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "example.org",
            "ftp://x",
            "https://",
            "http:///path",
            "https://a b",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad}");
        }
    }
}
