//! What lets a bot read its key: the wallet's policy `bot-<wallet>` (a paper wallet's key) or
//! `bot-<wallet>.<slug>` (the trade-only bot key of one market of a live wallet), attached to a
//! token minted through the token role `bot`. The role fixes the token's limits whatever the
//! minting request asks: bound to the bots' address range, at most 2 uses, at most 10 minutes,
//! orphan, not renewable, no default policy, only `bot-*` policies. That a token carries exactly
//! ONE wallet's policy is the dashboard policy's part (policies/dashboard.hcl): `policies` must be
//! a single string matching `bot-*` without a comma, and no other parameter is accepted. One
//! role for every wallet, because the bot checks that its wrapping token was created by
//! `auth/token/create/bot` and nothing else.
//!
//! Plain HTTP, because vaultrs is wrong here: its `SetTokenRoleRequest` has no
//! `allowed_policies_glob` (its `allowed_policies` takes `bot-*` literally, refusing
//! `bot-<wallet>`), and its `ReadTokenRoleResponse` drops the glob and `token_bound_cidrs`.
//! Shown against OpenBao by `vaultrs_token_role_has_no_policy_glob` in tests/policy_matrix.rs.

use serde_json::{json, Value};

use super::client::VaultClient;
use super::wallets::WalletMode;
use super::{policy, VaultError};
use crate::domain::WalletId;

/// Token role through which the dashboard mints bot tokens.
pub const BOT_ROLE: &str = "bot";

/// The limits role `bot` enforces on every token, whatever the minting request asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotAccess {
    /// The addresses bots get (the bots network's `ip_range`, which excludes its gateway).
    pub bots_cidr: String,
    /// Hard cap on a bot token's life, in seconds.
    pub max_ttl_secs: u64,
    /// Hard cap on a bot token's uses (read the key, revoke itself).
    pub num_uses: u64,
}

impl BotAccess {
    /// The defaults of DESIGN.md: 10 minutes at most, 2 uses at most.
    pub fn new(bots_cidr: &str) -> Self {
        Self {
            bots_cidr: bots_cidr.to_owned(),
            max_ttl_secs: 600,
            num_uses: 2,
        }
    }
}

/// The role `bot` as bootstrap writes it (and as Vault echoes it back).
fn bot_role(access: &BotAccess) -> Value {
    json!({
        "allowed_policies_glob": ["bot-*"],
        "disallowed_policies": ["root", "default"],
        "orphan": true,
        "renewable": false,
        "token_no_default_policy": true,
        "token_bound_cidrs": [access.bots_cidr],
        "token_explicit_max_ttl": access.max_ttl_secs,
        "token_num_uses": access.num_uses,
        "token_period": 0,
        "token_type": "service",
    })
}

/// Writes role `bot` where it differs from `access`. Returns what changed, if anything.
pub async fn ensure_bot_role(
    vault: &VaultClient,
    access: &BotAccess,
) -> Result<Option<String>, VaultError> {
    let path = format!("auth/token/roles/{BOT_ROLE}");
    let wanted = bot_role(access);
    let current = vault
        .read(&path)
        .await?
        .map_or(Value::Null, |v| v["data"].clone());
    if role_matches(&current, &wanted) {
        return Ok(None);
    }
    vault.write(&path, &wanted).await?;
    Ok(Some(format!(
        "token role {BOT_ROLE} (bound to {}, at most {} uses and {}s)",
        access.bots_cidr, access.num_uses, access.max_ttl_secs
    )))
}

/// Writes what lets bots of `wallet` read their key, and role `bot`, where they differ from
/// what they should be. Returns what changed (empty when nothing did).
///
/// * a paper wallet: policy `bot-<wallet>` (read the wallet key);
/// * a live wallet: one policy `bot-<wallet>.<slug>` per bot key in `<mount>/<wallet>/bots/`
///   (read that key only), and NO `bot-<wallet>`: a live wallet's own key is read by key
///   admins only, so a leftover `bot-<wallet>` (the wallet was paper before) is deleted.
///
/// Errors: any Vault refusal (a key admin gets 403 on `sys/policies/acl`, by design).
pub async fn grant_bot_access(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    access: &BotAccess,
) -> Result<Vec<String>, VaultError> {
    let mut changes = Vec::new();
    let live = super::wallets::info(vault, mount, wallet)
        .await?
        .is_some_and(|w| w.mode == WalletMode::Live);
    let name = policy::bot_policy_name(wallet);
    if live {
        if super::admin::policy(vault, &name).await?.is_some() {
            super::admin::delete_policy(vault, &name).await?;
            changes.push(format!("policy {name} deleted (live wallet)"));
        }
        for key in super::bot_keys::list(vault, mount, wallet).await? {
            let name = policy::bot_key_policy_name(wallet, &key.market);
            let body = policy::bot_key_policy(wallet, &key.market);
            changes.extend(put_policy(vault, &name, &body).await?);
        }
    } else {
        changes.extend(put_policy(vault, &name, &policy::bot_policy(wallet)).await?);
    }
    changes.extend(ensure_bot_role(vault, access).await?);
    Ok(changes)
}

/// Writes policy `name` unless it already reads `body`; says so when it did.
async fn put_policy(
    vault: &VaultClient,
    name: &str,
    body: &str,
) -> Result<Option<String>, VaultError> {
    let current = super::admin::policy(vault, name).await?;
    if current.as_deref() == Some(body) {
        return Ok(None);
    }
    super::admin::set_policy(vault, name, body).await?;
    Ok(Some(format!("policy {name}")))
}

/// Whether every wanted field is already set. Vault echoes lists and numbers in its own forms,
/// and an unset list as null.
pub fn role_matches(current: &Value, wanted: &Value) -> bool {
    let Some(wanted) = wanted.as_object() else {
        return false;
    };
    wanted.iter().all(|(k, w)| {
        let c = &current[k];
        match (w, c) {
            (Value::Array(w), Value::Null) => w.is_empty(),
            (Value::Array(w), Value::Array(c)) => {
                // Vault echoes a /32 CIDR as the bare address.
                let norm = |x: &Value| {
                    x.as_str()
                        .map_or_else(|| x.to_string(), |s| s.trim_end_matches("/32").to_owned())
                };
                let mut w: Vec<String> = w.iter().map(norm).collect();
                let mut c: Vec<String> = c.iter().map(norm).collect();
                w.sort();
                c.sort();
                w == c
            }
            (Value::Number(w), Value::Number(c)) => w.as_f64() == c.as_f64(),
            _ => w == c,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_comparison_ignores_order_and_number_forms() {
        let wanted = json!({"a": ["x", "y"], "n": 600, "b": true, "e": []});
        assert!(role_matches(
            &json!({"a": ["y", "x"], "n": 600.0, "b": true, "e": null, "extra": 1}),
            &wanted
        ));
        assert!(!role_matches(
            &json!({"a": ["x"], "n": 600, "b": true}),
            &wanted
        ));
        assert!(!role_matches(
            &json!({"a": ["x", "y"], "n": 600, "b": true, "e": ["z"]}),
            &wanted
        ));
        assert!(!role_matches(&Value::Null, &wanted));
    }

    #[test]
    fn the_bot_role_caps_uses_ttl_and_binds_to_the_bots_range() {
        let role = bot_role(&BotAccess::new("10.0.4.0/22"));
        assert_eq!(role["allowed_policies_glob"], json!(["bot-*"]));
        assert_eq!(role["token_bound_cidrs"], json!(["10.0.4.0/22"]));
        assert_eq!(role["token_num_uses"], json!(2));
        assert_eq!(role["token_explicit_max_ttl"], json!(600));
    }
}
