//! The administrative Vault calls of `vault bootstrap`, typed and on vaultrs: ACL policies,
//! secret-engine and auth-method mounts, the KV v2 engine configuration, the dashboard's
//! AppRole role, its role id and secret ids. Paths follow Vault's HTTP API
//! (<https://developer.hashicorp.com/vault/api-docs/system>); errors map to [`VaultError`]
//! through `from_vaultrs`, so no Vault answer body reaches a caller beyond Vault's error strings.

use std::collections::HashMap;

use secrecy::SecretString;
use serde::Serialize;
use serde_json::Value;
use vaultrs::api::auth::approle::requests::SetAppRoleRequest;
use vaultrs::api::kv2::requests::SetConfigurationRequest;
use vaultrs::api::sys::requests::EnableEngineRequest;

use super::client::{found, from_vaultrs, VaultClient};
use super::VaultError;

/// One mounted secret engine as `sys/mounts` lists it: its type (`kv`, ...) and options
/// (`version` = `"2"` for KV v2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub kind: String,
    pub options: HashMap<String, String>,
}

/// The ACL policy text named `name`, or None if there is no such policy.
pub async fn policy(vault: &VaultClient, name: &str) -> Result<Option<String>, VaultError> {
    let path = format!("sys/policies/acl/{name}");
    let r = vaultrs::sys::policy::read(vault.api(), name).await;
    Ok(found(vault.address(), &path, r)?.map(|p| p.rules))
}

/// Creates or replaces the ACL policy `name` with `rules` (HCL text).
pub async fn set_policy(vault: &VaultClient, name: &str, rules: &str) -> Result<(), VaultError> {
    vaultrs::sys::policy::set(vault.api(), name, rules)
        .await
        .map_err(|e| from_vaultrs(vault.address(), &format!("sys/policies/acl/{name}"), e))
}

/// Deletes the ACL policy `name`; deleting one that does not exist is no error.
pub async fn delete_policy(vault: &VaultClient, name: &str) -> Result<(), VaultError> {
    vault.delete(&format!("sys/policies/acl/{name}")).await
}

/// Secret engines by mount path without the trailing `/` (`secret`, `sys`, ...).
pub async fn mounts(vault: &VaultClient) -> Result<HashMap<String, Mount>, VaultError> {
    let list = vaultrs::sys::mount::list(vault.api())
        .await
        .map_err(|e| from_vaultrs(vault.address(), "sys/mounts", e))?;
    Ok(list
        .into_iter()
        .map(|(path, m)| {
            let mount = Mount {
                kind: m.mount_type,
                options: m.options.unwrap_or_default(),
            };
            (path.trim_end_matches('/').to_owned(), mount)
        })
        .collect())
}

/// Mounts Vault's TOTP secrets engine at `mount` (the second factor's seeds).
pub async fn enable_totp(vault: &VaultClient, mount: &str) -> Result<(), VaultError> {
    vaultrs::sys::mount::enable(vault.api(), mount, "totp", None)
        .await
        .map_err(|e| from_vaultrs(vault.address(), &format!("sys/mounts/{mount}"), e))
}

/// Mounts a KV version 2 engine at `mount`.
pub async fn enable_kv2(vault: &VaultClient, mount: &str) -> Result<(), VaultError> {
    let mut request = EnableEngineRequest::builder();
    request.options(HashMap::from([("version".to_owned(), "2".to_owned())]));
    vaultrs::sys::mount::enable(vault.api(), mount, "kv", Some(&mut request))
        .await
        .map_err(|e| from_vaultrs(vault.address(), &format!("sys/mounts/{mount}"), e))
}

/// Auth method mount paths without the trailing `/` (`token`, `approle`, ...).
pub async fn auth_methods(vault: &VaultClient) -> Result<Vec<String>, VaultError> {
    let list = vaultrs::sys::auth::list(vault.api())
        .await
        .map_err(|e| from_vaultrs(vault.address(), "sys/auth", e))?;
    Ok(list
        .into_keys()
        .map(|p| p.trim_end_matches('/').to_owned())
        .collect())
}

