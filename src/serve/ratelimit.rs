//! TikTok's per-user quotas: 6 inits a minute, at most 5 pending inbox shares a day, 30
//! status fetches a minute.
//!
//! Inits are counted in the job table ([`Store::inits_since`]), so every process sharing a
//! PostgreSQL sees the same count and a restart does not forget it. Status fetches are
//! frequent and harmless to repeat, so each process paces its own in memory
//! ([`SlidingWindow`]); with N processes polling one account the budget is split by
//! giving each a lower `status_per_minute`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::ServeError;
use super::job::PostMode;
use super::store::Store;

/// The quotas in force.
#[derive(Clone, Debug)]
pub struct Quotas {
    /// Inits (Direct Post and inbox together) per account per minute.
    pub inits_per_minute: u32,
    /// Inbox inits per account per 24 hours (TikTok allows 5 pending shares).
    pub inbox_per_day: u32,
    /// Status fetches per account per minute.
    pub status_per_minute: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas { inits_per_minute: 6, inbox_per_day: 5, status_per_minute: 30 }
    }
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// `None` when `account` may init now; otherwise the Unix ms when it may.
pub async fn init_allowed_at(
    store: &Store,
    account: &str,
    mode: PostMode,
    quotas: &Quotas,
    now: i64,
) -> Result<Option<i64>, ServeError> {
    let (n, oldest) = store.inits_since(account, now - MINUTE_MS, false).await?;
    if n >= i64::from(quotas.inits_per_minute) {
        return Ok(Some(oldest + MINUTE_MS + 1));
    }
    if mode == PostMode::Inbox {
        let (n, oldest) = store.inits_since(account, now - DAY_MS, true).await?;
        if n >= i64::from(quotas.inbox_per_day) {
            return Ok(Some(oldest + DAY_MS + 1));
        }
    }
    Ok(None)
}

/// At most `limit` events per key in any `window`.
#[derive(Debug)]
pub struct SlidingWindow {
    limit: usize,
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl SlidingWindow {
    /// A limiter of `limit` events (at least 1) per `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        SlidingWindow { limit: limit.max(1) as usize, window, events: Mutex::new(HashMap::new()) }
    }

    /// Records an event for `key` at `now` if the window has room; otherwise how long until
    /// it will.
    pub fn try_take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let q = events.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.window) {
            q.pop_front();
        }
        if q.len() < self.limit {
            q.push_back(now);
            return Ok(());
        }
        let oldest = *q.front().expect("a full window is not empty");
        Err(self.window.saturating_sub(now.saturating_duration_since(oldest)))
    }

    /// Waits until an event for `key` fits, then records it.
    pub async fn take(&self, key: &str) {
        loop {
            match self.try_take(key, Instant::now()) {
                Ok(()) => return,
                Err(wait) => tokio::time::sleep(wait.max(Duration::from_millis(1))).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_admits_limit_then_waits_for_the_oldest() {
        let w = SlidingWindow::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(w.try_take("a", t0 + Duration::from_secs(i)), Ok(()));
        }
        // Full: the 4th must wait until the first leaves the window (60 s after t0).
        assert_eq!(w.try_take("a", t0 + Duration::from_secs(10)), Err(Duration::from_secs(50)));
        // Other keys have their own budget.
        assert_eq!(w.try_take("b", t0 + Duration::from_secs(10)), Ok(()));
        assert_eq!(w.try_take("a", t0 + Duration::from_secs(60)), Ok(()));
        assert!(w.try_take("a", t0 + Duration::from_secs(60)).is_err());
    }
}
