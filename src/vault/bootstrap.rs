//! `tradebot vault bootstrap`: configures Vault for tradebot, idempotently. Every step reads
//! the current state first and writes only what differs, so a second run reports no change.

use std::fmt;
use std::path::PathBuf;

use serde_json::{json, Value};

use super::client::VaultClient;
use super::roles::{self, BotAccess};
use super::{admin, approle, policy, wallets, VaultError};
use crate::config::Settings;
use crate::domain::WalletId;

/// AppRole role of the dashboard.
pub const DASHBOARD_ROLE: &str = "dashboard";

#[derive(Debug, Clone)]
pub struct BootstrapOptions {
    /// Directory for the dashboard's `role_id` and `secret_id` files (0600); None: not written.
    pub approle_dir: Option<PathBuf>,
    /// Issue a new secret_id even if a good one is on disk; every other one is destroyed.
    pub rotate_secret_id: bool,
    /// Path of the file audit device inside the Vault server.
    pub audit_file_path: String,
    /// A wallet to create with a generated key if it has none (first-run demo).
    pub demo_wallet: Option<WalletId>,
    /// Hard cap on a bot token's life, in seconds.
    pub bot_token_max_ttl_secs: u64,
    /// Hard cap on a bot token's uses.
    pub bot_token_num_uses: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            approle_dir: None,
            rotate_secret_id: false,
            audit_file_path: "/openbao/logs/audit.log".into(),
            demo_wallet: None,
            bot_token_max_ttl_secs: 600,
            bot_token_num_uses: 2,
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
    let access = BotAccess {
        max_ttl_secs: opts.bot_token_max_ttl_secs,
        num_uses: opts.bot_token_num_uses,
        ..BotAccess::new(&settings.vault.bots_subnet)
    };
    let mut report = BootstrapReport::default();
    audit_device(&vault, &opts.audit_file_path, &mut report).await?;
    kv_mount(&vault, kv, &mut report).await?;
    totp_mount(&vault, &mut report).await?;
    alerts_mount(&vault, &mut report).await?;
    for (name, body) in policy::FIXED {
        put_policy(&vault, name, body, &mut report).await?;
    }
    for wallet in wallets::list_ids(&vault, kv).await? {
        let changes = roles::grant_bot_access(&vault, kv, &wallet, &access).await?;
        report.changes.extend(changes);
    }
    report
        .changes
        .extend(roles::ensure_bot_role(&vault, &access).await?);
    let cidrs = settings.vault.dashboard_cidr_list();
    approle::dashboard_approle(
        &vault,
        &settings.vault.approle_mount,
        &cidrs,
        opts,
        &mut report,
    )
    .await?;
    if let Some(demo) = &opts.demo_wallet {
        demo_wallet(&vault, kv, demo, &access, &mut report).await?;
    }
    Ok(report)
}

/// The first-run demo wallet: a generated key, if the wallet has none yet.
async fn demo_wallet(
    vault: &VaultClient,
    kv: &str,
    demo: &WalletId,
    access: &BotAccess,
    report: &mut BootstrapReport,
) -> anyhow::Result<()> {
    if wallets::current_version(vault, kv, demo).await?.is_some() {
        return Ok(());
    }
    let meta = wallets::WalletMeta {
        label: "Demo wallet (paper trading)".into(),
        allowed_markets: vec!["INJ/USDT".into(), "TIA/USDT".into(), "INJ/USDT-PERP".into()],
        ..wallets::WalletMeta::default()
    };
    let address = wallets::generate(vault, kv, demo, &meta).await?;
    report
        .changes
        .extend(roles::grant_bot_access(vault, kv, demo, access).await?);
    report.changes.push(format!(
        "demo wallet {demo}: key generated, address {address}"
    ));
    Ok(())
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
    if admin::kv_config(vault, mount).await? != admin::KvConfig::KEEP_EVERY_VERSION {
        admin::keep_every_version(vault, mount).await?;
        report.changes.push(format!(
            "mount {mount}/: cas_required, every version kept (max_versions {})",
            super::versions::KEPT_VERSIONS
        ));
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

/// The KV v2 mount of alert webhook URLs (`alerts/`, issue 16): mounted once; a mount of
/// another kind at that path is refused, never touched. No check-and-set: a URL is replaced
/// whole, and removing a target destroys every version.
async fn alerts_mount(vault: &VaultClient, report: &mut BootstrapReport) -> Result<(), VaultError> {
    let mount = super::webhooks::MOUNT;
    match admin::mounts(vault).await?.remove(mount) {
        None => {
            admin::enable_kv2(vault, mount).await?;
            report.changes.push(format!("mount {mount}/: KV v2"));
            wait_until_kv_ready(vault, mount).await
        }
        Some(m) if m.kind != "kv" || m.options.get("version").map(String::as_str) != Some("2") => {
            Err(VaultError::Config(format!(
                "mount {mount}/ exists but is not KV v2: refusing to touch it"
            )))
        }
        Some(_) => Ok(()),
    }
}

/// A new KV v2 mount answers 400 ("upgrading") for a moment after it is created.
async fn wait_until_kv_ready(vault: &VaultClient, mount: &str) -> Result<(), VaultError> {
    let mut last = None;
    for _ in 0..60 {
        match admin::kv_config(vault, mount).await {
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
