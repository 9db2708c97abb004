//! No silent loss of old keys. KV v2 keeps at most `max_versions` versions of a secret and
//! purges the oldest on the next write, destroyed or not; `max_versions` 0 means Vault's default
//! of 10, not "unbounded". So bootstrap raises the mount's bound to [`KEPT_VERSIONS`], and every
//! new key version is written only after [`purge_risk`] found that no version nobody destroyed
//! would fall out (`tradebot keys` refuses with the reason otherwise).

use std::collections::HashMap;

use vaultrs::api::kv2::responses::SecretMetadata;

use super::client::VaultClient;
use super::{admin, wallets, VaultError};
use crate::domain::WalletId;

/// The mount's `max_versions` as bootstrap sets it.
pub const KEPT_VERSIONS: u64 = 1000;
/// What Vault keeps when neither the secret nor the mount says.
const VAULT_DEFAULT_VERSIONS: u64 = 10;

/// Why writing one more version of `wallet` would purge a key nobody destroyed, or None when it
/// would not. Reads the wallet's metadata and the mount's configuration; a caller who may not
/// read the configuration (a key admin on an older policy) is held to Vault's default of 10.
pub async fn purge_risk(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
) -> Result<Option<String>, VaultError> {
    let Some(meta) = wallets::metadata(vault, mount, wallet).await? else {
        return Ok(None);
    };
    let mount_max = match admin::kv_config(vault, mount).await {
        Ok(c) => c.max_versions,
        Err(VaultError::Rejected { status: 403, .. }) => 0,
        Err(e) => return Err(e),
    };
    let max = effective_max(meta.max_versions, mount_max);
    Ok(would_purge(max, &meta.versions).map(|v| {
        format!(
            "wallet {wallet} holds {max} versions, the most Vault keeps: one more would purge \
             version {v}, which was never destroyed. Move its funds, then run \
             `tradebot keys destroy-version --wallet {wallet} --version {v}` (or raise the \
             mount's max_versions) and try again"
        )
    }))
}

fn effective_max(secret_max: u64, mount_max: u64) -> u64 {
    match (secret_max, mount_max) {
        (0, 0) => VAULT_DEFAULT_VERSIONS,
        (0, m) => m,
        (s, _) => s,
    }
}

/// The version the next write would purge, if it still holds a key: Vault drops the oldest
/// versions until `max` are left, the new one included.
fn would_purge(max: u64, versions: &HashMap<String, SecretMetadata>) -> Option<u64> {
    let count = u64::try_from(versions.len()).unwrap_or(u64::MAX);
    if count < max {
        return None;
    }
    let mut kept: Vec<(u64, bool)> = versions
        .iter()
        .filter_map(|(k, m)| k.parse().ok().map(|v| (v, m.destroyed)))
        .collect();
    kept.sort_unstable();
    let falling = usize::try_from(count + 1 - max).unwrap_or(usize::MAX);
    kept.iter()
        .take(falling)
        .find(|(_, destroyed)| !destroyed)
        .map(|(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(destroyed: &[bool]) -> HashMap<String, SecretMetadata> {
        destroyed
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let m = serde_json::json!({
                    "created_time": "", "deletion_time": "", "destroyed": d,
                });
                ((i + 1).to_string(), serde_json::from_value(m).unwrap())
            })
            .collect()
    }

    #[test]
    fn the_oldest_live_version_is_protected() {
        assert_eq!(would_purge(3, &versions(&[false, false])), None);
        assert_eq!(would_purge(3, &versions(&[false, false, false])), Some(1));
        assert_eq!(would_purge(3, &versions(&[true, false, false])), None);
        assert_eq!(would_purge(2, &versions(&[true, false, false])), Some(2));
        assert_eq!(effective_max(0, 0), 10);
        assert_eq!(effective_max(0, 1000), 1000);
        assert_eq!(effective_max(3, 1000), 3);
    }
}
