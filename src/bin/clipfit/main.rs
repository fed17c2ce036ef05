//! The `clipfit` command: a thin shell over the library. Parses arguments, runs one
//! subcommand, prints errors with their causes, and maps outcomes to exit codes:
//! 0 ready/done, 1 not ready or failed, 2 unreadable or unsupported input.

mod allocator;
mod check_cmd;
mod cleanup;
mod conform_cmd;
mod output;
mod post_cmd;
mod profiles_cmd;
mod progress;
mod serve_cmd;
mod source_arg;
mod upload_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Make any video TikTok-ready, then upload it. No FFmpeg needed.
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
    /// Convert a video into a file the profile accepts (faststart MP4).
    Conform(conform_cmd::ConformArgs),
    /// Upload a ready file to TikTok (Content Posting API, chunked).
    Upload(upload_cmd::UploadArgs),
    /// Conform a video to a temporary file, upload it, and clean up.
    Post(post_cmd::PostArgs),
    /// Manage TikTok credentials.
    Auth(upload_cmd::AuthArgs),
    /// List the built-in profiles (name, summary, sources).
    Profiles(profiles_cmd::ProfilesArgs),
    /// Run the posting service: an HTTP API over a durable job queue (SQLite or PostgreSQL).
    Serve(serve_cmd::ServeArgs),
}

fn main() -> ExitCode {
    output::reset_sigpipe();
    allocator::tune();
    let cli = Cli::parse();
    if matches!(cli.command, Command::Check(_) | Command::Conform(_) | Command::Post(_)) {
        cleanup::remove_temporaries_on_signal();
    }
    let result = match cli.command {
        Command::Check(args) => check_cmd::run(args),
        Command::Conform(args) => conform_cmd::run(args),
        Command::Upload(args) => upload_cmd::run_upload(&args, upload_cmd::tiktok_precheck),
        Command::Post(args) => post_cmd::run(args),
        Command::Auth(args) => upload_cmd::run_auth(&args),
        Command::Profiles(args) => profiles_cmd::run(&args),
        Command::Serve(args) => serve_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => output::report_error(&err),
    }
}
