//! `smp-guide serve` (and a bare `smp-guide`): load config and content, then serve.
use std::process::ExitCode;

use super::ServeArgs;
use crate::app::Application;
use crate::config::{Config, ServeOverrides};
use crate::telemetry::{self, LogFormat};

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
        metrics_addr: args.metrics_addr,
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
