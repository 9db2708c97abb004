//! Wallets in Vault's KV v2 mount: the key at `<mount>/data/<wallet>` (field `private_key`,
//! hex), and the wallet's metadata (address, label, allowed markets) in the KV *custom
//! metadata*, so Vault stays the single source of truth and metadata readers never see keys.
//! KV v2 reads, metadata and check-and-set writes go through vaultrs.

use std::collections::HashMap;

use vaultrs::api::kv2::requests::SetSecretMetadataRequest;
use vaultrs::api::kv2::responses::ReadSecretMetadataResponse;

use super::client::{found, from_vaultrs, VaultClient};
use super::VaultError;
use crate::domain::WalletId;
use tradebot_contract::key::PrivateKey;

/// Whether a wallet's bots trade real funds on a chain (`live`) or simulate fills (`paper`).
/// Custom metadata field `mode`; absent means paper (wallets made before live trading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WalletMode {
    #[default]
    Paper,
    Live,
}

impl WalletMode {
    pub fn as_str(self) -> &'static str {
        match self {
            WalletMode::Paper => "paper",
            WalletMode::Live => "live",
        }
    }

    /// `paper` or `live`; anything else is refused with one line.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "paper" => Ok(WalletMode::Paper),
            "live" => Ok(WalletMode::Live),
            other => Err(format!("wallet mode {other:?} is neither paper nor live")),
        }
    }
}

/// What operators may know about a wallet. Never key material.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WalletInfo {
    pub id: WalletId,
    pub address: String,
    pub label: String,
    pub allowed_markets: Vec<String>,
    /// Paper or live (custom metadata `mode`).
    pub mode: WalletMode,
    /// The Injective network its bots use (custom metadata `network`): `mainnet`, `testnet`
    /// or the name of a network in the dashboard's `[networks]` settings (e.g. `devnet`).
    /// Required for live wallets; for a paper wallet it ties the simulation to that chain's
    /// market data, and absent means the built-in synthetic feed.
    pub network: Option<String>,
    pub current_version: u64,
    pub oldest_version: u64,
    pub created_time: String,
    pub updated_time: String,
    /// Versions that still hold a key (not destroyed, not deleted).
    pub live_versions: Vec<u64>,
}

/// Metadata given when a wallet is created.
#[derive(Debug, Clone, Default)]
pub struct WalletMeta {
    pub label: String,
    pub allowed_markets: Vec<String>,
    pub mode: WalletMode,
    pub network: Option<String>,
}

/// Wallet ids present in the mount (entries that are not valid ids are skipped).
pub async fn list_ids(vault: &VaultClient, mount: &str) -> Result<Vec<WalletId>, VaultError> {
    let path = format!("{mount}/metadata");
    let keys = found(
        vault.address(),
        &path,
        vaultrs::kv2::list(vault.api(), mount, "").await,
    )?
    .unwrap_or_default();
    Ok(keys
        .iter()
        .filter_map(|k| WalletId::parse(k).ok())
        .collect())
}

/// The wallet's current key version, or None if it has no key yet.
pub async fn current_version(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
) -> Result<Option<u64>, VaultError> {
    Ok(metadata(vault, mount, wallet)
        .await?
        .map(|m| m.current_version)
        .filter(|v| *v > 0))
}

/// The KV v2 metadata of `wallet` (one read), or None if the wallet does not exist.
pub(super) async fn metadata(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
) -> Result<Option<ReadSecretMetadataResponse>, VaultError> {
    let r = vaultrs::kv2::read_metadata(vault.api(), mount, wallet.as_str()).await;
    found(vault.address(), &format!("{mount}/metadata"), r)
}

/// Reads one wallet's metadata.
pub async fn info(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
) -> Result<Option<WalletInfo>, VaultError> {
    let Some(meta) = metadata(vault, mount, wallet).await? else {
        return Ok(None);
    };
    let custom = meta.custom_metadata.unwrap_or_default();
    let text = |k: &str| custom.get(k).cloned().unwrap_or_default();
    let mut live_versions: Vec<u64> = meta
        .versions
        .iter()
        .filter(|(_, v)| !v.destroyed && v.deletion_time.is_empty())
        .filter_map(|(k, _)| k.parse().ok())
        .collect();
    live_versions.sort_unstable();
    Ok(Some(WalletInfo {
        id: wallet.clone(),
        address: text("address"),
        label: text("label"),
        allowed_markets: text("allowed_markets")
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect(),
        // An unknown mode reads as live: the stricter path (bot keys, grants) never weaker.
        mode: custom.get("mode").map_or(WalletMode::Paper, |m| {
            WalletMode::parse(m).unwrap_or(WalletMode::Live)
        }),
        network: custom.get("network").filter(|n| !n.is_empty()).cloned(),
        current_version: meta.current_version,
        oldest_version: meta.oldest_version,
        created_time: meta.created_time,
        updated_time: meta.updated_time,
        live_versions,
    }))
}

/// Every wallet with its metadata.
pub async fn list(vault: &VaultClient, mount: &str) -> Result<Vec<WalletInfo>, VaultError> {
    let mut out = Vec::new();
    for id in list_ids(vault, mount).await? {
        if let Some(info) = info(vault, mount, &id).await? {
            out.push(info);
        }
    }
    Ok(out)
}

/// Writes `key` as a new version with check-and-set `cas` (0 = the wallet must be new), then
/// records the address (and, for new wallets, label and markets) in custom metadata.
/// Returns the new version.
pub async fn write_key(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    key: &PrivateKey,
    cas: u64,
    meta: Option<&WalletMeta>,
) -> Result<u64, VaultError> {
    let version = super::key_data::write(vault, mount, wallet.as_str(), key, cas).await?;
    let (label, markets, mode, network) = match meta {
        Some(meta) => (
            meta.label.clone(),
            meta.allowed_markets.join(","),
            meta.mode,
            meta.network.clone(),
        ),
        None => info(vault, mount, wallet)
            .await?
            .map(|w| (w.label, w.allowed_markets.join(","), w.mode, w.network))
            .unwrap_or_default(),
    };
    let mut custom = HashMap::from([("address".to_owned(), key.eth_address())]);
    // Vault refuses empty custom-metadata values.
    custom.insert(
        "label".to_owned(),
        if label.is_empty() {
            wallet.to_string()
        } else {
            label
        },
    );
    if !markets.is_empty() {
        custom.insert("allowed_markets".to_owned(), markets);
    }
    custom.insert("mode".to_owned(), mode.as_str().to_owned());
    if let Some(network) = network.filter(|n| !n.is_empty()) {
        custom.insert("network".to_owned(), network);
    }
    vaultrs::kv2::set_metadata(
        vault.api(),
        mount,
        wallet.as_str(),
        Some(SetSecretMetadataRequest::builder().custom_metadata(custom)),
    )
    .await
    .map_err(|e| from_vaultrs(vault.address(), &format!("{mount}/metadata"), e))?;
    Ok(version)
}

/// Creates a new wallet with a key generated in process. Returns its address.
pub async fn generate(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    meta: &WalletMeta,
) -> Result<String, VaultError> {
    let key = PrivateKey::generate();
    write_key(vault, mount, wallet, &key, 0, Some(meta)).await?;
    Ok(key.eth_address())
}

/// Reads version `version` (or the current one) of a wallet's key.
pub async fn read_key(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    version: Option<u64>,
) -> Result<Option<PrivateKey>, VaultError> {
    super::key_data::read(vault, mount, wallet.as_str(), version).await
}
