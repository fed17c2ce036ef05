//! The `clipfit` command: a thin shell over the library. Parses arguments, runs one
//! subcommand, prints errors with their causes, and maps outcomes to exit codes:
//! 0 ready/done, 1 not ready, 2 unreadable or unsupported input.

mod check_cmd;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Make any video TikTok-ready, then upload it.
#[derive(Parser)]
#[command(name = "clipfit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report, rule by rule, why a platform would refuse a file.
    Check(check_cmd::CheckArgs),
}

fn main() -> ExitCode {
    output::reset_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => output::report_error(&err),
    }
}