/// Enables the auth method `kind` (`approle`, ...) at `mount`.
pub async fn enable_auth(vault: &VaultClient, mount: &str, kind: &str) -> Result<(), VaultError> {
    vaultrs::sys::auth::enable(vault.api(), mount, kind, None)
        .await
        .map_err(|e| from_vaultrs(vault.address(), &format!("sys/auth/{mount}"), e))
}

/// The KV v2 engine settings bootstrap manages: check-and-set on every write, many versions kept
/// (`max_versions` 0 would mean Vault's default of 10, see `versions.rs`), none deleted by age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KvConfig {
    pub cas_required: bool,
    pub max_versions: u64,
    /// Whether versions are deleted after some time (`delete_version_after` not 0).
    pub deletes_after: bool,
}

impl KvConfig {
    /// What keys need: every write check-and-set, versions kept until someone destroys them.
    pub const KEEP_EVERY_VERSION: Self = Self {
        cas_required: true,
        max_versions: super::versions::KEPT_VERSIONS,
        deletes_after: false,
    };
}

/// The KV v2 engine configuration at `mount`.
pub async fn kv_config(vault: &VaultClient, mount: &str) -> Result<KvConfig, VaultError> {
    vaultrs::kv2::config::read(vault.api(), mount)
        .await
        .map(|c| KvConfig {
            cas_required: c.cas_required,
            max_versions: c.max_versions,
            deletes_after: !matches!(c.delete_version_after.as_str(), "" | "0" | "0s"),
        })
        .map_err(|e| from_vaultrs(vault.address(), &format!("{mount}/config"), e))
}

/// Sets the KV v2 engine at `mount` to [`KvConfig::KEEP_EVERY_VERSION`].
pub async fn keep_every_version(vault: &VaultClient, mount: &str) -> Result<(), VaultError> {
    let mut request = SetConfigurationRequest::builder();
    request
        .cas_required(true)
        .max_versions(super::versions::KEPT_VERSIONS)
        .delete_version_after("0s".to_owned());
    vaultrs::kv2::config::set(vault.api(), mount, Some(&mut request))
        .await
        .map_err(|e| from_vaultrs(vault.address(), &format!("{mount}/config"), e))
}

/// The settings of an AppRole role that bootstrap manages. Serialized with Vault's field names
/// and its read-back forms (TTLs in seconds), so it compares with [`approle_role`]'s answer.
#[derive(Debug, Clone, Serialize)]
pub struct AppRoleSpec {
    pub token_policies: Vec<String>,
    pub token_no_default_policy: bool,
    /// Seconds.
    pub token_ttl: u64,
    /// Seconds.
    pub token_max_ttl: u64,
    /// `service` or `batch`.
    pub token_type: String,
    /// 0 = unlimited.
    pub secret_id_num_uses: u64,
    /// Seconds; 0 = no expiry.
    pub secret_id_ttl: u64,
    /// Where a secret id may be used from (login) and its tokens may be used from; empty = anywhere.
    pub secret_id_bound_cidrs: Vec<String>,
    pub token_bound_cidrs: Vec<String>,
}

/// The AppRole role `role` under `auth/<mount>` as Vault echoes it (a JSON object with Vault's
/// field names), or None if it does not exist.
pub async fn approle_role(
    vault: &VaultClient,
    mount: &str,
    role: &str,
) -> Result<Option<Value>, VaultError> {
    let path = format!("auth/{mount}/role/{role}");
    let r = vaultrs::auth::approle::role::read(vault.api(), mount, role).await;
    found(vault.address(), &path, r)?
        .map(serde_json::to_value)
        .transpose()
        .map_err(|_| VaultError::Unexpected {
            status: 200,
            what: "AppRole role did not serialize",
        })
}

