//! `clipfit post IN`: conform to a temporary file, upload it, clean up.

use std::process::ExitCode;

use anyhow::{bail, Context};
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
    let Some(file) = &args.upload.file else {
        bail!("post converts a FILE or URL and uploads it: for TikTok to pull a ready file, use `clipfit upload --pull-from-url`");
    };
    if args.upload.pull_from_url.is_some() {
        bail!("post converts and uploads its input: use `clipfit upload --pull-from-url URL` for a ready file");
    }
    let input = match file.to_str() {
        Some(s) => clipfit::remote::Input::parse(s)?,
        None => clipfit::remote::Input::Local(file.clone()),
    };
    // Registered, so that Ctrl-C removes it; dropping it removes it otherwise.
    let dir = clipfit::tempfiles::folder("post", None).context("cannot create a temporary folder")?;
    let converted = dir.path().join("clipfit-post.mp4");
    conform_with_progress(&input, &converted, &args.conform, args.upload.json)?;
    let mut upload = args.upload;
    upload.file = Some(converted);
    run_upload(&upload, tiktok_precheck)
}
