//! Login throttling as the sign-in pages use it (rules in `auth::ratelimit`): one attempt's
//! keys, the lock check, and the audit lines: one per real failure, one when a lock starts,
//! and one per ended lock with the number of attempts it refused (never one per refusal).

use serde_json::json;

use super::{audit, internal};
use crate::audit::{actions, Entry, Outcome};
use crate::auth::ratelimit::{self, Key, Policy};
use crate::auth::{AuthState, ClientIp};
use crate::web::error::WebError;

/// One sign-in attempt (a password, or a second factor) by `name` from `ip`.
pub(super) struct Attempt {
    pub policy: Policy,
    pub now: i64,
    /// This name from this address: cleared by a success.
    pub pair: Key,
    /// The pair and, when the address is known, the address's own key.
    pub keys: Vec<Key>,
    /// The submitted name, clipped: what the audit log records.
    pub name: String,
    pub ip: ClientIp,
}

impl Attempt {
    pub fn new(auth: &AuthState, ip: ClientIp, form_name: &str) -> Self {
        let policy = Policy::from(&auth.settings);
        let pair = Key::name_from(&policy, form_name, ip.0);
        let keys = std::iter::once(pair.clone())
            .chain(ip.0.and_then(|a| Key::address(&policy, a)))
            .collect();
        Attempt {
            policy,
            now: auth.clock.now_ms(),
            name: pair.name.clone(),
            pair,
            keys,
            ip,
        }
    }

    /// Writes the summaries of ended locks, then: the end of the lock that holds this attempt
    /// back, if any (the refusal is counted, not audited).
    pub async fn lock(&self, auth: &AuthState) -> Result<Option<i64>, WebError> {
        flush(auth, &self.policy, self.now).await?;
        ratelimit::check(auth.store.pool(), &self.keys, self.now)
            .await
            .map_err(|e| internal(&e))
    }

    /// Counts a failure, audits it (and any lock it starts); returns the lock now holding.
    pub async fn failed(
        &self,
        auth: &AuthState,
        reason: &'static str,
    ) -> Result<Option<i64>, WebError> {
        let started =
            ratelimit::record_failure(auth.store.pool(), &self.policy, &self.keys, self.now)
                .await
                .map_err(|e| internal(&e))?;
        let details = json!({ "reason": reason });
        audit(auth, self.entry(actions::LOGIN_FAILED, details)).await;
        for s in &started {
            let scope = if s.name.is_empty() {
                "address"
            } else {
                "name from address"
            };
            let details = json!({
                "scope": scope, "until_ms": s.lock.until_ms, "level": s.lock.level,
            });
            audit(auth, self.entry(actions::LOGIN_LOCKED, details)).await;
        }
        Ok(started.iter().map(|s| s.lock.until_ms).max())
    }

    /// A success: this name from this address starts afresh.
    pub async fn succeeded(&self, auth: &AuthState) -> Result<(), WebError> {
        ratelimit::clear(auth.store.pool(), &self.pair)
            .await
            .map_err(|e| internal(&e))
    }

    fn entry(&self, action: &'static str, details: serde_json::Value) -> Entry<'_> {
        Entry {
            actor: &self.name,
            action,
            target: "",
            ip: self.ip.0,
            details,
            result: Outcome::Denied,
        }
    }
}

/// One audit line per ended lock that refused attempts, with their number.
pub(super) async fn flush(auth: &AuthState, policy: &Policy, now: i64) -> Result<(), WebError> {
    let ended = ratelimit::flush_ended(auth.store.pool(), policy, now)
        .await
        .map_err(|e| internal(&e))?;
    for s in ended {
        let entry = Entry {
            actor: &s.name,
            action: actions::LOGIN_LOCK_REFUSED,
            target: "",
            ip: s.ip.parse().ok(),
            details: json!({ "attempts": s.refused, "lock_until_ms": s.until_ms }),
            result: Outcome::Denied,
        };
        audit(auth, entry).await;
    }
    Ok(())
}

/// The refusal shown while locked.
pub(super) fn locked_message(until_ms: i64, now_ms: i64) -> String {
    let minutes = (until_ms - now_ms + 59_999) / 60_000;
    format!(
        "too many failed sign-ins from this address; try again after {} (in {minutes} minute{}), or ask an admin to unlock you",
        crate::clock::format_ms(until_ms, false),
        if minutes == 1 { "" } else { "s" }
    )
}

/// Writes the summaries of ended locks every minute, so a lock nobody comes back to still
/// gets its line in the audit log.
pub(super) fn spawn_flush(auth: AuthState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let policy = Policy::from(&auth.settings);
            // A failure is already logged where it happened (WebError::internal).
            let _ = flush(&auth, &policy, auth.clock.now_ms()).await;
        }
    })
}
