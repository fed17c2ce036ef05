//! `clipfit check FILE [--profile NAME|PATH|LIST|all] [--json]`.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use clipfit::media::MediaInfo;
use clipfit::profile::{check, Profile, Violation};
use clipfit::remote::{Input, Transfer};

use crate::output;
use crate::progress::Bar;
use crate::source_arg::{self, RemoteFlags};

/// Arguments of `clipfit check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The video to check: a path, or an http(s) URL (read through byte ranges: only the
    /// boxes `check` needs are fetched).
    #[arg(value_parser = source_arg::parse_input)]
    pub file: Input,
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
    /// Remote input.
    #[command(flatten)]
    pub remote: RemoteFlags,
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let profiles: Vec<Profile> =
        Profile::load_list(&args.profile)?.into_iter().map(|p| p.with_max_size_mb(args.max_size_mb)).collect();
    let name = args.file.display_name();
    let bar = Bar::new(!args.json);
    let probed = match &args.file {
        Input::Local(path) => clipfit::demux::probe(path).map(|info| (info, None)),
        Input::Remote(url) => clipfit::remote::probe(url, &args.remote.options(), &bar).map(|(i, t)| (i, Some(t))),
    };
    bar.finish();
    let (info, transfer) = match probed.with_context(|| format!("cannot read {name}")) {
        Ok(probed) => probed,
        Err(err) if args.json => {
            println!("{}", output::json_error(&name, &err));
            return Ok(ExitCode::from(output::exit_code_for(&err)));
        }
        Err(err) => return Err(err),
    };
    let verdicts: Vec<(&Profile, Vec<Violation>)> = profiles.iter().map(|p| (p, check(&info, p))).collect();
    let ready = verdicts.iter().all(|(_, v)| v.is_empty());
    if args.json {
        let mut out = match verdicts.as_slice() {
            [(profile, violations)] => serde_json::json!({
                "file": name,
                "profile": profile.name,
                "ready": ready,
                "violations": violations,
                "warnings": info.warnings,
                "info": info,
            }),
            several => serde_json::json!({
                "file": name,
                "ready": ready,
                "profiles": several
                    .iter()
                    .map(|(p, v)| serde_json::json!({ "profile": p.name, "ready": v.is_empty(), "violations": v }))
                    .collect::<Vec<_>>(),
                "warnings": info.warnings,
                "info": info,
            }),
        };
        if let (Some(obj), Some(t)) = (out.as_object_mut(), transfer) {
            obj.insert("transfer".into(), serde_json::to_value(t)?);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_human(&name, &verdicts, &info, transfer);
    }
    Ok(ExitCode::from(if ready { 0 } else { 1 }))
}

fn print_human(file: &str, verdicts: &[(&Profile, Vec<Violation>)], info: &MediaInfo, transfer: Option<Transfer>) {
    let names: Vec<&str> = verdicts.iter().map(|(p, _)| p.name.as_str()).collect();
    match names.as_slice() {
        [one] => println!("{file} ({one} profile)"),
        several => println!("{file} ({} profiles: {})", several.len(), several.join(", ")),
    }
    if let Some(t) = transfer {
        println!(
            "  fetched     {:.1} kB in {} request(s){}",
            t.bytes as f64 / 1e3,
            t.requests,
            if t.ranged { " (byte ranges)" } else { " (the server sent the whole file)" }
        );
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
        let mut color = v.color.describe();
        if let Some(dv) = v.hdr.dolby_vision {
            color.push_str(&format!(", Dolby Vision {}", dv.name()));
        }
        if let Some(m) = v.hdr.mastering {
            color.push_str(&format!(", mastered at {:.0} cd/m²", m.max_luminance as f64 / 10_000.0));
        }
        if let Some(l) = v.hdr.content_light {
            color.push_str(&format!(", MaxCLL {} MaxFALL {}", l.max_cll, l.max_fall));
        }
        println!("  colour      {color}");
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
