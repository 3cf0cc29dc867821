//! Command-line interface: the subcommands of the public contract.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::Application;
use crate::config::{Config, ServeOverrides};
use crate::content;
use crate::telemetry;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site (what a bare `smp-guide` does).
    Serve(ServeArgs),
    /// Validate the content folder without serving; exit 1 on any problem.
    Check(CheckArgs),
    /// Manage moderator accounts.
    #[command(subcommand)]
    Moderator(ModeratorCommand),
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

#[derive(Debug, Subcommand)]
pub enum ModeratorCommand {
    /// Create a moderator, or reset their password (which signs them out everywhere).
    Add {
        username: String,
        /// Read the password from standard input (required, so it never shows in `ps`).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List moderators.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Remove a moderator and end their sessions.
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

/// `smp-guide serve`: load config and content, then serve until SIGINT or SIGTERM.
pub fn serve(args: ServeArgs, log_format: Option<LogFormat>) -> ExitCode {
    let config_file = args.config.clone();
    let overrides = ServeOverrides {
        addr: args.addr,
        content_dir: args.content,
        static_dir: args.static_dir,
        database: args.database,
        base_url: args.base_url,
        log_format,
    };
    let config = match Config::load(config_file.as_deref(), overrides) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("smp-guide: {err:#}");
            return ExitCode::from(2);
        }
    };
    let _flush_logs_on_exit = telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("smp-guide: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let app = match Application::build(config).await {
            Ok(app) => app,
            Err(err) => {
                tracing::error!("{err:#}");
                eprintln!("smp-guide: {err:#}");
                return ExitCode::FAILURE;
            }
        };
        match app.run_until_stopped(crate::app::shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!("server stopped with an error: {err:#}");
                ExitCode::FAILURE
            }
        }
    })
}

/// `smp-guide check`: report every content problem as `PATH:LINE: message`.
pub fn check(args: CheckArgs) -> ExitCode {
    let assets = match crate::assets::Assets::load_or_embedded(args.static_dir.as_deref()) {
        Ok(assets) => assets,
        Err(err) => {
            eprintln!("smp-guide: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = crate::config::require_folder(&args.content, "content", "--content DIR") {
        eprintln!("smp-guide: {err:#}");
        return ExitCode::FAILURE;
    }
    match content::load(&args.content, &assets) {
        Ok(guide) => {
            for warning in &guide.warnings {
                println!(
                    "{}:{}: warning: {}",
                    warning.path.display(),
                    warning.line,
                    warning.message
                );
            }
            for section in guide.sections.iter().chain(&guide.drafts) {
                if let Some(score) = section.reading_ease {
                    println!(
                        "{}: reading ease {score:.0} (plain English is {:.0} or more)",
                        section.file.display(),
                        content::MIN_READING_EASE
                    );
                }
            }
            println!(
                "{}: ok, {} sections, {} drafts, {} warning(s)",
                args.content.display(),
                guide.sections.len(),
                guide.drafts.len(),
                guide.warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            eprintln!("{} problem(s) found", problems.len());
            ExitCode::FAILURE
        }
    }
}
