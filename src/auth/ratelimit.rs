//! Login throttling, keyed so that nobody can lock someone else out from elsewhere:
//!
//! - [`Key::name_from`]: one user name from one client address. `max_failures` failures within
//!   `window` lock that pair for `lockout`; each failure soon after a lock ends (within
//!   `window`) locks it again for twice as long, up to `max_lockout` (backoff). The same user
//!   from another address is not affected.
//! - [`Key::address`]: one address whatever the names (password spraying), with its own,
//!   larger threshold (0 turns it off).
//!
//! A correct password clears its name-and-address key. Attempts during a lock are refused
//! without checking the password and are not counted; each lock counts them in `refused`, and
//! [`flush_ended`] hands back one summary per ended lock period for the audit log. State lives
//! in the database (`login_failures`, `login_locks`), so a restart resets nothing.

use std::net::IpAddr;

use sqlx::{Row, SqlitePool};

use crate::config::AuthSettings;

/// At most this many characters of a submitted user name are kept anywhere (keys, audit).
pub const NAME_CHARS: usize = 64;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_failures: u32,
    /// 0: no per-address lock.
    pub address_max_failures: u32,
    pub window_ms: i64,
    pub lockout_ms: i64,
    pub max_lockout_ms: i64,
}

impl From<&AuthSettings> for Policy {
    fn from(s: &AuthSettings) -> Self {
        let minutes = |m: u64| i64::try_from(m.saturating_mul(60_000)).unwrap_or(i64::MAX);
        let lockout_ms = minutes(s.login_lockout_minutes);
        Self {
            max_failures: s.login_max_failures.max(1),
            address_max_failures: s.login_max_failures_per_address,
            window_ms: minutes(s.login_window_minutes),
            lockout_ms,
            max_lockout_ms: minutes(s.login_lockout_max_minutes).max(lockout_ms),
        }
    }
}

impl Policy {
    /// How long the lock at `level` (0 for the first) lasts: doubled per level, capped.
    pub fn lock_ms(&self, level: u32) -> i64 {
        let factor = 1i64.checked_shl(level.min(40)).unwrap_or(i64::MAX);
        self.lockout_ms
            .saturating_mul(factor)
            .min(self.max_lockout_ms)
    }
}

/// A submitted user name as the throttle and the audit log keep it: trimmed, lower-case, at
/// most [`NAME_CHARS`] characters (cut on a character boundary).
pub fn clip_name(name: &str) -> String {
    name.trim()
        .chars()
        .take(NAME_CHARS)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// One throttled key and the threshold that applies to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub key: String,
    /// The clipped user name ("" for an address key).
    pub name: String,
    pub ip: String,
    max_failures: u32,
}

impl Key {
    /// One (clipped) user name from one address (or from an unknown address).
    pub fn name_from(p: &Policy, name: &str, ip: Option<IpAddr>) -> Self {
        let name = clip_name(name);
        let ip = ip.map(|ip| ip.to_string()).unwrap_or_default();
        Self {
            key: format!("name|{name}|{ip}"),
            name,
            ip,
            max_failures: p.max_failures,
        }
    }

    /// Every name from one address; None when that lock is turned off.
    pub fn address(p: &Policy, ip: IpAddr) -> Option<Self> {
        (p.address_max_failures > 0).then(|| Self {
            key: format!("addr|{ip}"),
            name: String::new(),
            ip: ip.to_string(),
            max_failures: p.address_max_failures,
        })
    }
}

/// A key's lock as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    pub until_ms: i64,
    pub level: u32,
}

/// The lock a new failure at `now_ms` causes, given the key's previous lock and how many
/// failures (this one included) it has had within the window since then. A failure within
/// `window` after a lock ended locks again at the next level; after a quiet `window` the
/// count starts over.
pub fn next_lock(
    p: &Policy,
    max_failures: u32,
    prior: Option<Lock>,
    failures_in_window: u32,
    now_ms: i64,
) -> Option<Lock> {
    let lock_at = |level: u32| Lock {
        until_ms: now_ms.saturating_add(p.lock_ms(level)),
        level,
    };
    match prior {
        Some(l) if now_ms <= l.until_ms.saturating_add(p.window_ms) => {
            Some(lock_at(l.level.saturating_add(1)))
        }
        _ if failures_in_window >= max_failures.max(1) => Some(lock_at(0)),
        _ => None,
    }
}

