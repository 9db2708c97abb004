//! Rule `grant_expiring`: every [`EVERY`] the watcher reads the bot keys' metadata in Vault
//! (`wallets/metadata/<wallet>/bots/<slug>`, custom metadata `grant_expiry`, RFC 3339: the
//! dashboard may read it, never the key) of every live wallet, and fires once per (wallet,
//! market, expiry) when the grant ends within `alerts.expiry_warning_days`, or has ended. A
//! renewed grant (a new expiry) fires again when it comes close; a revoked grant
//! (`keys revoke-grant`) does not fire. "Once" holds for the process: after a restart a grant
//! still in its window is reported once more.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::alerts::{Alert, Rule};
use crate::vault::bot_keys::{self, BotKeyInfo};
use crate::vault::wallets::{self, WalletMode};
use crate::web::AppState;

/// How often the bot keys are read.
pub const EVERY: Duration = Duration::from_secs(60);

const DAY_SECS: i64 = 86_400;

/// The alert for one bot key, if its grant ends within `warning_days` days of `now` (exactly
/// `warning_days` days included) or has already ended; `None` otherwise and for an expiry
/// that is not RFC 3339. The message names the wallet, the market, the expiry and the whole
/// days left (negative: days since it ended), and the bot key's public address.
pub fn grant_alert(key: &BotKeyInfo, now: OffsetDateTime, warning_days: u32) -> Option<Alert> {
    let expiry = OffsetDateTime::parse(&key.grant_expiry, &Rfc3339).ok()?;
    let left = (expiry - now).whole_seconds();
    if left > i64::from(warning_days) * DAY_SECS {
        return None;
    }
    let days = left.div_euclid(DAY_SECS);
    let (wallet, market) = (key.wallet.as_str(), key.market.as_str());
    let when = if left > 0 {
        format!("expires at {}: {days} day(s) left", key.grant_expiry)
    } else {
        format!(
            "expired at {} ({} day(s) ago): its bots cannot trade",
            key.grant_expiry,
            (-left).div_euclid(DAY_SECS)
        )
    };
    Some(Alert {
        rule: Rule::GrantExpiring,
        subject: format!("{wallet} {market}"),
        text: format!(
            "the trade grant of wallet {wallet}'s bot key on {market} {when}; renew it with `tradebot keys grant`"
        ),
        ts_ms: now.unix_timestamp() * 1000,
        details: json!({
            "wallet": wallet,
            "market": market,
            "grant_expiry": key.grant_expiry,
            "days_left": if left > 0 { days } else { -(-left).div_euclid(DAY_SECS) },
            "address": key.address,
            "network": key.network,
        }),
    })
}

/// The expiry of each live bot key's grant as last read from Vault, for `/metrics`
/// (`tradebot_bot_key_grant_expiry_timestamp_seconds`): (wallet, market) -> Unix seconds.
/// Written by [`GrantWatch::check`] every [`EVERY`], so a scrape never waits on Vault. A key
/// whose grant was revoked on purpose, or whose expiry is not RFC 3339, is left out.
#[derive(Debug, Default)]
pub struct GrantExpiries(std::sync::Mutex<BTreeMap<(String, String), i64>>);

impl GrantExpiries {
    /// The last read, sorted by (wallet, market).
    pub fn snapshot(&self) -> BTreeMap<(String, String), i64> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn replace(&self, read: BTreeMap<(String, String), i64>) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = read;
    }
}

/// What has fired: (wallet, market, expiry).
#[derive(Debug, Default)]
pub struct GrantWatch {
    fired: HashSet<(String, String, String)>,
}

impl GrantWatch {
    /// Alerts for the grants that came within the window since the last look. Keeps the
    /// (wallet, market, expiry) of each so it fires once. Vault errors are logged and skipped
    /// (Vault down has its own rule).
    pub async fn check(&mut self, app: &AppState) -> Vec<Alert> {
        let keys = match live_bot_keys(app).await {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(error = %e, "alerts cannot read the bot keys' grants");
                return Vec::new();
            }
        };
        let now = OffsetDateTime::now_utc();
        let days = app.settings.alerts.expiry_warning_days;
        let mut out = Vec::new();
        let mut expiries = BTreeMap::new();
        for key in keys {
            let expiry = OffsetDateTime::parse(&key.grant_expiry, &Rfc3339).ok();
            if let Some(at) = expiry {
                expiries.insert(
                    (key.wallet.to_string(), key.market.to_string()),
                    (key.clone(), at.unix_timestamp()),
                );
            }
            let id = (
                key.wallet.to_string(),
                key.market.to_string(),
                key.grant_expiry.clone(),
            );
            if self.fired.contains(&id) {
                continue;
            }
            if let Some(alert) = grant_alert(&key, now, days) {
                if revoked(app, &key).await {
                    continue;
                }
                self.fired.insert(id);
                out.push(alert);
            }
        }
        let mut shown = BTreeMap::new();
        for (at, (key, secs)) in expiries {
            if !revoked(app, &key).await {
                shown.insert(at, secs);
            }
        }
        app.grant_expiries.replace(shown);
        out
    }
}

