//! `clipfit post IN`: conform to a temporary file, upload it, clean up.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::conform_cmd::{conform_with_progress, ConformFlags};
use crate::upload_cmd::{run_upload, tiktok_precheck, UploadArgs};

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

pub fn run(args: PostArgs) -> anyhow::Result<ExitCode> {
    let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
    let converted = dir.path().join("clipfit-post.mp4");
    let input = args
        .upload
        .file
        .to_str()
        .map_or_else(|| Ok(clipfit::remote::Input::Local(args.upload.file.clone())), clipfit::remote::Input::parse)?;
    conform_with_progress(&input, &converted, &args.conform, args.upload.json)?;
    let mut upload = args.upload;
    upload.file = converted;
    // `dir` is removed on drop, with the converted file in it.
    run_upload(&upload, tiktok_precheck)
}
