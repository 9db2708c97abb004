//! Wallets in Vault's KV v2 mount: the key at `<mount>/data/<wallet>` (field `private_key`,
//! hex), and the wallet's metadata (address, label, allowed markets) in the KV *custom
//! metadata*, so Vault stays the single source of truth and metadata readers never see keys.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use super::client::VaultClient;
use super::VaultError;
use crate::domain::WalletId;
use crate::keys::PrivateKey;

/// What operators may know about a wallet. Never key material.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WalletInfo {
    pub id: WalletId,
    pub address: String,
    pub label: String,
    pub allowed_markets: Vec<String>,
    pub current_version: u64,
    pub oldest_version: u64,
    pub created_time: String,
    pub updated_time: String,
    /// Versions that still hold a key (not destroyed, not deleted).
    pub live_versions: Vec<u64>,
}

/// Metadata given when a wallet is created.
#[derive(Debug, Clone)]
pub struct WalletMeta {
    pub label: String,
    pub allowed_markets: Vec<String>,
}

/// Wallet ids present in the mount (entries that are not valid ids are skipped).
pub async fn list_ids(vault: &VaultClient, mount: &str) -> Result<Vec<WalletId>, VaultError> {
    let keys = vault.list(&format!("{mount}/metadata")).await?;
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
    let meta = vault.read(&format!("{mount}/metadata/{wallet}")).await?;
    Ok(meta
        .and_then(|m| m["data"]["current_version"].as_u64())
        .filter(|v| *v > 0))
}

/// Reads one wallet's metadata.
pub async fn info(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
) -> Result<Option<WalletInfo>, VaultError> {
    let Some(meta) = vault.read(&format!("{mount}/metadata/{wallet}")).await? else {
        return Ok(None);
    };
    let d = &meta["data"];
    let custom = &d["custom_metadata"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut live_versions: Vec<u64> = d["versions"]
        .as_object()
        .map(|vs| {
            vs.iter()
                .filter(|(_, v)| v["destroyed"] != true && text(&v["deletion_time"]).is_empty())
                .filter_map(|(k, _)| k.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    live_versions.sort_unstable();
    Ok(Some(WalletInfo {
        id: wallet.clone(),
        address: text(&custom["address"]),
        label: text(&custom["label"]),
        allowed_markets: text(&custom["allowed_markets"])
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect(),
        current_version: d["current_version"].as_u64().unwrap_or(0),
        oldest_version: d["oldest_version"].as_u64().unwrap_or(0),
        created_time: text(&d["created_time"]),
        updated_time: text(&d["updated_time"]),
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
    let hex = key.to_hex();
    let body =
        SecretJson(json!({ "options": { "cas": cas }, "data": { "private_key": hex.as_str() } }));
    let response = vault
        .write(&format!("{mount}/data/{wallet}"), body.expose())
        .await?;
    let version =
        response
            .and_then(|v| v["data"]["version"].as_u64())
            .ok_or(VaultError::Unexpected {
                status: 200,
                what: "key write returned no version",
            })?;
    let mut custom = json!({ "address": key.address() });
    let (label, markets) = match meta {
        Some(meta) => (meta.label.clone(), meta.allowed_markets.join(",")),
        None => info(vault, mount, wallet)
            .await?
            .map(|w| (w.label, w.allowed_markets.join(",")))
            .unwrap_or_default(),
    };
    // Vault refuses empty custom-metadata values.
    custom["label"] = json!(if label.is_empty() {
        wallet.to_string()
    } else {
        label
    });
    if !markets.is_empty() {
        custom["allowed_markets"] = json!(markets);
    }
    vault
        .write(
            &format!("{mount}/metadata/{wallet}"),
            &json!({ "custom_metadata": custom }),
        )
        .await?;
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
    Ok(key.address())
}

/// Reads version `version` (or the current one) of a wallet's key.
pub async fn read_key(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    version: Option<u64>,
) -> Result<Option<PrivateKey>, VaultError> {
    let path = match version {
        Some(v) => format!("{mount}/data/{wallet}?version={v}"),
        None => format!("{mount}/data/{wallet}"),
    };
    let Some(response) = vault.read(&path).await? else {
        return Ok(None);
    };
    let response = SecretJson(response);
    let Some(hex) = response.expose()["data"]["data"]["private_key"].as_str() else {
        return Ok(None);
    };
    let hex = SecretString::from(hex.to_owned());
    PrivateKey::from_hex(hex.expose_secret())
        .map(Some)
        .map_err(|_| VaultError::Unexpected {
            status: 200,
            what: "the stored key is malformed",
        })
}

/// A JSON value that holds a secret: wiped (best effort) on drop, never printed.
struct SecretJson(Value);

impl SecretJson {
    fn expose(&self) -> &Value {
        &self.0
    }
}

impl Drop for SecretJson {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

fn wipe(v: &mut Value) {
    use zeroize::Zeroize;
    match v {
        Value::String(s) => s.zeroize(),
        Value::Array(a) => a.iter_mut().for_each(wipe),
        Value::Object(o) => o.values_mut().for_each(wipe),
        _ => {}
    }
}