/// The latest lock among `keys` that holds at `now_ms`. Each locked key counts this refused
/// attempt (for the lock period's audit summary).
pub async fn check(pool: &SqlitePool, keys: &[Key], now_ms: i64) -> anyhow::Result<Option<i64>> {
    let mut latest = None;
    for k in keys {
        let until: Option<i64> = sqlx::query_scalar(
            "UPDATE login_locks SET refused = refused + 1 WHERE key = ? AND until_ms > ? RETURNING until_ms",
        )
        .bind(&k.key)
        .bind(now_ms)
        .fetch_optional(pool)
        .await?;
        latest = latest.max(until);
    }
    Ok(latest)
}

/// A lock that a failure just started: for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLock {
    pub name: String,
    pub ip: String,
    pub lock: Lock,
}

/// Counts a failure on every key; returns the locks it starts.
pub async fn record_failure(
    pool: &SqlitePool,
    p: &Policy,
    keys: &[Key],
    now_ms: i64,
) -> anyhow::Result<Vec<NewLock>> {
    let mut started = Vec::new();
    for k in keys {
        if let Some(lock) = fail_one(pool, p, k, now_ms).await? {
            started.push(NewLock {
                name: k.name.clone(),
                ip: k.ip.clone(),
                lock,
            });
        }
    }
    // Nothing older than a day matters for the window; ended, quiet locks are flushed apart.
    sqlx::query("DELETE FROM login_failures WHERE ts_ms < ?")
        .bind(now_ms.saturating_sub(86_400_000))
        .execute(pool)
        .await?;
    Ok(started)
}

async fn fail_one(
    pool: &SqlitePool,
    p: &Policy,
    k: &Key,
    now_ms: i64,
) -> anyhow::Result<Option<Lock>> {
    sqlx::query("INSERT INTO login_failures (key, ts_ms) VALUES (?, ?)")
        .bind(&k.key)
        .bind(now_ms)
        .execute(pool)
        .await?;
    let prior = sqlx::query("SELECT until_ms, level FROM login_locks WHERE key = ?")
        .bind(&k.key)
        .fetch_optional(pool)
        .await?
        .map(|r| -> anyhow::Result<Lock> {
            Ok(Lock {
                until_ms: r.try_get("until_ms")?,
                level: u32::try_from(r.try_get::<i64, _>("level")?).unwrap_or(u32::MAX),
            })
        })
        .transpose()?;
    let since = now_ms.saturating_sub(p.window_ms);
    let since = prior.map_or(since, |l| since.max(l.until_ms));
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = ? AND ts_ms >= ?")
            .bind(&k.key)
            .bind(since)
            .fetch_one(pool)
            .await?;
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    let Some(lock) = next_lock(p, k.max_failures, prior, n, now_ms) else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO login_locks (key, name, ip, until_ms, level, refused) VALUES (?, ?, ?, ?, ?, 0)
         ON CONFLICT (key) DO UPDATE SET until_ms = excluded.until_ms, level = excluded.level,
           refused = 0, reported = 0",
    )
    .bind(&k.key)
    .bind(&k.name)
    .bind(&k.ip)
    .bind(lock.until_ms)
    .bind(i64::from(lock.level))
    .execute(pool)
    .await?;
    Ok(Some(lock))
}

/// After a correct password: this name from this address starts afresh. The address key
/// stays: one valid account must not reset an address that is guessing others' passwords.
pub async fn clear(pool: &SqlitePool, key: &Key) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE key = ?")
        .bind(&key.key)
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM login_locks WHERE key = ?")
        .bind(&key.key)
        .execute(pool)
        .await?;
    Ok(())
}

/// How many attempts a lock refused, for its one audit line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub name: String,
    pub ip: String,
    pub until_ms: i64,
    pub refused: i64,
}

