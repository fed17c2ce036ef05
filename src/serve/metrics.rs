//! `/metrics` in Prometheus' text format. Job counts by status come from the database (the
//! same for every process sharing it); the rest counts this process's work.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use super::job::JobStatus;

/// This process's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Source bytes downloaded.
    pub fetched_bytes: AtomicU64,
    /// Bytes sent to TikTok.
    pub uploaded_bytes: AtomicU64,
    /// Jobs handed back after a transient failure.
    pub retries: AtomicU64,
    /// Conforms finished, and their total wall time in milliseconds.
    pub conforms: AtomicU64,
    /// Total conform time in milliseconds.
    pub conform_ms: AtomicU64,
    /// Jobs this process finished, and their total time from submission, in milliseconds.
    pub finished: AtomicU64,
    /// Total job time in milliseconds.
    pub job_ms: AtomicU64,
    /// Webhook deliveries that failed after every attempt.
    pub webhook_failures: AtomicU64,
}

impl Metrics {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The exposition text, with `by_status` from the database.
    pub fn render(&self, by_status: &[(String, i64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP clipfit_jobs Jobs in the database by status.\n# TYPE clipfit_jobs gauge\n");
        for status in JobStatus::ALL {
            let n = by_status.iter().find(|(s, _)| s == status.as_str()).map_or(0, |(_, n)| *n);
            let _ = writeln!(out, "clipfit_jobs{{status=\"{}\"}} {n}", status.as_str());
        }
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut counter = |name: &str, help: &str, value: String| {
            let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
        };
        counter("clipfit_fetched_bytes_total", "Source bytes downloaded.", get(&self.fetched_bytes).to_string());
        counter("clipfit_uploaded_bytes_total", "Bytes sent to TikTok.", get(&self.uploaded_bytes).to_string());
        counter("clipfit_retries_total", "Jobs retried after a transient failure.", get(&self.retries).to_string());
        counter("clipfit_webhook_failures_total", "Webhooks not delivered.", get(&self.webhook_failures).to_string());
        let secs = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
        out.push_str("# HELP clipfit_conform_seconds Conform wall time.\n# TYPE clipfit_conform_seconds summary\n");
        let _ = writeln!(out, "clipfit_conform_seconds_sum {}", secs(get(&self.conform_ms)));
        let _ = writeln!(out, "clipfit_conform_seconds_count {}", get(&self.conforms));
        out.push_str(
            "# HELP clipfit_job_seconds Time from submission to a final state.\n# TYPE clipfit_job_seconds summary\n",
        );
        let _ = writeln!(out, "clipfit_job_seconds_sum {}", secs(get(&self.job_ms)));
        let _ = writeln!(out, "clipfit_job_seconds_count {}", get(&self.finished));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_listed_and_counters_show() {
        let m = Metrics::default();
        Metrics::add(&m.fetched_bytes, 1234);
        let text = m.render(&[("published".into(), 3)]);
        assert!(text.contains("clipfit_jobs{status=\"published\"} 3\n"), "{text}");
        assert!(text.contains("clipfit_jobs{status=\"queued\"} 0\n"), "{text}");
        assert!(text.contains("clipfit_fetched_bytes_total 1234\n"), "{text}");
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert_eq!(line.split(' ').count(), 2, "{line}");
        }
    }
}
