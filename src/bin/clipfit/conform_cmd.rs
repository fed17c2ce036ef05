//! `clipfit conform IN -o OUT`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use clipfit::codec::video::DecoderKind;
use clipfit::pipeline::{conform, ConformReport};
use clipfit::plan::{AudioPolicy, ConformOptions, FitMode, ShortPolicy};
use clipfit::profile::{check, Profile, Violation};

use clipfit::remote::Input;

use crate::output;
use crate::progress::Bar;
use crate::source_arg::{self, LocalSource, RemoteFlags};

/// Arguments of `clipfit conform`.
#[derive(Args, Clone)]
pub struct ConformArgs {
    /// The video to convert: a path, or an http(s) URL (copied once to a temporary folder,
    /// which is removed afterwards).
    #[arg(value_parser = source_arg::parse_input)]
    pub input: Input,
    /// Where to write the result (written to a temporary file, then renamed).
    #[arg(short, long)]
    pub output: PathBuf,
    /// How to convert.
    #[command(flatten)]
    pub flags: ConformFlags,
    /// Print what was done as JSON (plan, output facts, timings).
    #[arg(long)]
    pub json: bool,
}

/// How to convert: shared by `conform` and `post`.
#[derive(Args, Clone, Debug)]
pub struct ConformFlags {
    /// A built-in profile name (see `clipfit profiles`), the path of a TOML profile, or
    /// several separated by commas (tiktok,reels,shorts: one file that satisfies them all).
    #[arg(long, default_value = "tiktok")]
    pub profile: String,
    /// How to fit a picture of another shape: fill and crop, pad with black, or blur-fill.
    #[arg(long, value_enum, default_value_t = FitMode::Crop)]
    pub fit: FitMode,
    /// Keep the output under this many megabytes (10^6 bytes).
    #[arg(long)]
    pub max_size_mb: Option<u64>,
    /// Input shorter than the minimum: hold the last frame (extend) or refuse (error).
    #[arg(long, value_enum, default_value_t = ShortPolicy::Extend)]
    pub short: ShortPolicy,
    /// Audio: keep it (auto), leave it out (drop), or use a silent track (silence).
    #[arg(long, value_enum, default_value_t = AudioPolicy::Auto)]
    pub audio: AudioPolicy,
    /// AAC bitrate in kbit/s for re-encoded audio.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(32..=320))]
    pub audio_kbps: u32,
    /// Keep only the first SECONDS of the input.
    #[arg(long, value_name = "SECONDS")]
    pub trim: Option<f64>,
    /// Video segments to transcode at once [default: one per core, as many as fit in
    /// 300 MB]. Each needs its own decoder (about 180 MB for 4K input): 1 is slowest and
    /// uses least memory.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// Remote input.
    #[command(flatten)]
    pub remote: RemoteFlags,
    /// The H.264 decoder: rusty_h264 (pure Rust, bit-exact with FFmpeg) or OpenH264 (C++,
    /// conceals damaged pictures instead of freezing over them).
    #[arg(long, value_enum, default_value_t = DecoderKind::default())]
    pub decoder: DecoderKind,
}

impl ConformFlags {
    /// The library options these flags describe.
    pub fn options(&self) -> ConformOptions {
        ConformOptions {
            fit: self.fit,
            max_size_mb: self.max_size_mb,
            short: self.short,
            audio: self.audio,
            audio_bitrate: self.audio_kbps.saturating_mul(1000),
            trim: self.trim,
            jobs: self.jobs.map(usize::from),
            decoder: self.decoder,
        }
    }

    /// The profiles these flags name, each with the size limit applied.
    pub fn profiles(&self) -> anyhow::Result<Vec<Profile>> {
        Ok(Profile::load_list(&self.profile)?.into_iter().map(|p| p.with_max_size_mb(self.max_size_mb)).collect())
    }
}

/// A finished conform and, when several profiles were named, the output's verdict for each.
pub struct Conformed {
    /// What the library did.
    pub report: ConformReport,
    /// (profile name, violations of the output) per named profile, when there are several.
    pub per_profile: Vec<(String, Vec<Violation>)>,
}

impl Conformed {
    /// True when the output breaks no rule of any profile.
    pub fn ready(&self) -> bool {
        self.report.output_violations.is_empty() && self.per_profile.iter().all(|(_, v)| v.is_empty())
    }
}

/// Runs a conform with a progress bar unless `json`.
pub fn conform_with_progress(
    input: &Input,
    output: &Path,
    flags: &ConformFlags,
    json: bool,
) -> anyhow::Result<Conformed> {
    let profiles = flags.profiles()?;
    let profile = Profile::intersect(&profiles)?;
    let name = input.display_name();
    let bar = Bar::new(!json);
    let result = LocalSource::get(input, &flags.remote, &bar).and_then(|source| {
        let mut report = conform(source.path(), output, &profile, &flags.options(), &bar)?;
        report.input = PathBuf::from(&name);
        Ok(report)
    });
    bar.finish();
    let report = result.with_context(|| format!("cannot conform {name}"))?;
    // The intersection holds exactly when each profile does; each is checked all the same.
    let per_profile = match profiles.as_slice() {
        [_] => Vec::new(),
        several => several.iter().map(|p| (p.name.clone(), check(&report.output_info, p))).collect(),
    };
    Ok(Conformed { report, per_profile })
}

pub fn run(args: ConformArgs) -> anyhow::Result<ExitCode> {
    let done = match conform_with_progress(&args.input, &args.output, &args.flags, args.json) {
        Ok(r) => r,
        Err(err) if args.json => {
            println!("{}", output::json_error(&args.input.display_name(), &err));
            return Ok(ExitCode::from(output::exit_code_for(&err)));
        }
        Err(err) => return Err(err),
    };
    let report = &done.report;
    if args.json {
        let mut out = serde_json::to_value(report)?;
        if let (Some(obj), false) = (out.as_object_mut(), done.per_profile.is_empty()) {
            let profiles: Vec<serde_json::Value> = done
                .per_profile
                .iter()
                .map(|(p, v)| serde_json::json!({ "profile": p, "ready": v.is_empty(), "violations": v }))
                .collect();
            obj.insert("profiles".into(), profiles.into());
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let info = &report.output_info;
        println!(
            "{} -> {} ({:?}): {:.2} s, {:.2} MB, peak {:.2} Mbps, {} frames, in {:.1} s",
            report.input.display(),
            report.output.display(),
            report.plan.mode,
            info.duration,
            info.file_size as f64 / 1e6,
            info.peak_bitrate_1s as f64 / 1e6,
            report.frames,
            report.seconds
        );
        for w in &report.warnings {
            eprintln!("warning: {} ({})", w.message, w.code);
        }
        for v in &report.output_violations {
            eprintln!("warning: output breaks {}: {}", v.rule, v.message);
        }
        for (profile, violations) in &done.per_profile {
            match violations.as_slice() {
                [] => println!("  ready for {profile}"),
                vs => vs.iter().for_each(|v| eprintln!("warning: output breaks {profile} {}: {}", v.rule, v.message)),
            }
        }
    }
    Ok(ExitCode::from(if done.ready() { 0 } else { 1 }))
}
