//! Time as the control plane sees it: the system clock, or a hand-moved one in tests (so expiry
//! and lockout can be tested without sleeping), and the one UTC format pages and exports use.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    /// Milliseconds since the Unix epoch, moved by [`Clock::advance`].
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start_ms: i64) -> Self {
        Clock::Manual(Arc::new(AtomicI64::new(start_ms)))
    }

    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => now_ms(),
            Clock::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; the system clock ignores it.
    pub fn advance(&self, ms: i64) {
        if let Clock::Manual(t) = self {
            t.fetch_add(ms, Ordering::SeqCst);
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `2026-11-25 08:31 UTC`, for pages and messages.
pub fn format_ms(ms: i64, with_seconds: bool) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) else {
        return String::from("?");
    };
    let formatted = if with_seconds {
        t.format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
        ))
    } else {
        t.format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
    };
    formatted.unwrap_or_else(|_| String::from("?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_and_formats() {
        let c = Clock::manual(1_000);
        c.advance(500);
        assert_eq!(c.now_ms(), 1_500);
        assert_eq!(format_ms(0, true), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_ms(61_000, false), "1970-01-01 00:01 UTC");
        assert!(Clock::System.now_ms() > 1_700_000_000_000);
    }
}
