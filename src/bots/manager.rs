//! The manager: the one handle the web layer holds. It owns the parts (runtime, broker,
//! store, settings, registry) and answers the read-only questions; the operations live in the
//! `launch`, `stop`, `recover`, `teardown` and `watch` modules as further `impl` blocks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::error::vault_reason;
use super::registry::Registry;
use super::state::BotView;
use super::LifecycleError;
use crate::markets::Catalogue;
use crate::runtime::{ContainerRuntime, LineStream, LogLimits, RuntimeError};
use crate::store::Store;
use crate::vault::SecretsBroker;

/// Totals since the dashboard started, for `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    pub starts: AtomicU64,
    pub start_failures: AtomicU64,
    pub crashes: AtomicU64,
    pub token_issues: AtomicU64,
    /// Uses of the kill switch (stop every bot).
    pub kill_switches: AtomicU64,
}

impl Counters {
    pub(super) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Everything the manager needs to launch a bot.
#[derive(Debug, Clone)]
pub struct ManagerConfig {
    /// Name of this control plane's stack, set as a label on its bots: several stacks on one
    /// engine (a dev stack next to the e2e test stack) must not adopt each other's bots.
    pub stack: String,
    pub image: String,
    pub network: String,
    /// Vault as the bots see it.
    pub vault_address: String,
    pub vault_ca_pem: Option<String>,
    pub kv_mount: String,
    pub markets: Vec<String>,
    /// Named custom Injective networks (settings `[networks]`) wallets may name.
    pub networks: crate::config::networks::Networks,
    pub status_interval_secs: u64,
    pub ready_timeout: Duration,
    pub stop_grace_secs: i64,
    pub restart_max: u32,
    pub restart_base: Duration,
    pub memory_bytes: i64,
    pub nano_cpus: i64,
    pub pids_limit: i64,
    /// Bounds of every bot container's json-file log.
    pub logs: LogLimits,
    /// How many bots may be starting, running or stopping at once (`VaultSettings::bots_capacity`).
    pub max_bots: usize,
}

pub(super) struct Inner<R, B> {
    pub runtime: R,
    pub broker: B,
    pub store: Store,
    pub cfg: ManagerConfig,
    pub registry: Registry,
    pub counters: Counters,
    /// The markets of each network, read from its chain (shared with the pages).
    pub catalogue: Arc<Catalogue>,
}

/// Cheap to clone; all clones share the same state.
pub struct BotManager<R, B> {
    pub(super) inner: Arc<Inner<R, B>>,
}

impl<R, B> Clone for BotManager<R, B> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<R, B> std::fmt::Debug for BotManager<R, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BotManager")
    }
}

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    pub fn new(runtime: R, broker: B, store: Store, cfg: ManagerConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                runtime,
                broker,
                store,
                cfg,
                registry: Registry::default(),
                counters: Counters::default(),
                catalogue: Arc::new(Catalogue::default()),
            }),
        }
    }

    /// The same manager reading chains through `catalogue` (tests: a fake chain). Call it
    /// right after [`BotManager::new`], before the manager is cloned.
    pub fn with_catalogue(mut self, catalogue: Arc<Catalogue>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.catalogue = catalogue;
        }
        self
    }

    /// The market catalogue (the wallets page and the start form read it too).
    pub fn catalogue(&self) -> &Arc<Catalogue> {
        &self.inner.catalogue
    }

    pub fn config(&self) -> &ManagerConfig {
        &self.inner.cfg
    }

    pub(super) fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// Every bot, sorted by id.
    pub fn list(&self) -> Vec<BotView> {
        self.registry().list()
    }

    /// The bot named `bot_id` (as given in a URL), if there is one.
    pub fn get(&self, bot_id: &str) -> Option<BotView> {
        let id = self.registry().find(bot_id)?;
        self.registry().read(&id, |b| b.view())
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn counters(&self) -> &Counters {
        &self.inner.counters
    }

    /// The bot's most recent fills, newest last.
    pub fn fills(&self, bot_id: &str) -> Vec<serde_json::Value> {
        self.registry()
            .find(bot_id)
            .and_then(|id| {
                self.registry()
                    .read(&id, |b| b.fills.iter().cloned().collect())
            })
            .unwrap_or_default()
    }

    /// Ids of the bots that hold `wallet` now (starting, running or stopping), sorted.
    pub fn bots_on_wallet(&self, wallet: &str) -> Vec<String> {
        self.registry()
            .ids_where(|b| b.who.wallet.as_str() == wallet && b.state.is_active())
            .into_iter()
            .map(|id| id.to_string())
            .collect()
    }

    /// The markets of `wallet` an active bot holds now (one bot per (wallet, market)), sorted.
    pub fn busy_markets(&self, wallet: &str) -> Vec<String> {
        let mut out: Vec<String> = self.registry().with(|bots| {
            bots.values()
                .filter(|b| b.who.wallet.as_str() == wallet && b.state.is_active())
                .map(|b| b.who.market.as_str().to_owned())
                .collect()
        });
        out.sort();
        out
    }

    /// One wallet as Vault describes it (never key material); `None` if there is none.
    pub async fn wallet(
        &self,
        id: &crate::domain::WalletId,
    ) -> Result<Option<crate::vault::wallets::WalletInfo>, LifecycleError> {
        self.inner
            .broker
            .wallet(id)
            .await
            .map_err(|e| LifecycleError::Vault(vault_reason(&e)))
    }

    /// The bot keys of `wallet` (Vault metadata only, never a key).
    pub async fn bot_keys(
        &self,
        id: &crate::domain::WalletId,
    ) -> Result<Vec<crate::vault::bot_keys::BotKeyInfo>, LifecycleError> {
        self.inner
            .broker
            .bot_keys(id)
            .await
            .map_err(|e| LifecycleError::Vault(vault_reason(&e)))
    }

    /// The params a bot was started with.
    pub fn params(&self, bot_id: &str) -> Option<serde_json::Value> {
        let id = self.registry().find(bot_id)?;
        self.registry().read(&id, |b| b.params.clone())
    }

    /// The Vault accessor of the bot's current launch (for the audit log; not a secret).
    pub fn accessor(&self, bot_id: &str) -> Option<String> {
        let id = self.registry().find(bot_id)?;
        self.registry()
            .read(&id, |b| b.launch.as_ref().and_then(|l| l.accessor.clone()))
            .flatten()
    }

    /// Wallets as Vault describes them (never key material).
    pub async fn wallets(&self) -> Result<Vec<crate::vault::wallets::WalletInfo>, LifecycleError> {
        self.inner
            .broker
            .list_wallets()
            .await
            .map_err(|e| LifecycleError::Vault(vault_reason(&e)))
    }

    /// The container of the bot named `bot_id`, if it has one now.
    fn container_of(&self, bot_id: &str) -> Option<String> {
        let id = self.registry().find(bot_id)?;
        self.registry()
            .read(&id, |b| b.container_id.clone())
            .flatten()
    }

    /// The last `tail` log lines of a running bot's container.
    pub async fn tail_logs(
        &self,
        bot_id: &str,
        tail: usize,
    ) -> Result<Vec<String>, LifecycleError> {
        let id = self.container_of(bot_id).ok_or_else(|| {
            LifecycleError::NotFound(format!("bot {} has no container", short(bot_id)))
        })?;
        self.inner
            .runtime
            .tail_logs(&id, tail)
            .await
            .map_err(LifecycleError::Docker)
    }

    /// Live container log lines (stdout and stderr): the last `tail`, then new ones.
    pub fn follow_logs(&self, bot_id: &str, tail: usize) -> Option<LineStream> {
        let id = self.container_of(bot_id)?;
        Some(self.inner.runtime.follow_logs(&id, tail))
    }

    /// Whether the Docker engine answers through the proxy.
    pub async fn docker_health(&self) -> Result<(), RuntimeError> {
        self.inner.runtime.ping().await
    }
}

/// At most 40 characters of an id given from outside, for messages.
pub(super) fn short(raw: &str) -> String {
    raw.chars().take(40).collect()
}
