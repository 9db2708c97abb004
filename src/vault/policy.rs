//! The reviewed Vault policies in policies/, embedded at build time so what is reviewed is
//! exactly what bootstrap writes.

use crate::domain::{MarketId, WalletId};

pub const DASHBOARD: &str = include_str!("../../policies/dashboard.hcl");
pub const KEY_ADMIN: &str = include_str!("../../policies/key-admin.hcl");
pub const AUDITOR: &str = include_str!("../../policies/auditor.hcl");
const BOT_WALLET_TEMPLATE: &str = include_str!("../../policies/bot-wallet.hcl.tmpl");
const BOT_KEY_TEMPLATE: &str = include_str!("../../policies/bot-key.hcl.tmpl");

/// Fixed policies by name.
pub const FIXED: &[(&str, &str)] = &[
    ("tradebot-dashboard", DASHBOARD),
    ("tradebot-key-admin", KEY_ADMIN),
    ("tradebot-auditor", AUDITOR),
];

/// Name of a wallet's bot policy (matched by the token role's `allowed_policies_glob` bot-*).
pub fn bot_policy_name(wallet: &WalletId) -> String {
    format!("bot-{wallet}")
}

/// Name of the policy of the trade-only bot key of (`wallet`, `market`): `bot-<wallet>.<slug>`
/// (`.` occurs in neither a wallet id nor a market slug, so names never collide).
pub fn bot_key_policy_name(wallet: &WalletId, market: &MarketId) -> String {
    format!("bot-{wallet}.{}", market.slug())
}

/// The bot policy for one wallet. `WalletId` cannot contain path characters, so the
/// substitution cannot widen the grant.
pub fn bot_policy(wallet: &WalletId) -> String {
    BOT_WALLET_TEMPLATE.replace("{{wallet}}", wallet.as_str())
}

/// The policy of the trade-only bot key of (`wallet`, `market`): read exactly
/// `wallets/data/<wallet>/bots/<slug>` and revoke its own token. Neither `WalletId` nor a market
/// slug can contain `/`, `*` or `+`, so the substitution cannot widen the grant.
pub fn bot_key_policy(wallet: &WalletId, market: &MarketId) -> String {
    BOT_KEY_TEMPLATE
        .replace("{{wallet}}", wallet.as_str())
        .replace("{{slug}}", &market.slug())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bot_policy_grants_exactly_one_key_path() {
        let p = bot_policy(&WalletId::parse("desk-1").unwrap());
        assert!(p.contains("path \"wallets/data/desk-1\""));
        assert!(!p.contains("{{"));
        assert_eq!(
            p.matches("path \"").count(),
            2,
            "one key path and revoke-self"
        );
    }

    #[test]
    fn bot_key_policy_grants_exactly_one_bot_key() {
        let wallet = WalletId::parse("desk").unwrap();
        let market = MarketId::parse("INJ/USDT-PERP").unwrap();
        let p = bot_key_policy(&wallet, &market);
        assert!(p.contains("path \"wallets/data/desk/bots/inj-usdt-perp\" {"));
        assert!(!p.contains("{{"));
        assert!(!p.contains("path \"wallets/data/desk\""));
        assert_eq!(
            p.matches("path \"").count(),
            2,
            "one bot key and revoke-self"
        );
        assert_eq!(
            bot_key_policy_name(&wallet, &market),
            "bot-desk.inj-usdt-perp"
        );
    }
}