/// Creates or updates the AppRole role `role` under `auth/<mount>` with `spec`.
pub async fn set_approle_role(
    vault: &VaultClient,
    mount: &str,
    role: &str,
    spec: &AppRoleSpec,
) -> Result<(), VaultError> {
    let secs = |s: u64| format!("{s}s");
    let mut request = SetAppRoleRequest::builder();
    request
        .token_policies(spec.token_policies.clone())
        .token_no_default_policy(spec.token_no_default_policy)
        .token_ttl(secs(spec.token_ttl))
        .token_max_ttl(secs(spec.token_max_ttl))
        .token_type(spec.token_type.clone())
        .secret_id_num_uses(spec.secret_id_num_uses)
        .secret_id_ttl(secs(spec.secret_id_ttl))
        .secret_id_bound_cidrs(spec.secret_id_bound_cidrs.clone())
        .token_bound_cidrs(spec.token_bound_cidrs.clone());
    vaultrs::auth::approle::role::set(vault.api(), mount, role, Some(&mut request))
        .await
        .map_err(|e| from_vaultrs(vault.address(), &format!("auth/{mount}/role/{role}"), e))
}

/// The role id of AppRole role `role`, or None if the role does not exist.
pub async fn role_id(
    vault: &VaultClient,
    mount: &str,
    role: &str,
) -> Result<Option<String>, VaultError> {
    let path = format!("auth/{mount}/role/{role}/role-id");
    let r = vaultrs::auth::approle::role::read_id(vault.api(), mount, role).await;
    Ok(found(vault.address(), &path, r)?.map(|r| r.role_id))
}

/// A secret id just issued, and its accessor (not a secret: it can destroy, not log in).
#[derive(Debug)]
pub struct IssuedSecretId {
    pub secret_id: SecretString,
    pub accessor: String,
}

/// Issues a new secret id for AppRole role `role`. vaultrs' response holds it as a plain
/// `String` that prints in Debug: it goes straight into a [`SecretString`].
pub async fn new_secret_id(
    vault: &VaultClient,
    mount: &str,
    role: &str,
) -> Result<IssuedSecretId, VaultError> {
    vaultrs::auth::approle::role::secret::generate(vault.api(), mount, role, None)
        .await
        .map(|r| IssuedSecretId {
            secret_id: SecretString::from(r.secret_id),
            accessor: r.secret_id_accessor,
        })
        .map_err(|e| {
            from_vaultrs(
                vault.address(),
                &format!("auth/{mount}/role/{role}/secret-id"),
                e,
            )
        })
}

/// The accessors of every live secret id of role `role` (none: empty).
pub async fn secret_id_accessors(
    vault: &VaultClient,
    mount: &str,
    role: &str,
) -> Result<Vec<String>, VaultError> {
    vault
        .list(&format!("auth/{mount}/role/{role}/secret-id"))
        .await
}

/// Destroys the secret id behind `accessor`: it logs in no more.
pub async fn destroy_secret_id(
    vault: &VaultClient,
    mount: &str,
    role: &str,
    accessor: &str,
) -> Result<(), VaultError> {
    vaultrs::auth::approle::role::secret::delete_accessor(vault.api(), mount, role, accessor)
        .await
        .map_err(|e| {
            from_vaultrs(
                vault.address(),
                &format!("auth/{mount}/role/{role}/secret-id-accessor/destroy"),
                e,
            )
        })
}

/// What Vault knows of a secret id: its accessor and when it expires (RFC 3339 as Vault gives
/// it; `0001-01-01T00:00:00Z` = never).
#[derive(Debug)]
pub struct SecretIdInfo {
    pub accessor: String,
    pub expiry: String,
}

/// Looks `secret_id` up; None when Vault does not know it (expired, destroyed, or another
/// role's).
pub async fn secret_id_lookup(
    vault: &VaultClient,
    mount: &str,
    role: &str,
    secret_id: &SecretString,
) -> Result<Option<SecretIdInfo>, VaultError> {
    use secrecy::ExposeSecret;
    let path = format!("auth/{mount}/role/{role}/secret-id/lookup");
    let answer = vault
        .write(
            &path,
            &serde_json::json!({ "secret_id": secret_id.expose_secret() }),
        )
        .await;
    let text = |v: &Value, k: &str| v["data"][k].as_str().unwrap_or_default().to_owned();
    match answer {
        Ok(Some(v)) => Ok(Some(SecretIdInfo {
            accessor: text(&v, "secret_id_accessor"),
            expiry: text(&v, "expiration_time"),
        })),
        Ok(None) | Err(VaultError::Rejected { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
