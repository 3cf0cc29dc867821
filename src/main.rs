//! Entry point: parse the command line, start logging, run the chosen subcommand.
use std::process::ExitCode;

use clap::Parser;
use smp_guide::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => smp_guide::cli::serve(args, cli.log_format),
        Command::Check(args) => smp_guide::cli::check(args),
        Command::Moderator(command) => smp_guide::admin_cli::moderator(command),
        Command::Comments(command) => smp_guide::admin_cli::comments(command),
        Command::Db(command) => smp_guide::admin_cli::db(command),
    }
}
