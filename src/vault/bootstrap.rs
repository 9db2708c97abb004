//! `tradebot vault bootstrap`: configures Vault for tradebot, idempotently. Every step reads
//! the current state first and writes only what differs, so a second run reports no change.

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::client::VaultClient;
use super::{admin, policy, wallets, VaultError};
use crate::config::Settings;
use crate::domain::WalletId;
use crate::private_file::write_private_line;

/// Token role through which the dashboard mints bot tokens.
pub const BOT_ROLE: &str = "bot";
/// AppRole role of the dashboard.
pub const DASHBOARD_ROLE: &str = "dashboard";

#[derive(Debug, Clone)]
pub struct BootstrapOptions {
    /// Directory for the dashboard's `role_id` and `secret_id` files (0600); None: not written.
    pub approle_dir: Option<PathBuf>,
    /// Issue a new secret_id even if one is on disk (and revoke nothing: old ones expire).
    pub rotate_secret_id: bool,
    /// Path of the file audit device inside the Vault server.
    pub audit_file_path: String,
    /// A wallet to create with a generated key if it has none (first-run demo).
    pub demo_wallet: Option<WalletId>,
    /// Hard cap on a bot token's life.
    pub bot_token_max_ttl_secs: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            approle_dir: None,
            rotate_secret_id: false,
            audit_file_path: "/openbao/logs/audit.log".into(),
            demo_wallet: None,
            bot_token_max_ttl_secs: 600,
        }
    }
}

/// What bootstrap changed; empty on a second run.
#[derive(Debug, Default)]
pub struct BootstrapReport {
    pub changes: Vec<String>,
}

impl fmt::Display for BootstrapReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return f.write_str("vault bootstrap: no changes");
        }
        writeln!(f, "vault bootstrap: {} change(s)", self.changes.len())?;
        for c in &self.changes {
            writeln!(f, "  - {c}")?;
        }
        Ok(())
    }
}

/// Runs every bootstrap step with the admin token from `settings.vault.token`.
pub async fn bootstrap(
    settings: &Settings,
    opts: &BootstrapOptions,
) -> anyhow::Result<BootstrapReport> {
    let token = settings.vault.token.clone().ok_or_else(|| {
        anyhow::anyhow!("an admin token is required: set TRADEBOT_VAULT__TOKEN_FILE or VAULT_TOKEN")
    })?;
    let vault = VaultClient::new(
        &settings.vault.address,
        settings.vault.ca_cert_file.as_deref(),
        Some(token),
    )?;
    let kv = &settings.vault.kv_mount;
    let mut report = BootstrapReport::default();
    audit_device(&vault, &opts.audit_file_path, &mut report).await?;
    kv_mount(&vault, kv, &mut report).await?;
    totp_mount(&vault, &mut report).await?;
    for (name, body) in policy::FIXED {
        put_policy(&vault, name, body, &mut report).await?;
    }
    for wallet in wallets::list_ids(&vault, kv).await? {
        put_policy(
            &vault,
            &policy::bot_policy_name(&wallet),
            &policy::bot_policy(&wallet),
            &mut report,
        )
        .await?;
    }
    bot_token_role(
        &vault,
        &settings.vault.bots_subnet,
        opts.bot_token_max_ttl_secs,
        &mut report,
    )
    .await?;
    dashboard_approle(&vault, &settings.vault.approle_mount, opts, &mut report).await?;
    if let Some(demo) = &opts.demo_wallet {
        if wallets::current_version(&vault, kv, demo).await?.is_none() {
            let meta = wallets::WalletMeta {
                label: "Demo wallet (paper trading)".into(),
                allowed_markets: vec!["INJ/USDT".into(), "TIA/USDT".into(), "INJ/USDT-PERP".into()],
            };
            let address = wallets::generate(&vault, kv, demo, &meta).await?;
            put_policy(
                &vault,
                &policy::bot_policy_name(demo),
                &policy::bot_policy(demo),
                &mut report,
            )
            .await?;
            report.changes.push(format!(
                "demo wallet {demo}: key generated, address {address}"
            ));
        }
    }
    Ok(report)
}

