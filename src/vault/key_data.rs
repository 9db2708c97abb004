//! The KV v2 data of every private key in the mount, wallet keys (`<wallet>`) and trade-only
//! bot keys (`<wallet>/bots/<slug>`) alike: one field `private_key`, hex, held as a secret
//! (wiped on drop, never printed), written with check-and-set.

use secrecy::{ExposeSecret, SecretString};
use vaultrs::api::kv2::requests::SetSecretRequestOptions;

use super::client::{found, from_vaultrs, VaultClient};
use super::VaultError;
use tradebot_contract::key::PrivateKey;

/// Writes `key` at `<mount>/data/<path>` as a new version with check-and-set `cas` (0 = the
/// entry must be new). Returns the new version.
///
/// Errors: a CAS mismatch or any other refusal as [`VaultError::Rejected`].
pub(super) async fn write(
    vault: &VaultClient,
    mount: &str,
    path: &str,
    key: &PrivateKey,
    cas: u64,
) -> Result<u64, VaultError> {
    let hex = key.to_hex();
    let data = KeyData {
        private_key: SecretString::from(hex.as_str().to_owned()),
    };
    let cas =
        u32::try_from(cas).map_err(|_| VaultError::Config(format!("cas {cas} is too large")))?;
    let written = vaultrs::kv2::set_with_options(
        vault.api(),
        mount,
        path,
        &data,
        SetSecretRequestOptions { cas },
    )
    .await
    .map_err(|e| from_vaultrs(vault.address(), &format!("{mount}/data"), e))?;
    Ok(written.version)
}

/// Reads version `version` (or the current one) of the key at `<mount>/data/<path>`; None if
/// there is none (never written, deleted or destroyed).
///
/// Errors: Vault refusals; a stored value that is no key ([`VaultError::Unexpected`], without
/// the value).
pub(super) async fn read(
    vault: &VaultClient,
    mount: &str,
    path: &str,
    version: Option<u64>,
) -> Result<Option<PrivateKey>, VaultError> {
    let r = match version {
        Some(v) => vaultrs::kv2::read_version::<KeyData>(vault.api(), mount, path, v).await,
        None => vaultrs::kv2::read::<KeyData>(vault.api(), mount, path).await,
    };
    let Some(data) = found(vault.address(), &format!("{mount}/data"), r)? else {
        return Ok(None);
    };
    PrivateKey::from_hex(data.private_key.expose_secret())
        .map(Some)
        .map_err(|_| VaultError::Unexpected {
            status: 200,
            what: "the stored key is malformed",
        })
}

/// The KV v2 data of a key: hex, as a secret (wiped on drop, never printed).
#[derive(serde::Serialize, serde::Deserialize)]
struct KeyData {
    #[serde(serialize_with = "expose")]
    private_key: SecretString,
}

fn expose<S: serde::Serializer>(s: &SecretString, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.expose_secret())
}
