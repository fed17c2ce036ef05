//! Retry and polling timings, and capped exponential backoff with jitter.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How hard and how patiently the client retries. All delays are settable so tests run fast.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request (or per chunk) before giving up on 5xx, 429 or network errors.
    pub max_attempts: u32,
    /// Delay before the first retry; doubles each retry.
    pub base_delay: Duration,
    /// Ceiling for any single delay (including a server's `Retry-After`).
    pub max_delay: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one JSON API call.
    pub request_timeout: Duration,
    /// Time allowed for one chunk PUT (64 MB on a slow uplink takes minutes).
    pub chunk_timeout: Duration,
    /// How many times a lost upload URL (403/404) may trigger a fresh init.
    pub max_reinits: u32,
    /// Pause between status polls (TikTok allows 30 polls a minute: keep it >= 2 s).
    pub poll_interval: Duration,
    /// Give up waiting for a final status after this long.
    pub poll_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(60),
            chunk_timeout: Duration::from_secs(15 * 60),
            max_reinits: 2,
            poll_interval: Duration::from_secs(3),
            poll_timeout: Duration::from_secs(15 * 60),
        }
    }
}

impl RetryPolicy {
    /// The pause before retry number `retry` (0-based): `base * 2^retry`, capped at
    /// `max_delay`, then scaled by a random factor in [0.5, 1) so that many clients do not
    /// retry in step. A server's `Retry-After` (capped too) is a floor.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX));
        let capped = exp.min(self.max_delay);
        let jittered = capped.mul_f64(0.5 + 0.5 * unit_random());
        match retry_after {
            Some(ra) => jittered.max(ra.min(self.max_delay)),
            None => jittered,
        }
    }
}

/// A random number in [0, 1) without a dependency: `RandomState` is seeded per instance.
fn unit_random() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        let d0 = p.backoff(0, None);
        assert!(d0 >= Duration::from_millis(50) && d0 < Duration::from_millis(100), "{d0:?}");
        let d3 = p.backoff(3, None);
        assert!(d3 >= Duration::from_millis(400) && d3 < Duration::from_millis(800), "{d3:?}");
        for r in [10, 31, 40, u32::MAX] {
            assert!(p.backoff(r, None) < Duration::from_secs(2));
        }
        assert_eq!(p.backoff(0, Some(Duration::from_secs(60))), Duration::from_secs(2));
        // Jitter: not every draw is the same.
        let draws: std::collections::HashSet<_> = (0..20).map(|_| p.backoff(5, None)).collect();
        assert!(draws.len() > 1);
    }
}
