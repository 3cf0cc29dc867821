//! Entry point: parse the command line and run the chosen subcommand.
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    smp_guide::cli::run(smp_guide::cli::Cli::parse())
}