/// The refused-attempt counts of locks that ended by `now_ms` (each lock period once), and
/// forgets locks quiet for longer than the window.
pub async fn flush_ended(
    pool: &SqlitePool,
    p: &Policy,
    now_ms: i64,
) -> anyhow::Result<Vec<Summary>> {
    // One statement, so concurrent sign-ins cannot report a period twice. `refused` keeps its
    // value (the answer); `reported` marks it done until a new lock period resets both.
    let rows = sqlx::query(
        "UPDATE login_locks SET reported = 1 WHERE until_ms <= ? AND refused > 0 AND reported = 0
         RETURNING name, ip, until_ms, refused",
    )
    .bind(now_ms)
    .fetch_all(pool)
    .await?;
    sqlx::query("DELETE FROM login_locks WHERE until_ms < ? AND (refused = 0 OR reported = 1)")
        .bind(now_ms.saturating_sub(p.window_ms))
        .execute(pool)
        .await?;
    rows.iter().map(summary_of).collect()
}

fn summary_of(r: &sqlx::sqlite::SqliteRow) -> anyhow::Result<Summary> {
    Ok(Summary {
        name: r.try_get("name")?,
        ip: r.try_get("ip")?,
        until_ms: r.try_get("until_ms")?,
        refused: r.try_get("refused")?,
    })
}

/// What an unlock ended: the locks' refused counts (for the audit) and how many keys.
#[derive(Debug, Default)]
pub struct Unlocked {
    pub keys: u64,
    pub refused: i64,
}

/// An admin's unlock of `name` from every address: its failures and locks are forgotten.
pub async fn unlock_name(pool: &SqlitePool, name: &str) -> anyhow::Result<Unlocked> {
    unlock_prefix(pool, &format!("name|{}|", clip_name(name))).await
}

/// An admin's unlock of one address (its per-address key and every name from it).
pub async fn unlock_address(pool: &SqlitePool, ip: IpAddr) -> anyhow::Result<Unlocked> {
    let a = unlock_prefix(pool, &format!("addr|{ip}")).await?;
    let mut n = Unlocked::default();
    // Name keys end with `|<address>`.
    let suffix = format!("|{ip}");
    let rows = sqlx::query(
        "DELETE FROM login_locks WHERE key LIKE 'name|%' AND substr(key, -length(?1)) = ?1 
         RETURNING CASE WHEN reported = 0 THEN refused ELSE 0 END AS refused",
    )
    .bind(&suffix)
    .fetch_all(pool)
    .await?;
    sqlx::query(
        "DELETE FROM login_failures WHERE key LIKE 'name|%' AND substr(key, -length(?1)) = ?1",
    )
    .bind(&suffix)
    .execute(pool)
    .await?;
    for r in &rows {
        n.refused += r.try_get::<i64, _>("refused")?;
    }
    n.keys = a.keys + rows.len() as u64;
    n.refused += a.refused;
    Ok(n)
}

async fn unlock_prefix(pool: &SqlitePool, prefix: &str) -> anyhow::Result<Unlocked> {
    // substr, not LIKE: a typed name may hold `%` or `_`.
    let rows = sqlx::query(
        "DELETE FROM login_locks WHERE substr(key, 1, length(?1)) = ?1 
         RETURNING CASE WHEN reported = 0 THEN refused ELSE 0 END AS refused",
    )
    .bind(prefix)
    .fetch_all(pool)
    .await?;
    sqlx::query("DELETE FROM login_failures WHERE substr(key, 1, length(?1)) = ?1")
        .bind(prefix)
        .execute(pool)
        .await?;
    let mut refused = 0;
    for r in &rows {
        refused += r.try_get::<i64, _>("refused")?;
    }
    Ok(Unlocked {
        keys: rows.len() as u64,
        refused,
    })
}

/// Locked user names now, with the latest end of their locks and from how many addresses.
pub async fn locked_names(
    pool: &SqlitePool,
    now_ms: i64,
) -> anyhow::Result<Vec<(String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT name, MAX(until_ms) AS until_ms, COUNT(*) AS n FROM login_locks
          WHERE name != '' AND until_ms > ? GROUP BY name",
    )
    .bind(now_ms)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("until_ms")?, r.try_get("n")?)))
        .collect()
}

#[cfg(test)]
mod tests;
