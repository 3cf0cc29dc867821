//! Command-line interface: the subcommands of the public contract, and the one function
//! (`run`) that carries out whichever was asked for.
mod accounts;
mod check;
mod comments;
mod db;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{Config, ServeOverrides};
use crate::store::{Role, Store, open_store};
use crate::telemetry::LogFormat;

/// Runs the subcommand the command line asked for (`serve` when none).
pub fn run(cli: Cli) -> ExitCode {
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve::serve(args, cli.log_format),
        Command::Check(args) => check::check(args),
        Command::Moderator(command) => accounts::account(Role::Moderator, command),
        Command::Editor(command) => accounts::account(Role::Editor, command),
        Command::Comments(command) => comments::comments(command),
        Command::Db(command) => db::db(command),
    }
}

/// A self-hosted guide to scalp micropigmentation, with moderated comments.
#[derive(Debug, Parser)]
#[command(
    name = "smp-guide",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Serve flags, also accepted without the `serve` subcommand.
    #[command(flatten)]
    pub serve: ServeArgs,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, global = true, env = "SMP_GUIDE_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site (what a bare `smp-guide` does).
    Serve(ServeArgs),
    /// Validate the content folder without serving; exit 1 on any problem.
    Check(CheckArgs),
    /// Manage moderator accounts (the comment queue).
    #[command(subcommand)]
    Moderator(AccountCommand),
    /// Manage editor accounts (the content preview and problems).
    #[command(subcommand)]
    Editor(AccountCommand),
    /// Export or erase stored comments.
    #[command(subcommand)]
    Comments(CommentsCommand),
    /// Back up or restore the SQLite database, or copy the database to another one.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Write a consistent copy of the database to PATH, while the server keeps running.
    Backup {
        path: PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Replace the database with the backup at PATH (refused while a server runs on it).
    Restore {
        path: PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Copy comments, the audit trail, moderators and secrets into a new, empty database
    /// at URL: to move from SQLite to PostgreSQL (or back). Sessions are not copied.
    Copy {
        /// The destination: postgres://USER@HOST/DATABASE or sqlite://PATH.
        #[arg(long, value_name = "URL")]
        to: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

/// Where the database is: the same resolution as `serve`.
#[derive(Debug, Default, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH (the default) or postgres://USER@HOST/DATABASE.
    #[arg(long, env = "SMP_GUIDE_DATABASE")]
    pub database: Option<String>,
    /// Optional TOML config file naming the database.
    #[arg(long, env = "SMP_GUIDE_CONFIG")]
    pub config: Option<PathBuf>,
}

/// `moderator` and `editor`: the same three commands for either role. One account may
/// have both roles; its password is the same for both.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account with this role, or give an existing account this role too; either
    /// way the password is (re)set, which signs the account out everywhere.
    Add {
        username: String,
        /// Read the password from standard input (required, so it never shows in `ps`).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List the accounts with this role.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Take this role from an account; an account left with no role is removed and its
    /// sessions end.
    Remove {
        username: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum CommentsCommand {
    /// Write stored comments to standard output (JSON includes the audit trail).
    Export {
        /// Only comments in this state: pending, approved, spam or trash.
        #[arg(long)]
        status: Option<String>,
        /// Only comments with this email address (a data-protection request).
        #[arg(long)]
        email: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Delete every comment with this email address, for good.
    Erase {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT.
    #[arg(long, env = "SMP_GUIDE_ADDR")]
    pub addr: Option<String>,
    /// Folder holding site.toml, home.md and guide/*.md.
    #[arg(long, env = "SMP_GUIDE_CONTENT")]
    pub content: Option<PathBuf>,
    /// Database URL: sqlite://PATH (the default) or postgres://USER@HOST/DATABASE.
    #[arg(long, env = "SMP_GUIDE_DATABASE")]
    pub database: Option<String>,
    /// Optional TOML config file; flags and environment variables override it.
    #[arg(long, env = "SMP_GUIDE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Public base URL for canonical links and feeds (overrides site.toml).
    #[arg(long, env = "SMP_GUIDE_BASE_URL")]
    pub base_url: Option<String>,
    /// Folder of CSS, images and the favicon, reloaded on change (for designers); without
    /// it the files built into the program are served.
    #[arg(long = "static", env = "SMP_GUIDE_STATIC")]
    pub static_dir: Option<PathBuf>,
    /// Serve Prometheus metrics at http://HOST:PORT/metrics, apart from the site (off
    /// unless given here or as metrics_addr in the config file).
    #[arg(long, env = "SMP_GUIDE_METRICS_ADDR")]
    pub metrics_addr: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Folder holding site.toml, home.md and guide/*.md.
    #[arg(long, env = "SMP_GUIDE_CONTENT", default_value = "content")]
    pub content: PathBuf,
    /// Folder of static files that Markdown may reference; without it, the files built
    /// into the program.
    #[arg(long = "static", env = "SMP_GUIDE_STATIC")]
    pub static_dir: Option<PathBuf>,
}

/// Runs one command on a small runtime of its own; errors are printed, exit code 1.
pub(crate) fn block_on(work: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("smp-guide: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("smp-guide: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The database URL as `serve` would resolve it: flag, environment, config file, default.
pub(crate) fn database_url(db: &DatabaseArgs) -> anyhow::Result<String> {
    let overrides = ServeOverrides {
        database: db.database.clone(),
        ..ServeOverrides::default()
    };
    Ok(Config::load(db.config.as_deref(), overrides)?.database)
}

pub(crate) async fn open(db: &DatabaseArgs) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    open_store(&database_url(db)?).await
}
