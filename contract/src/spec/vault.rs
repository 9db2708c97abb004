//! The spec's `vault` section: where and how the bot reaches Vault for its wallet key.

use serde::{Deserialize, Serialize};

use crate::ids::{MarketId, WalletId};

/// Where and how the bot reaches Vault. Holds no secret: the bot's only secret arrives as a
/// response-wrapping token in its environment (docs/SECRETS.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultAccess {
    /// Base URL of Vault, e.g. `https://vault:8200`.
    pub address: String,
    /// PEM of the CA that signed Vault's certificate; the system roots when absent.
    #[serde(default)]
    pub ca_cert_pem: Option<String>,
    /// Mount of the KV v2 engine holding wallet keys (default `wallets`).
    #[serde(default = "default_kv_mount")]
    pub kv_mount: String,
    /// The wallet whose key the bot reads (`<kv_mount>/data/<wallet_id>`).
    pub wallet_id: WalletId,
    /// Set for a live bot: it reads not the wallet's key but the trade-only bot key of
    /// (`wallet_id`, this market), at `<kv_mount>/data/<wallet_id>/bots/<market slug>`
    /// ([`bot_key_path`]); the wallet's own key is read by key admins only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market_key: Option<MarketId>,
}

impl VaultAccess {
    /// The KV v2 path (below the mount) of the key this bot reads.
    pub fn key_path(&self) -> String {
        match &self.market_key {
            Some(market) => bot_key_path(&self.wallet_id, market),
            None => self.wallet_id.as_str().to_owned(),
        }
    }
}

/// Where the trade-only bot key of (`wallet`, `market`) lives below the KV v2 mount:
/// `<wallet>/bots/<market slug>`, e.g. `devnet/bots/inj-usdt-perp`.
pub fn bot_key_path(wallet: &WalletId, market: &MarketId) -> String {
    format!("{wallet}/bots/{}", market.slug())
}

fn default_kv_mount() -> String {
    "wallets".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths() {
        let w = WalletId::parse("desk-1").unwrap();
        let mut access = VaultAccess {
            address: "https://vault:8200".into(),
            ca_cert_pem: None,
            kv_mount: "wallets".into(),
            wallet_id: w.clone(),
            market_key: None,
        };
        assert_eq!(access.key_path(), "desk-1");
        for (market, path) in [
            ("INJ/USDT", "desk-1/bots/inj-usdt"),
            ("INJ/USDT-PERP", "desk-1/bots/inj-usdt-perp"),
            ("TIA/USDT", "desk-1/bots/tia-usdt"),
        ] {
            access.market_key = Some(MarketId::parse(market).unwrap());
            assert_eq!(access.key_path(), path);
        }
        // Absent from the JSON when unset, so paper specs are unchanged.
        access.market_key = None;
        assert!(!serde_json::to_string(&access)
            .unwrap()
            .contains("market_key"));
    }
}
