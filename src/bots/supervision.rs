//! Supervision of crashed bots, as pure rules: exponential backoff between restarts and a
//! budget of restarts in a row, so a crash-looping bot ends `failed` instead of flooding Vault
//! with token requests. The watch layer asks [`RestartPolicy::after_crash`] and does what it says.

use std::time::Duration;

/// A bot that ran this long (after `ready`) before crashing starts a fresh restart budget.
pub const STABLE_AFTER: Duration = Duration::from_secs(60);

/// Restart rules (settings `bots.restart_max`, `bots.restart_base_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Crash restarts in a row before the bot is marked failed.
    pub max: u32,
    /// Delay before the first restart; each next one doubles it.
    pub base: Duration,
    /// A run this long resets the count (see [`STABLE_AFTER`]).
    pub stable_after: Duration,
}

/// What to do about one crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterCrash {
    /// Start again after `delay`; this is restart number `attempt` in a row (from 1).
    Restart { attempt: u32, delay: Duration },
    /// The budget is spent: mark the bot failed.
    GiveUp,
}

impl RestartPolicy {
    pub fn new(max: u32, base: Duration) -> Self {
        Self {
            max,
            base,
            stable_after: STABLE_AFTER,
        }
    }

    /// The decision for a crash, and the new count of restarts in a row. `restarts` is the
    /// count before this crash; `ran_for` is how long the crashed run had been ready (`None`:
    /// it never was).
    pub fn after_crash(&self, restarts: u32, ran_for: Option<Duration>) -> (u32, AfterCrash) {
        let stable = ran_for.is_some_and(|d| d >= self.stable_after);
        let attempt = if stable {
            1
        } else {
            restarts.saturating_add(1)
        };
        if attempt > self.max {
            return (attempt, AfterCrash::GiveUp);
        }
        // base * 2^(attempt-1), saturating: a large budget never overflows into a panic.
        let factor = 2u32.saturating_pow(attempt - 1);
        let delay = self.base.saturating_mul(factor);
        (attempt, AfterCrash::Restart { attempt, delay })
    }

    /// The bot's reason after a crash described by `crash` (e.g. "crashed with exit code 1").
    pub fn describe(&self, crash: &str, decision: AfterCrash) -> String {
        match decision {
            AfterCrash::GiveUp => format!("{crash}; gave up after {} restarts in a row", self.max),
            AfterCrash::Restart { attempt, delay } => format!(
                "{crash}; restart {attempt} of {} in {} ms",
                self.max,
                delay.as_millis()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RestartPolicy {
        RestartPolicy::new(3, Duration::from_millis(100))
    }

    #[test]
    fn delays_double_until_the_budget_is_spent() {
        let p = policy();
        let mut restarts = 0;
        let mut delays = Vec::new();
        loop {
            let (n, decision) = p.after_crash(restarts, Some(Duration::from_secs(1)));
            restarts = n;
            match decision {
                AfterCrash::Restart { attempt, delay } => {
                    assert_eq!(attempt, n);
                    delays.push(delay.as_millis());
                }
                AfterCrash::GiveUp => break,
            }
        }
        assert_eq!(delays, vec![100, 200, 400]);
        assert_eq!(
            restarts, 4,
            "the count says how far past the budget it went"
        );
    }

    #[test]
    fn a_stable_run_starts_a_fresh_budget_and_a_run_never_ready_does_not() {
        let p = policy();
        assert_eq!(
            p.after_crash(3, Some(STABLE_AFTER)),
            (
                1,
                AfterCrash::Restart {
                    attempt: 1,
                    delay: Duration::from_millis(100)
                }
            )
        );
        assert_eq!(p.after_crash(3, None).1, AfterCrash::GiveUp);
        assert_eq!(
            p.after_crash(3, Some(STABLE_AFTER - Duration::from_millis(1)))
                .1,
            AfterCrash::GiveUp
        );
    }

    #[test]
    fn no_budget_means_no_restart_and_a_huge_budget_does_not_overflow() {
        let none = RestartPolicy::new(0, Duration::from_secs(1));
        assert_eq!(none.after_crash(0, None), (1, AfterCrash::GiveUp));
        let huge = RestartPolicy::new(u32::MAX, Duration::from_secs(u64::MAX / 2));
        let (_, decision) = huge.after_crash(200, None);
        assert!(matches!(decision, AfterCrash::Restart { delay, .. } if delay == Duration::MAX));
    }

    #[test]
    fn reasons_say_what_happens_next() {
        let p = policy();
        let restart = AfterCrash::Restart {
            attempt: 2,
            delay: Duration::from_millis(200),
        };
        assert_eq!(
            p.describe("crashed with exit code 1", restart),
            "crashed with exit code 1; restart 2 of 3 in 200 ms"
        );
        assert_eq!(
            p.describe("crashed with exit code 137", AfterCrash::GiveUp),
            "crashed with exit code 137; gave up after 3 restarts in a row"
        );
    }
}
