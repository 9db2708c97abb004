//! The launch plan: what a bot's container is made of (its spec, labels and container
//! settings), computed from typed inputs with no I/O, so every rule here is unit-tested. The
//! launch layer adds the one secret (the wrapping token) at the last moment, in
//! [`LaunchPlan::into_container`]. [`Labels::parse`] is the inverse used by recovery.

use std::collections::HashMap;

use secrecy::SecretString;
use tradebot_contract::spec::{VaultAccess, SPEC_ENV};
use tradebot_contract::{BotSpec, BotType};

use super::identity::BotIdentity;
use super::manager::ManagerConfig;
use super::venue::Venue;
use crate::domain::{BotId, LaunchId, MarketId, WalletId};
use crate::runtime::{ContainerSpec, LogLimits, LABEL_PREFIX, MANAGED_LABEL, NAME_PREFIX};

/// Env var the bot reads its single-use wrapping token from.
pub const TOKEN_ENV: &str = "TRADEBOT_WRAPPING_TOKEN";

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
    /// Its json-file log, rotated and bounded (settings `bots.log_max_size`, `log_max_file`).
    pub logs: LogLimits,
}

/// Everything of one launch but the token.
#[derive(Debug, Clone)]
pub struct LaunchPlan {
    /// `tradebot-bot-<bot id>` (the proxy allows only this prefix).
    pub name: String,
    /// The contract's spec: a paper bot told where to read its key; a live bot also told its
    /// chain, market id and granter, and to read the bot key of its market.
    pub spec: BotSpec,
    pub labels: HashMap<String, String>,
    pub settings: ContainerSettings,
}

impl LaunchPlan {
    /// The plan of launch `launch_id` of the bot `who`, with `params` (already checked by
    /// the start request) on `venue` (None: the paper exchange) under the control plane's
    /// settings `cfg`.
    ///
    /// - live venue: exchange `injective` with its section, `vault.market_key` = the market
    ///   (the bot reads the trade-only key of (wallet, market));
    /// - paper venue on a network: exchange `paper` with the `injective` section present (the
    ///   bot reads book and trades from that chain and simulates fills), no market key;
    /// - no venue: paper, as before.
    pub fn new(
        who: &BotIdentity,
        launch_id: &LaunchId,
        params: &serde_json::Value,
        venue: Option<&Venue>,
        cfg: &ManagerConfig,
    ) -> Self {
        let live = venue.is_some_and(|v| v.live);
        let mut spec = BotSpec::new(
            who.bot_id.clone(),
            who.wallet.clone(),
            who.market.clone(),
            who.bot_type,
            params.clone(),
        )
        .with_status_interval(cfg.status_interval_secs)
        .with_vault(VaultAccess {
            address: cfg.vault_address.clone(),
            ca_cert_pem: cfg.vault_ca_pem.clone(),
            kv_mount: cfg.kv_mount.clone(),
            wallet_id: who.wallet.clone(),
            market_key: live.then(|| who.market.clone()),
        });
        match venue {
            Some(v) if v.live => spec = spec.with_injective(v.injective_spec()),
            Some(v) => spec.injective = Some(v.injective_spec()),
            None => {}
        }
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
                logs: cfg.logs.clone(),
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
            logs: s.logs,
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
        let who = BotIdentity {
            bot_id: BotId::parse(get("bot-id")?).map_err(|e| bad("bot-id", e))?,
            wallet: WalletId::parse(get("wallet")?).map_err(|e| bad("wallet", e))?,
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

/// A label that does not parse, in one line.
fn bad(key: &str, e: impl std::fmt::Display) -> String {
    format!("label {LABEL_PREFIX}{key}: {e}")
}

#[cfg(test)]
mod tests;
