//! What lets a bot read one wallet's key: the wallet's policy `bot-<wallet>`, attached to a
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

/// Writes the wallet's policy `bot-<wallet>`, and role `bot`, where they differ from what they
/// should be. Returns what changed (empty when nothing did).
pub async fn grant_bot_access(
    vault: &VaultClient,
    wallet: &WalletId,
    access: &BotAccess,
) -> Result<Vec<String>, VaultError> {
    let mut changes = Vec::new();
    let name = policy::bot_policy_name(wallet);
    let body = policy::bot_policy(wallet);
    let current = super::admin::policy(vault, &name).await?;
    if current.as_deref() != Some(body.as_str()) {
        super::admin::set_policy(vault, &name, &body).await?;
        changes.push(format!("policy {name}"));
    }
    changes.extend(ensure_bot_role(vault, access).await?);
    Ok(changes)
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
