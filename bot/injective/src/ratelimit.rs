//! A small token bucket (GCRA form) keeping requests under public-node rate limits.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    /// How far ahead of now the schedule may run before callers wait: burst - 1 intervals.
    burst_window: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `per_second` requests on average, up to `burst` back to back.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let interval = Duration::from_secs(1) / per_second.max(1);
        Self {
            interval,
            burst_window: interval * burst.max(1).saturating_sub(1),
            next: Mutex::new(None),
        }
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) {
        let wait = {
            // A poisoned lock only means another task panicked mid-update; the instant is valid.
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let scheduled = next.map_or(now, |n| n.max(now));
            *next = Some(scheduled + self.interval);
            scheduled.saturating_duration_since(now + self.burst_window)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bursts_then_paces() {
        let limiter = RateLimiter::new(10, 3);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.acquire().await;
        }
        assert_eq!(Instant::now(), start, "burst is free");
        limiter.acquire().await;
        limiter.acquire().await;
        // Paused clock: exact virtual time, no real waiting.
        assert_eq!(Instant::now() - start, Duration::from_millis(200));
    }
}
