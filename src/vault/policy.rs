//! The reviewed Vault policies in policies/, embedded at build time so what is reviewed is
//! exactly what bootstrap writes.

use crate::domain::{MarketId, WalletId};

pub const DASHBOARD: &str = include_str!("../../policies/dashboard.hcl");
pub const KEY_ADMIN: &str = include_str!("../../policies/key-admin.hcl");
pub const AUDITOR: &str = include_str!("../../policies/auditor.hcl");
const BOT_WALLET_TEMPLATE: &str = include_str!("../../policies/bot-wallet.hcl.tmpl");

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
}
