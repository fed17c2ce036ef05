//! `clipfit post IN`: conform to a temporary file, upload it, clean up.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use clipfit::profile::{check, Profile};

use crate::conform_cmd::{conform_with_progress, ConformFlags};
use crate::upload_cmd::{run_upload, Precheck, UploadArgs};

/// Arguments of `clipfit post`: the upload options (FILE is the input to convert) and the
/// conform options.
#[derive(Args, Debug)]
pub struct PostArgs {
    /// Upload options; FILE is the video to convert and post.
    #[command(flatten)]
    pub upload: UploadArgs,
    /// Conversion options.
    #[command(flatten)]
    pub conform: ConformFlags,
}

/// The pre-upload check: probe, compare with the TikTok profile, list what is wrong.
pub fn precheck(file: &Path) -> anyhow::Result<Precheck> {
    let info = clipfit::demux::probe(file).with_context(|| format!("cannot read {}", file.display()))?;
    let violations = check(&info, &Profile::tiktok());
    for v in &violations {
        eprintln!("  not ready: {}: {}", v.rule, v.message);
    }
    Ok(Precheck { ready: violations.is_empty(), duration_sec: Some(info.duration) })
}

pub fn run(args: PostArgs) -> anyhow::Result<ExitCode> {
    let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
    let converted = dir.path().join("clipfit-post.mp4");
    conform_with_progress(&args.upload.file, &converted, &args.conform, args.upload.json)?;
    let mut upload = args.upload;
    upload.file = converted;
    run_upload(&upload, precheck)?;
    // `dir` is removed on drop, with the converted file in it.
    Ok(ExitCode::SUCCESS)
}
