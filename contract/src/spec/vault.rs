//! The spec's `vault` section: where and how the bot reaches Vault for its wallet key.

use serde::{Deserialize, Serialize};

use crate::ids::WalletId;

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
}

fn default_kv_mount() -> String {
    "wallets".into()
}
