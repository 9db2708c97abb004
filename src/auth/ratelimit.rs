//! Login throttling: `max_failures` failed logins within `window` lock further attempts for
//! `lockout`, counted separately per user name and per client address. Failures live in the
//! database, so a restart does not reset them; attempts during a lockout are refused without
//! checking the password and are not counted (a locked-out person is not locked out longer).

use std::net::IpAddr;

use sqlx::SqlitePool;

use crate::config::AuthSettings;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_failures: u32,
    pub window_ms: i64,
    pub lockout_ms: i64,
}

impl From<&AuthSettings> for Policy {
    fn from(s: &AuthSettings) -> Self {
        let minutes = |m: u64| i64::try_from(m.saturating_mul(60_000)).unwrap_or(i64::MAX);
        Self {
            max_failures: s.login_max_failures.max(1),
            window_ms: minutes(s.login_window_minutes),
            lockout_ms: minutes(s.login_lockout_minutes),
        }
    }
}

/// Until when logins are locked, given one key's failure times (ascending).
pub fn locked_until(p: Policy, failures: &[i64], now_ms: i64) -> Option<i64> {
    let n = usize::try_from(p.max_failures).unwrap_or(usize::MAX).max(1);
    failures
        .windows(n)
        .filter(|w| w[n - 1] - w[0] <= p.window_ms)
        .map(|w| w[n - 1] + p.lockout_ms)
        .max()
        .filter(|until| *until > now_ms)
}

pub fn user_key(name: &str) -> String {
    // Bounded, so a megabyte "name" does not become a megabyte row.
    let name: String = name.trim().to_ascii_lowercase().chars().take(64).collect();
    format!("user:{name}")
}

pub fn ip_key(ip: IpAddr) -> String {
    format!("ip:{ip}")
}

/// The latest lock among `keys`, if any is locked now.
pub async fn lock_of(
    pool: &SqlitePool,
    p: Policy,
    keys: &[String],
    now_ms: i64,
) -> anyhow::Result<Option<i64>> {
    let since = now_ms.saturating_sub(p.window_ms.saturating_add(p.lockout_ms));
    let mut latest = None;
    for key in keys {
        let times: Vec<i64> = sqlx::query_scalar(
            "SELECT ts_ms FROM login_failures WHERE key = ? AND ts_ms >= ? ORDER BY ts_ms",
        )
        .bind(key)
        .bind(since)
        .fetch_all(pool)
        .await?;
        latest = latest.max(locked_until(p, &times, now_ms));
    }
    Ok(latest)
}

pub async fn record_failure(pool: &SqlitePool, keys: &[String], now_ms: i64) -> anyhow::Result<()> {
    for key in keys {
        sqlx::query("INSERT INTO login_failures (key, ts_ms) VALUES (?, ?)")
            .bind(key)
            .bind(now_ms)
            .execute(pool)
            .await?;
    }
    // Nothing older than a day can matter for any sane policy.
    sqlx::query("DELETE FROM login_failures WHERE ts_ms < ?")
        .bind(now_ms - 86_400_000)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets a user's failures after a successful login. The address's stay: one valid account
/// must not reset an address that is guessing others' passwords.
pub async fn clear(pool: &SqlitePool, key: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE key = ?")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const P: Policy = Policy {
        max_failures: 5,
        window_ms: 15 * MIN,
        lockout_ms: 15 * MIN,
    };

    #[test]
    fn five_failures_in_the_window_lock() {
        let f = [0, MIN, 2 * MIN, 3 * MIN];
        assert_eq!(locked_until(P, &f, 4 * MIN), None, "four are not enough");
        let f = [0, MIN, 2 * MIN, 3 * MIN, 4 * MIN];
        assert_eq!(locked_until(P, &f, 4 * MIN), Some(19 * MIN));
        assert_eq!(locked_until(P, &f, 19 * MIN), None, "the lock ends");
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock() {
        let f = [0, 4 * MIN, 8 * MIN, 12 * MIN, 16 * MIN];
        assert_eq!(locked_until(P, &f, 16 * MIN), None);
        // A sixth soon after makes five within 15 minutes.
        let f = [0, 4 * MIN, 8 * MIN, 12 * MIN, 16 * MIN, 17 * MIN];
        assert_eq!(locked_until(P, &f, 17 * MIN), Some(32 * MIN));
    }

    #[tokio::test]
    async fn lock_is_stored_per_key_and_cleared() {
        let store = crate::store::Store::memory().await.unwrap();
        let pool = store.pool();
        let keys = [user_key("Bob"), ip_key([10, 0, 0, 1].into())];
        for i in 0..5 {
            record_failure(pool, &keys, i * 1000).await.unwrap();
        }
        let until = lock_of(pool, P, &keys, 5_000).await.unwrap();
        assert_eq!(until, Some(4_000 + 15 * MIN));
        clear(pool, &user_key("bob")).await.unwrap();
        let ip_only = lock_of(pool, P, &keys[1..], 5_000).await.unwrap();
        assert_eq!(ip_only, until, "the address stays locked");
        assert_eq!(lock_of(pool, P, &keys[..1], 5_000).await.unwrap(), None);
    }
}