async fn live_bot_keys(app: &AppState) -> Result<Vec<BotKeyInfo>, crate::vault::VaultError> {
    let vault = app.vault.client();
    let mount = &app.settings.vault.kv_mount;
    let mut keys = Vec::new();
    for wallet in wallets::list(&vault, mount).await? {
        if wallet.mode == WalletMode::Live {
            keys.extend(bot_keys::list(&vault, mount, &wallet.id).await?);
        }
    }
    Ok(keys)
}

/// Whether the key's grant was revoked on purpose (then its recorded expiry is the
/// revocation time, and nobody needs telling). An unreadable state counts as not revoked.
async fn revoked(app: &AppState, key: &BotKeyInfo) -> bool {
    let vault = app.vault.client();
    bot_keys::state(
        &vault,
        &app.settings.vault.kv_mount,
        &key.wallet,
        &key.market,
    )
    .await
    .ok()
    .flatten()
    .is_some_and(|s| s.revoked_at.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MarketId, WalletId};

    fn key(expiry: &str) -> BotKeyInfo {
        BotKeyInfo {
            wallet: WalletId::parse("desk").unwrap(),
            market: MarketId::parse("INJ/USDT").unwrap(),
            address: "inj1botkey".into(),
            granter: "inj1desk".into(),
            market_id: "0x01".into(),
            network: "devnet".into(),
            grant_expiry: expiry.into(),
            fee_spend_limit: "1000inj".into(),
            current_version: 1,
        }
    }

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    #[test]
    fn fires_at_exactly_n_days_and_not_one_second_earlier() {
        let k = key("2026-12-08T12:00:00Z");
        // Exactly 7 days left: inside the window.
        let a = grant_alert(&k, at("2026-12-01T12:00:00Z"), 7).unwrap();
        assert_eq!(a.rule, Rule::GrantExpiring);
        assert_eq!(a.subject, "desk INJ/USDT");
        assert_eq!(a.details["days_left"], 7);
        assert!(
            a.text.contains("desk") && a.text.contains("INJ/USDT"),
            "{}",
            a.text
        );
        assert!(
            a.text
                .contains("expires at 2026-12-08T12:00:00Z: 7 day(s) left"),
            "{}",
            a.text
        );
        // 7 days and 1 s left: outside.
        assert_eq!(grant_alert(&k, at("2026-12-01T11:59:59Z"), 7), None);
        // The window follows the setting.
        assert!(grant_alert(&k, at("2026-12-01T11:59:59Z"), 8).is_some());
        assert_eq!(grant_alert(&k, at("2026-12-07T12:00:01Z"), 0), None);
        // 23 h 59 min 59 s left: 0 whole days.
        let a = grant_alert(&k, at("2026-12-07T12:00:01Z"), 1).unwrap();
        assert_eq!(a.details["days_left"], 0);
    }

    #[test]
    fn fires_when_already_expired_and_never_for_garbage() {
        let k = key("2026-12-08T12:00:00Z");
        let a = grant_alert(&k, at("2026-12-08T12:00:00Z"), 7).unwrap();
        assert!(a.text.contains("expired at"), "{}", a.text);
        assert_eq!(a.details["days_left"], 0);
        let a = grant_alert(&k, at("2026-12-10T13:00:00Z"), 0).unwrap();
        assert!(a.text.contains("(2 day(s) ago)"), "{}", a.text);
        assert_eq!(a.details["days_left"], -2);
        assert_eq!(
            grant_alert(&key("soon"), at("2026-12-10T13:00:00Z"), 7),
            None
        );
        assert_eq!(grant_alert(&key(""), at("2026-12-10T13:00:00Z"), 7), None);
    }

    #[test]
    fn the_message_holds_public_names_only() {
        let a = grant_alert(&key("2026-12-08T12:00:00Z"), at("2026-12-08T00:00:00Z"), 7).unwrap();
        let mut fields: Vec<&String> = a.details.as_object().unwrap().keys().collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "address",
                "days_left",
                "grant_expiry",
                "market",
                "network",
                "wallet"
            ]
        );
        assert_eq!(a.details["address"], "inj1botkey", "the public address");
    }
}
