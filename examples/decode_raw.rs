//! Decodes a file's video track with one decoder backend and writes the pictures as raw
//! 8-bit 4:2:0 (I420, tightly packed) to stdout, for comparison with
//! `ffmpeg -noautorotate -i FILE -map 0:v:0 -fps_mode passthrough -f rawvideo -`.
//! Usage: `cargo run --release --example decode_raw -- FILE [openh264|rusty] > out.yuv`.
//! Prints samples, pictures, errors and lost pictures to stderr.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use clipfit::codec::video::DecoderKind;
use clipfit::media::Frame;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().ok_or_else(|| anyhow::anyhow!("usage: decode_raw FILE [DECODER]"))?);
    let kind = match args.next() {
        Some(k) => DecoderKind::from_str(&k, true).map_err(|e| anyhow::anyhow!(e))?,
        None => DecoderKind::default(),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut frame = Frame::black(2, 2);
    let mut failed = None;
    let summary = clipfit::pipeline::decode_track(&path, kind, |f| {
        f.copy_into(&mut frame);
        if failed.is_none() {
            failed = [&frame.y, &frame.u, &frame.v].iter().try_for_each(|p| out.write_all(p)).err();
        }
    })?;
    out.flush()?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    eprintln!(
        "{kind}: {} samples, {} pictures, {} errors, {} lost",
        summary.samples, summary.pictures, summary.errors, summary.lost
    );
    Ok(())
}