/// Makes sure a file audit device is on. OpenBao 2.x refuses API-created audit devices (they
/// belong in the server configuration, see vault/server.hcl); HashiCorp Vault accepts them.
/// Plain HTTP: vaultrs 0.8 has no `sys/audit` API at all.
async fn audit_device(
    vault: &VaultClient,
    path: &str,
    report: &mut BootstrapReport,
) -> anyhow::Result<()> {
    let devices = vault.read("sys/audit").await?.unwrap_or(Value::Null);
    let devices = devices
        .get("data")
        .filter(|d| d.is_object())
        .unwrap_or(&devices);
    let any_enabled = devices
        .as_object()
        .is_some_and(|m| m.values().any(|d| d.get("type").is_some()));
    if any_enabled {
        return Ok(());
    }
    match vault.write("sys/audit/file", &json!({ "type": "file", "options": { "file_path": path } })).await {
        Ok(_) => {
            report.changes.push(format!("audit device: file {path}"));
            Ok(())
        }
        Err(VaultError::Rejected { status: 400, .. }) => anyhow::bail!(
            "no audit device is enabled and this server only accepts audit devices from its configuration: \
             add an `audit \"file\"` block (see vault/server.hcl)"
        ),
        Err(e) => Err(e.into()),
    }
}

async fn kv_mount(
    vault: &VaultClient,
    mount: &str,
    report: &mut BootstrapReport,
) -> Result<(), VaultError> {
    let existing = admin::mounts(vault).await?.remove(mount);
    match existing {
        None => {
            admin::enable_kv2(vault, mount).await?;
            report.changes.push(format!("mount {mount}/: KV v2"));
            wait_until_kv_ready(vault, mount).await?;
        }
        Some(m) if m.kind != "kv" || m.options.get("version").map(String::as_str) != Some("2") => {
            return Err(VaultError::Config(format!(
                "mount {mount}/ exists but is not KV v2: refusing to touch it"
            )));
        }
        Some(_) => {}
    }
    if !admin::kv_cas_required(vault, mount).await? {
        admin::require_cas(vault, mount, 10).await?;
        report.changes.push(format!("mount {mount}/: cas_required"));
    }
    Ok(())
}

/// The TOTP engine at `totp/` (issue 15, second factor): mounted once; a `totp/` mount of
/// another kind is refused, never touched.
async fn totp_mount(vault: &VaultClient, report: &mut BootstrapReport) -> Result<(), VaultError> {
    let mount = super::totp::MOUNT;
    match admin::mounts(vault).await?.remove(mount) {
        None => {
            admin::enable_totp(vault, mount).await?;
            report.changes.push(format!("mount {mount}/: TOTP"));
            Ok(())
        }
        Some(m) if m.kind != "totp" => Err(VaultError::Config(format!(
            "mount {mount}/ exists but is not the TOTP engine: refusing to touch it"
        ))),
        Some(_) => Ok(()),
    }
}

