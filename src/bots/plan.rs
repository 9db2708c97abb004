//! The launch plan: what a bot's container is made of (its spec, labels and container
//! settings), computed from typed inputs with no I/O, so every rule here is unit-tested. The
//! launch layer adds the one secret (the wrapping token) at the last moment, in
//! [`LaunchPlan::into_container`]. [`Labels::parse`] is the inverse used by recovery.

use std::collections::HashMap;

use secrecy::SecretString;
use serde::Serialize;

use super::identity::{BotId, BotIdentity, LaunchId};
use super::manager::ManagerConfig;
use super::request::{BotType, MarketId};
use crate::domain::WalletId;
use crate::runtime::{ContainerSpec, LABEL_PREFIX, MANAGED_LABEL, NAME_PREFIX};

/// Env var the bot reads its spec from (bot crate: `spec::SPEC_ENV`).
pub const SPEC_ENV: &str = "TRADEBOT_BOT_SPEC";
/// Env var the bot reads its single-use wrapping token from.
pub const TOKEN_ENV: &str = "TRADEBOT_WRAPPING_TOKEN";

/// The bot spec as the bot parses it (bot crate `spec::BotSpec`; docs/BOT_EVENTS.md).
#[derive(Debug, Clone, Serialize)]
pub struct SpecOut {
    pub bot_id: BotId,
    pub wallet_id: WalletId,
    pub market: String,
    pub bot_type: &'static str,
    pub params: serde_json::Value,
    /// The dashboard launches paper bots only, for now.
    pub exchange: &'static str,
    pub status_interval_secs: u64,
    pub vault: VaultOut,
}

/// Where and how the bot reads its key.
#[derive(Debug, Clone, Serialize)]
pub struct VaultOut {
    /// Vault as the bots see it (their network's view, not the dashboard's).
    pub address: String,
    pub ca_cert_pem: Option<String>,
    pub kv_mount: String,
    pub wallet_id: WalletId,
}

/// Resource limits and placement of a bot container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSettings {
    pub image: String,
    pub network: String,
    pub memory_bytes: i64,
    pub nano_cpus: i64,
    pub pids_limit: i64,
    /// Seconds between SIGTERM and SIGKILL (the bot cancels its orders in between).
    pub stop_timeout_secs: i64,
}

/// Everything of one launch but the token.
#[derive(Debug, Clone)]
pub struct LaunchPlan {
    /// `tradebot-bot-<bot id>` (the proxy allows only this prefix).
    pub name: String,
    pub spec: SpecOut,
    pub labels: HashMap<String, String>,
    pub settings: ContainerSettings,
}

impl LaunchPlan {
    /// The plan of launch `launch_id` of the bot `who`, with `params` (already checked by
    /// the start request) under the control plane's settings `cfg`.
    pub fn new(
        who: &BotIdentity,
        launch_id: &LaunchId,
        params: &serde_json::Value,
        cfg: &ManagerConfig,
    ) -> Self {
        let spec = SpecOut {
            bot_id: who.bot_id.clone(),
            wallet_id: who.wallet.clone(),
            market: who.market.as_str().to_owned(),
            bot_type: who.bot_type.as_str(),
            params: params.clone(),
            exchange: "paper",
            status_interval_secs: cfg.status_interval_secs,
            vault: VaultOut {
                address: cfg.vault_address.clone(),
                ca_cert_pem: cfg.vault_ca_pem.clone(),
                kv_mount: cfg.kv_mount.clone(),
                wallet_id: who.wallet.clone(),
            },
        };
        Self {
            name: container_name(&who.bot_id),
            spec,
            labels: Labels::of(who, launch_id, &cfg.stack),
            settings: ContainerSettings {
                image: cfg.image.clone(),
                network: cfg.network.clone(),
                memory_bytes: cfg.memory_bytes,
                nano_cpus: cfg.nano_cpus,
                pids_limit: cfg.pids_limit,
                stop_timeout_secs: cfg.stop_grace_secs,
            },
        }
    }

    /// The container to create: the plan plus the bot's wrapping token, in its env.
    pub fn into_container(self, wrapping_token: SecretString) -> ContainerSpec {
        let spec = serde_json::to_string(&self.spec)
            .expect("a spec of strings, numbers and JSON values always serializes");
        let s = self.settings;
        ContainerSpec {
            name: self.name,
            image: s.image,
            env: vec![
                (SPEC_ENV.into(), SecretString::from(spec)),
                (TOKEN_ENV.into(), wrapping_token),
            ],
            labels: self.labels,
            network: s.network,
            memory_bytes: s.memory_bytes,
            nano_cpus: s.nano_cpus,
            pids_limit: s.pids_limit,
            stop_timeout_secs: s.stop_timeout_secs,
        }
    }
}

/// The name of a bot's container (one at a time per bot).
pub fn container_name(bot_id: &BotId) -> String {
    format!("{NAME_PREFIX}{bot_id}")
}

/// The labels of a bot container: the proxy's `managed` marker, the stack that owns it, and
/// who the bot is (recovery rebuilds a bot from them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub stack: String,
    pub who: BotIdentity,
    pub launch_id: LaunchId,
}

impl Labels {
    pub fn of(who: &BotIdentity, launch_id: &LaunchId, stack: &str) -> HashMap<String, String> {
        let l = |k: &str| format!("{LABEL_PREFIX}{k}");
        HashMap::from([
            (MANAGED_LABEL.to_owned(), "true".to_owned()),
            (l("stack"), stack.to_owned()),
            (l("bot-id"), who.bot_id.to_string()),
            (l("wallet"), who.wallet.to_string()),
            (l("market"), who.market.as_str().to_owned()),
            (l("type"), who.bot_type.as_str().to_owned()),
            (l("launch-id"), launch_id.to_string()),
            (l("operator"), who.operator.clone()),
        ])
    }

    /// Reads back what [`Labels::of`] wrote. `Err` names the first missing or invalid label.
    pub fn parse(labels: &HashMap<String, String>) -> Result<Self, String> {
        let get = |k: &str| {
            labels
                .get(&format!("{LABEL_PREFIX}{k}"))
                .map(String::as_str)
                .ok_or_else(|| format!("label {LABEL_PREFIX}{k} is missing"))
        };
        let bad = |k: &str, e: String| format!("label {LABEL_PREFIX}{k}: {e}");
        let who = BotIdentity {
            bot_id: BotId::parse(get("bot-id")?).map_err(|e| bad("bot-id", e))?,
            wallet: WalletId::parse(get("wallet")?).map_err(|e| bad("wallet", e.to_string()))?,
            market: MarketId::parse(get("market")?).map_err(|e| bad("market", e))?,
            bot_type: BotType::parse(get("type")?).map_err(|e| bad("type", e))?,
            operator: get("operator")?.to_owned(),
        };
        Ok(Self {
            stack: get("stack")?.to_owned(),
            launch_id: LaunchId::parse(get("launch-id")?).map_err(|e| bad("launch-id", e))?,
            who,
        })
    }
}

#[cfg(test)]
mod tests;
