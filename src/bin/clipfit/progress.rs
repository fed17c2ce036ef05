//! A progress bar on a terminal; nothing when stderr is not a TTY or output is JSON.

use std::io::IsTerminal;

use std::sync::atomic::{AtomicBool, Ordering};

use clipfit::pipeline::Progress;
use clipfit::remote::TransferProgress;
use indicatif::{ProgressBar, ProgressStyle};

const FRAMES: &str = "{msg:>18} [{bar:30}] {pos}/{len} frames {per_sec} eta {eta}";
const BYTES: &str = "{msg:>18} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}";
const BYTES_UNKNOWN: &str = "{msg:>18} {spinner} {bytes} {bytes_per_sec}";

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ")
}

/// An indicatif bar behind the library's [`Progress`] trait.
pub struct Bar {
    bar: Option<ProgressBar>,
    /// Showing a transfer (bytes) rather than frames.
    transferring: AtomicBool,
}

impl Bar {
    /// A bar, shown only when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Bar {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new(0);
            b.set_style(style(FRAMES));
            b
        });
        Bar { bar, transferring: AtomicBool::new(false) }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        if let Some(b) = &self.bar {
            if self.transferring.swap(false, Ordering::Relaxed) {
                b.set_style(style(FRAMES));
            }
            b.set_message(name.to_string());
            b.set_length(total);
            b.set_position(0);
        }
    }

    fn advance(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }
}

impl TransferProgress for Bar {
    fn transferred(&self, done: u64, total: Option<u64>) {
        let Some(b) = &self.bar else { return };
        if !self.transferring.swap(true, Ordering::Relaxed) {
            b.set_style(style(if total.is_some() { BYTES } else { BYTES_UNKNOWN }));
            b.set_message("downloading");
            b.set_length(total.unwrap_or(0));
        }
        b.set_position(done);
    }
}
