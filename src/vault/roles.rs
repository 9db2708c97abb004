//! What lets a bot read one wallet's key: the wallet's policy `bot-<wallet>` and its token role
//! of the same name. One role per wallet, whose `allowed_policies` is that one policy, so a token
//! minted through it carries exactly one wallet's policy (a role with a `bot-*` glob let the
//! dashboard mint one token for every wallet). Each role also fixes the token's limits: bound to
//! the bots' address range, few uses, short explicit max TTL, orphan, not renewable.
//!
//! Plain HTTP, because vaultrs is wrong here: its `ReadTokenRoleResponse` drops
//! `token_bound_cidrs`, so a role read through it could not be checked (shown against OpenBao by
//! `vaultrs_token_role_has_no_bound_cidrs` in tests/policy_matrix.rs).

use serde_json::{json, Value};

use super::client::VaultClient;
use super::{policy, VaultError};
use crate::domain::WalletId;

/// The token role that bootstrap used before roles were per wallet: it attached any `bot-*`
/// policy, so one token could carry them all. Bootstrap deletes it.
pub const LEGACY_BOT_ROLE: &str = "bot";

/// The limits every bot token role enforces, whatever the minting request asks.
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

/// Name of a wallet's token role: the same as its policy, `bot-<wallet>`.
pub fn bot_role_name(wallet: &WalletId) -> String {
    policy::bot_policy_name(wallet)
}

/// The role `bot-<wallet>` as bootstrap writes it (and as Vault echoes it back).
fn bot_role(wallet: &WalletId, access: &BotAccess) -> Value {
    json!({
        "allowed_policies": [policy::bot_policy_name(wallet)],
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

/// Writes the wallet's policy and token role where they differ from what they should be.
/// Returns what changed (empty when nothing did).
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
    let path = format!("auth/token/roles/{}", bot_role_name(wallet));
    let wanted = bot_role(wallet, access);
    let current = vault
        .read(&path)
        .await?
        .map_or(Value::Null, |v| v["data"].clone());
    if !role_matches(&current, &wanted) {
        vault.write(&path, &wanted).await?;
        changes.push(format!(
            "token role {} (bound to {}, at most {} uses and {}s)",
            bot_role_name(wallet),
            access.bots_cidr,
            access.num_uses,
            access.max_ttl_secs
        ));
    }
    Ok(changes)
}

/// Deletes the legacy multi-wallet role `bot` if it is still there. Returns whether it was.
pub async fn remove_legacy_role(vault: &VaultClient) -> Result<bool, VaultError> {
    let path = format!("auth/token/roles/{LEGACY_BOT_ROLE}");
    if vault.read(&path).await?.is_none() {
        return Ok(false);
    }
    vault.delete(&path).await?;
    Ok(true)
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
    fn a_wallet_role_attaches_that_wallet_policy_only() {
        let w = WalletId::parse("desk-1").unwrap();
        let role = bot_role(&w, &BotAccess::new("10.0.4.0/22"));
        assert_eq!(role["allowed_policies"], json!(["bot-desk-1"]));
        assert_eq!(role["token_bound_cidrs"], json!(["10.0.4.0/22"]));
        assert_eq!(role["token_num_uses"], json!(2));
        assert!(role.get("allowed_policies_glob").is_none());
    }
}
