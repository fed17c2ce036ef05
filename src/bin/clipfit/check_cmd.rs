//! `clipfit check FILE [--profile NAME|PATH|LIST|all] [--json]`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use clipfit::media::MediaInfo;
use clipfit::profile::{check, Profile, Violation};

use crate::output;

/// Arguments of `clipfit check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The video to check.
    pub file: PathBuf,
    /// A built-in profile name (see `clipfit profiles`), the path of a TOML profile, several
    /// separated by commas (tiktok,reels,shorts: a verdict for each), or `all`.
    #[arg(long, default_value = "tiktok")]
    pub profile: String,
    /// Lower the file size limit to this many megabytes (10^6 bytes).
    #[arg(long)]
    pub max_size_mb: Option<u64>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let profiles: Vec<Profile> =
        Profile::load_list(&args.profile)?.into_iter().map(|p| p.with_max_size_mb(args.max_size_mb)).collect();
    let info = match clipfit::demux::probe(&args.file).with_context(|| format!("cannot read {}", args.file.display())) {
        Ok(info) => info,
        Err(err) if args.json => {
            println!("{}", output::json_error(&args.file, &err));
            return Ok(ExitCode::from(output::exit_code_for(&err)));
        }
        Err(err) => return Err(err),
    };
    let verdicts: Vec<(&Profile, Vec<Violation>)> = profiles.iter().map(|p| (p, check(&info, p))).collect();
    let ready = verdicts.iter().all(|(_, v)| v.is_empty());
    if args.json {
        let out = match verdicts.as_slice() {
            [(profile, violations)] => serde_json::json!({
                "file": args.file.display().to_string(),
                "profile": profile.name,
                "ready": ready,
                "violations": violations,
                "warnings": info.warnings,
                "info": info,
            }),
            several => serde_json::json!({
                "file": args.file.display().to_string(),
                "ready": ready,
                "profiles": several
                    .iter()
                    .map(|(p, v)| serde_json::json!({ "profile": p.name, "ready": v.is_empty(), "violations": v }))
                    .collect::<Vec<_>>(),
                "warnings": info.warnings,
                "info": info,
            }),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_human(&args.file, &verdicts, &info);
    }
    Ok(ExitCode::from(if ready { 0 } else { 1 }))
}

fn print_human(file: &std::path::Path, verdicts: &[(&Profile, Vec<Violation>)], info: &MediaInfo) {
    let names: Vec<&str> = verdicts.iter().map(|(p, _)| p.name.as_str()).collect();
    match names.as_slice() {
        [one] => println!("{} ({one} profile)", file.display()),
        several => println!("{} ({} profiles: {})", file.display(), several.len(), several.join(", ")),
    }
    println!(
        "  container   {} [{}], {:.2} s, {:.2} MB, {:.2} Mbps average, {:.2} Mbps peak (1 s)",
        info.container,
        info.top_level_boxes.join(" "),
        info.duration,
        info.file_size as f64 / 1e6,
        info.overall_bitrate as f64 / 1e6,
        info.peak_bitrate_1s as f64 / 1e6
    );
    if let Some(v) = info.video() {
        println!(
            "  video       {} {} level {}, {} {}-bit{}, {}x{} coded, {}x{} displayed, SAR {}:{}, rotation {}°, {:.3} fps {}",
            v.fourcc,
            v.profile.as_deref().unwrap_or("?"),
            v.level_idc.map(clipfit::codec::h264::sps::level_name).unwrap_or_else(|| "?".into()),
            v.chroma_format,
            v.bit_depth,
            if v.full_range { " full range" } else { "" },
            v.width,
            v.height,
            v.display_width,
            v.display_height,
            v.sar.0,
            v.sar.1,
            v.rotation,
            v.fps,
            if v.constant_frame_rate { "constant" } else { "variable" }
        );
    }
    if let Some(a) = info.audio() {
        println!(
            "  audio       {}{}, {} Hz, {} ch",
            a.fourcc.trim(),
            a.aac_profile.as_deref().map(|p| format!(" AAC {p}")).unwrap_or_default(),
            a.sample_rate,
            a.channels
        );
    }
    for w in &info.warnings {
        println!("  warning     {}: {}", w.code, w.message);
    }
    if let [(profile, violations)] = verdicts {
        print_verdict("", profile, violations);
        return;
    }
    for (profile, violations) in verdicts {
        print_verdict(&format!("{}: ", profile.name), profile, violations);
    }
    let not_ready = verdicts.iter().filter(|(_, v)| !v.is_empty()).count();
    if not_ready == 0 {
        println!("READY for all {} profiles", verdicts.len());
    } else {
        println!("NOT READY for {not_ready} of {} profiles", verdicts.len());
    }
}

/// One profile's verdict. Alone it ends the report (failures, then the verdict); among
/// several, each profile's verdict heads its failures.
fn print_verdict(prefix: &str, profile: &Profile, violations: &[Violation]) {
    if violations.is_empty() {
        println!("{prefix}READY: passes every {} rule", profile.name);
        return;
    }
    let verdict = format!("{prefix}NOT READY: {} rule(s) broken", violations.len());
    if !prefix.is_empty() {
        println!("{verdict}");
    }
    for v in violations {
        println!("  FAIL {:<18} {} (limit {}): {}", v.rule, v.actual, v.limit, v.message);
    }
    if prefix.is_empty() {
        println!("{verdict}");
    }
}
