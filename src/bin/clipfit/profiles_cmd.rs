//! `clipfit profiles [--json]`: the built-in profiles.

use std::process::ExitCode;

use clap::Args;
use clipfit::profile::Profile;

/// Arguments of `clipfit profiles`.
#[derive(Args)]
pub struct ProfilesArgs {
    /// Print a JSON array of {"name", "summary", "sources"} instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ProfilesArgs) -> anyhow::Result<ExitCode> {
    let profiles = Profile::builtins();
    if args.json {
        let list: Vec<serde_json::Value> = profiles
            .iter()
            .map(|p| serde_json::json!({ "name": p.name, "summary": p.summary, "sources": p.sources }))
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    let width = profiles.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in &profiles {
        println!("{:<width$}  {}", p.name, p.summary);
        for s in &p.sources {
            println!("{:<width$}    source: {s}", "");
        }
    }
    println!("\nUse one with --profile NAME, several with --profile a,b,c (check: --profile all).");
    Ok(ExitCode::SUCCESS)
}
