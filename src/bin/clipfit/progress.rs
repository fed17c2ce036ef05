//! A progress bar on a terminal; nothing when stderr is not a TTY or output is JSON.

use std::io::IsTerminal;

use clipfit::pipeline::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// An indicatif bar behind the library's [`Progress`] trait.
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar, shown only when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Bar {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new(0);
            b.set_style(
                ProgressStyle::with_template("{msg:>18} [{bar:30}] {pos}/{len} frames {per_sec} eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b
        });
        Bar { bar }
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