/// A new KV v2 mount answers 400 ("upgrading") for a moment after it is created.
async fn wait_until_kv_ready(vault: &VaultClient, mount: &str) -> Result<(), VaultError> {
    let mut last = None;
    for _ in 0..60 {
        match admin::kv_cas_required(vault, mount).await {
            Ok(_) => return Ok(()),
            Err(e @ VaultError::Rejected { .. }) => last = Some(e),
            Err(e) => return Err(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    Err(last.unwrap_or(VaultError::Unexpected {
        status: 0,
        what: "KV mount never became ready",
    }))
}

async fn put_policy(
    vault: &VaultClient,
    name: &str,
    body: &str,
    report: &mut BootstrapReport,
) -> Result<(), VaultError> {
    let same = admin::policy(vault, name).await?.is_some_and(|p| p == body);
    if !same {
        admin::set_policy(vault, name, body).await?;
        report.changes.push(format!("policy {name}"));
    }
    Ok(())
}

/// Plain HTTP, because vaultrs is wrong here: its `SetTokenRoleRequest` has no
/// `allowed_policies_glob` (its `allowed_policies` takes `bot-*` literally, refusing
/// `bot-<wallet>`), and its `ReadTokenRoleResponse` drops the glob and `token_bound_cidrs`.
/// Shown against OpenBao by `vaultrs_token_role_has_no_policy_glob` in tests/policy_matrix.rs.
async fn bot_token_role(
    vault: &VaultClient,
    bots_subnet: &str,
    max_ttl: u64,
    report: &mut BootstrapReport,
) -> Result<(), VaultError> {
    let wanted = json!({
        "allowed_policies_glob": ["bot-*"],
        "disallowed_policies": ["root", "default"],
        "orphan": true,
        "renewable": false,
        "token_no_default_policy": true,
        "token_bound_cidrs": [bots_subnet],
        "token_explicit_max_ttl": max_ttl,
        "token_type": "service",
    });
    let path = format!("auth/token/roles/{BOT_ROLE}");
    let current = vault
        .read(&path)
        .await?
        .map_or(Value::Null, |v| v["data"].clone());
    if !role_matches(&current, &wanted) {
        vault.write(&path, &wanted).await?;
        report.changes.push(format!(
            "token role {BOT_ROLE} (bound to {bots_subnet}, max ttl {max_ttl}s)"
        ));
    }
    Ok(())
}

/// Whether every wanted field is already set. Vault echoes lists and numbers in its own forms.
fn role_matches(current: &Value, wanted: &Value) -> bool {
    let Some(wanted) = wanted.as_object() else {
        return false;
    };
    wanted.iter().all(|(k, w)| {
        let c = &current[k];
        match (w, c) {
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

/// The approle auth method at `mount` and the dashboard's role, created or corrected, then the
/// role's credential files when `opts.approle_dir` is set.
async fn dashboard_approle(
    vault: &VaultClient,
    mount: &str,
    opts: &BootstrapOptions,
    report: &mut BootstrapReport,
) -> anyhow::Result<()> {
    if !admin::auth_methods(vault).await?.iter().any(|m| m == mount) {
        admin::enable_auth(vault, mount, "approle").await?;
        report
            .changes
            .push(format!("auth method approle at {mount}/"));
    }
    let wanted = admin::AppRoleSpec {
        token_policies: vec!["tradebot-dashboard".into()],
        token_no_default_policy: true,
        token_ttl: 3600,
        token_max_ttl: 86400,
        token_type: "service".into(),
        secret_id_num_uses: 0,
        secret_id_ttl: 0,
    };
    let current = admin::approle_role(vault, mount, DASHBOARD_ROLE)
        .await?
        .unwrap_or(Value::Null);
    if !role_matches(&current, &json!(wanted)) {
        admin::set_approle_role(vault, mount, DASHBOARD_ROLE, &wanted).await?;
        report
            .changes
            .push(format!("AppRole role {DASHBOARD_ROLE}"));
    }
    match &opts.approle_dir {
        Some(dir) => approle_credentials(vault, mount, dir, opts.rotate_secret_id, report).await,
        None => Ok(()),
    }
}

/// The dashboard's AppRole credentials as files in `dir` (mode 0600): `role_id` rewritten when
/// it differs from Vault's, `secret_id` issued when missing or when `rotate_secret_id` is set.
/// `mount` is the AppRole mount (`auth/<mount>`). Errors: Vault refused, or returned no id.
async fn approle_credentials(
    vault: &VaultClient,
    mount: &str,
    dir: &Path,
    rotate_secret_id: bool,
    report: &mut BootstrapReport,
) -> anyhow::Result<()> {
    let role_id = admin::role_id(vault, mount, DASHBOARD_ROLE)
        .await?
        .ok_or_else(|| anyhow::anyhow!("Vault returned no role id for {DASHBOARD_ROLE}"))?;
    let role_id_file = dir.join("role_id");
    if std::fs::read_to_string(&role_id_file).map_or(true, |s| s.trim() != role_id) {
        write_private_line(&role_id_file, &role_id)?;
        report
            .changes
            .push(format!("wrote {}", role_id_file.display()));
    }
    let secret_id_file = dir.join("secret_id");
    if rotate_secret_id || !secret_id_file.is_file() {
        let secret_id = admin::new_secret_id(vault, mount, DASHBOARD_ROLE).await?;
        write_private_line(&secret_id_file, secret_id.expose_secret())?;
        report.changes.push(format!(
            "issued a secret id into {}",
            secret_id_file.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_comparison_ignores_order_and_number_forms() {
        let wanted = json!({"a": ["x", "y"], "n": 600, "b": true});
        assert!(role_matches(
            &json!({"a": ["y", "x"], "n": 600.0, "b": true, "extra": 1}),
            &wanted
        ));
        assert!(!role_matches(
            &json!({"a": ["x"], "n": 600, "b": true}),
            &wanted
        ));
        assert!(!role_matches(&Value::Null, &wanted));
    }
}
