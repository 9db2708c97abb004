//! The lifecycle engine. Invariants:
//! - nothing half-started: any failure after a token was issued revokes it and removes the
//!   container before the error is returned;
//! - every run that ends is archived with its exit code, reason, last 200 log lines and PnL;
//! - a crash-looping bot backs off exponentially and ends `failed`, so it cannot flood Vault;
//! - at most one active bot per wallet unless the operator explicitly allows sharing.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::StreamExt;
use rand::Rng;
use secrecy::SecretString;
use serde_json::json;

use super::events::{parse_line, total_pnl, BotEvent};
use super::request::StartRequest;
use super::state::{now_ms, BotState, BotView};
use crate::domain::WalletId;
use crate::runtime::{
    ContainerRuntime, ContainerSpec, LineStream, RuntimeError, LABEL_PREFIX, MANAGED_LABEL,
    NAME_PREFIX,
};
use crate::store::{Launch, Run, Store};
use crate::vault::{SecretsBroker, TokenRequest, VaultError};

/// Lines archived when a run ends.
const ARCHIVED_LINES: usize = 200;
/// A bot that ran this long before crashing starts a fresh restart budget.
const STABLE_AFTER_MS: i64 = 60_000;
/// Fills kept per bot for its page (the bot's own log has them all).
const KEPT_FILLS: usize = 50;

/// Totals since the dashboard started, for `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    pub starts: AtomicU64,
    pub start_failures: AtomicU64,
    pub crashes: AtomicU64,
    pub token_issues: AtomicU64,
}

impl Counters {
    fn bump(c: &AtomicU64) {
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
    pub status_interval_secs: u64,
    pub ready_timeout: Duration,
    pub stop_grace_secs: i64,
    pub restart_max: u32,
    pub restart_base: Duration,
    pub memory_bytes: i64,
    pub nano_cpus: i64,
    pub pids_limit: i64,
}

/// Why an operation was refused or failed; `Display` is for humans (no secrets, no raw bodies).
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Vault is unavailable: {0}")]
    Vault(String),
    #[error("Docker is unavailable: {0}")]
    Docker(String),
    #[error("{0}")]
    StartFailed(String),
}

/// One bot's result in a kill-all or rolling restart.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StopResult {
    pub bot_id: String,
    pub ok: bool,
    pub message: String,
}

struct Bot {
    view: BotView,
    params: serde_json::Value,
    allow_shared: bool,
    accessor: Option<String>,
    fills: VecDeque<serde_json::Value>,
}

struct Inner<R, B> {
    runtime: R,
    broker: B,
    store: Store,
    cfg: ManagerConfig,
    bots: Mutex<HashMap<String, Bot>>,
    counters: Counters,
}

/// Cheap to clone; all clones share the same state.
pub struct BotManager<R, B> {
    inner: Arc<Inner<R, B>>,
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

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.gen::<u8>()))
        .collect()
}

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    pub fn new(runtime: R, broker: B, store: Store, cfg: ManagerConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                runtime,
                broker,
                store,
                cfg,
                bots: Mutex::new(HashMap::new()),
                counters: Counters::default(),
            }),
        }
    }

    pub fn config(&self) -> &ManagerConfig {
        &self.inner.cfg
    }

    fn with_bots<T>(&self, f: impl FnOnce(&mut HashMap<String, Bot>) -> T) -> T {
        let mut bots = self
            .inner
            .bots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut bots)
    }

    fn update(&self, bot_id: &str, f: impl FnOnce(&mut Bot)) {
        self.with_bots(|bots| {
            if let Some(bot) = bots.get_mut(bot_id) {
                f(bot);
            }
        });
    }

    /// Every bot, sorted by id.
    pub fn list(&self) -> Vec<BotView> {
        let mut all: Vec<BotView> =
            self.with_bots(|b| b.values().map(|x| x.view.clone()).collect());
        all.sort_by(|a, b| a.bot_id.cmp(&b.bot_id));
        all
    }

    pub fn get(&self, bot_id: &str) -> Option<BotView> {
        self.with_bots(|b| b.get(bot_id).map(|x| x.view.clone()))
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn counters(&self) -> &Counters {
        &self.inner.counters
    }

    /// The bot's most recent fills, newest last.
    pub fn fills(&self, bot_id: &str) -> Vec<serde_json::Value> {
        self.with_bots(|b| {
            b.get(bot_id)
                .map(|x| x.fills.iter().cloned().collect())
                .unwrap_or_default()
        })
    }

    /// Ids of the bots that hold `wallet` now (starting, running or stopping), sorted.
    pub fn bots_on_wallet(&self, wallet: &str) -> Vec<String> {
        let mut ids: Vec<String> = self.with_bots(|b| {
            b.values()
                .filter(|x| x.view.wallet == wallet && x.view.state.is_active())
                .map(|x| x.view.bot_id.clone())
                .collect()
        });
        ids.sort();
        ids
    }

    /// The params a bot was started with.
    pub fn params(&self, bot_id: &str) -> Option<serde_json::Value> {
        self.with_bots(|b| b.get(bot_id).map(|x| x.params.clone()))
    }

    /// The Vault accessor of the bot's current launch (for the audit log; not a secret).
    pub fn accessor(&self, bot_id: &str) -> Option<String> {
        self.with_bots(|b| b.get(bot_id).and_then(|x| x.accessor.clone()))
    }

    /// Wallets as Vault describes them (never key material).
    pub async fn wallets(&self) -> Result<Vec<crate::vault::wallets::WalletInfo>, LifecycleError> {
        self.inner
            .broker
            .list_wallets()
            .await
            .map_err(|e| LifecycleError::Vault(vault_reason(&e)))
    }

    /// The last `tail` log lines of a running bot's container.
    pub async fn tail_logs(
        &self,
        bot_id: &str,
        tail: usize,
    ) -> Result<Vec<String>, LifecycleError> {
        let id = self
            .with_bots(|b| b.get(bot_id).and_then(|x| x.view.container_id.clone()))
            .ok_or_else(|| LifecycleError::NotFound(format!("bot {bot_id} has no container")))?;
        self.inner
            .runtime
            .tail_logs(&id, tail)
            .await
            .map_err(|e| LifecycleError::Docker(e.to_string()))
    }

    /// Live container log lines (stdout and stderr): the last `tail`, then new ones.
    pub fn follow_logs(&self, bot_id: &str, tail: usize) -> Option<LineStream> {
        let id = self.with_bots(|b| b.get(bot_id).and_then(|x| x.view.container_id.clone()))?;
        Some(self.inner.runtime.follow_logs(&id, tail))
    }
    /// Whether the Docker engine answers through the proxy.
    pub async fn docker_health(&self) -> Result<(), RuntimeError> {
        self.inner.runtime.ping().await
    }

    /// Starts a bot and waits for its `ready` event.
    pub async fn start(
        &self,
        req: StartRequest,
        operator: &str,
    ) -> Result<BotView, LifecycleError> {
        let bot_id = self.begin(req, operator).await?;
        self.launch(&bot_id).await
    }

    /// The synchronous half of a start: checks the wallet in Vault and reserves it, so every
    /// refusal is known before anything is issued or created. Returns the new bot's id in state
    /// `starting`; [`BotManager::launch`] does the rest (the dashboard runs it in the background
    /// and shows its progress).
    #[tracing::instrument(skip_all, fields(wallet = %req.wallet, market = %req.market.as_str()))]
    pub async fn begin(&self, req: StartRequest, operator: &str) -> Result<String, LifecycleError> {
        let wallets = self
            .inner
            .broker
            .list_wallets()
            .await
            .map_err(|e| LifecycleError::Vault(vault_reason(&e)))?;
        let wallet = wallets.iter().find(|w| w.id == req.wallet).ok_or_else(|| {
            LifecycleError::NotFound(format!("wallet {} does not exist in Vault", req.wallet))
        })?;
        if !wallet
            .allowed_markets
            .iter()
            .any(|m| m == req.market.as_str())
        {
            return Err(LifecycleError::Invalid(format!(
                "wallet {} may not trade {} (allowed: {})",
                req.wallet,
                req.market.as_str(),
                wallet.allowed_markets.join(", ")
            )));
        }
        let bot_id = format!("{}-{}", req.wallet, random_hex(3));
        self.with_bots(|bots| {
            if !req.allow_shared_wallet {
                if let Some(other) = active_on_wallet(bots, req.wallet.as_str(), None) {
                    return Err(LifecycleError::Conflict(format!(
                        "wallet {} already runs bot {} on {}: two bots signing for one Injective account collide on sequence numbers; stop it first, or allow sharing explicitly",
                        req.wallet, other.view.bot_id, other.view.market
                    )));
                }
            }
            bots.insert(
                bot_id.clone(),
                Bot {
                    view: BotView {
                        bot_id: bot_id.clone(),
                        wallet: req.wallet.to_string(),
                        market: req.market.as_str().to_owned(),
                        bot_type: req.bot_type.as_str().to_owned(),
                        operator: operator.to_owned(),
                        launch_id: String::new(),
                        state: BotState::Starting,
                        reason: Some("issuing a Vault token".into()),
                        started_ms: now_ms(),
                        ready_ms: None,
                        restarts: 0,
                        last_status: None,
                        pnl: None,
                        container_id: None,
                    },
                    params: req.params.clone(),
                    allow_shared: req.allow_shared_wallet,
                    accessor: None,
                    fills: VecDeque::new(),
                },
            );
            Ok(())
        })?;
        Ok(bot_id)
    }

    /// Issues a token, creates and starts the container, waits for `ready`. On any failure the
    /// token is revoked, the container removed and the bot marked failed with the reason.
    pub async fn launch(&self, bot_id: &str) -> Result<BotView, LifecycleError> {
        Counters::bump(&self.inner.counters.starts);
        let result = self.launch_inner(bot_id).await;
        if result.is_err() {
            Counters::bump(&self.inner.counters.start_failures);
        }
        result
    }

    async fn launch_inner(&self, bot_id: &str) -> Result<BotView, LifecycleError> {
        let Some((view, params, allow_shared)) = self.with_bots(|b| {
            b.get(bot_id)
                .map(|x| (x.view.clone(), x.params.clone(), x.allow_shared))
        }) else {
            return Err(LifecycleError::NotFound(format!("no bot {bot_id}")));
        };
        let cfg = &self.inner.cfg;
        let launch_id = random_hex(8);
        let wallet =
            WalletId::parse(&view.wallet).map_err(|e| LifecycleError::Invalid(e.to_string()))?;
        let issued = match self
            .inner
            .broker
            .issue_bot_token(&TokenRequest {
                bot_id,
                wallet: &wallet,
                operator: &view.operator,
                launch_id: &launch_id,
            })
            .await
        {
            Ok(t) => t,
            Err(e) => {
                let reason = format!("Vault could not issue a token: {}", vault_reason(&e));
                self.fail(bot_id, &reason);
                return Err(LifecycleError::Vault(vault_reason(&e)));
            }
        };
        Counters::bump(&self.inner.counters.token_issues);
        let accessor = issued.wrapped_accessor.clone();
        self.update(bot_id, |b| {
            b.accessor = Some(accessor.clone());
            b.view.launch_id = launch_id.clone();
            b.view.reason = Some("creating the container".into());
            b.view.started_ms = now_ms();
            b.view.ready_ms = None;
            b.view.last_status = None;
        });
        let launch = Launch {
            launch_id: launch_id.clone(),
            bot_id: bot_id.to_owned(),
            wallet: view.wallet.clone(),
            market: view.market.clone(),
            bot_type: view.bot_type.clone(),
            params: params.to_string(),
            operator: view.operator.clone(),
            allow_shared,
            accessor: accessor.clone(),
            created_ms: now_ms(),
        };
        if let Err(e) = self.inner.store.record_launch(&launch).await {
            tracing::error!(error = %e, "cannot record the launch");
            self.revoke(&accessor).await;
            self.fail(bot_id, "the dashboard database is unavailable");
            return Err(LifecycleError::StartFailed(
                "the dashboard database is unavailable".into(),
            ));
        }
        let spec = json!({
            "bot_id": bot_id,
            "wallet_id": view.wallet,
            "market": view.market,
            "bot_type": view.bot_type,
            "params": params,
            "exchange": "paper",
            "status_interval_secs": cfg.status_interval_secs,
            "vault": {
                "address": cfg.vault_address,
                "ca_cert_pem": cfg.vault_ca_pem,
                "kv_mount": cfg.kv_mount,
                "wallet_id": view.wallet,
            },
        });
        let labels = HashMap::from([
            (MANAGED_LABEL.to_owned(), "true".to_owned()),
            (format!("{LABEL_PREFIX}stack"), cfg.stack.clone()),
            (format!("{LABEL_PREFIX}bot-id"), bot_id.to_owned()),
            (format!("{LABEL_PREFIX}wallet"), view.wallet.clone()),
            (format!("{LABEL_PREFIX}market"), view.market.clone()),
            (format!("{LABEL_PREFIX}type"), view.bot_type.clone()),
            (format!("{LABEL_PREFIX}launch-id"), launch_id.clone()),
            (format!("{LABEL_PREFIX}operator"), view.operator.clone()),
        ]);
        let container = ContainerSpec {
            name: format!("{NAME_PREFIX}{bot_id}"),
            image: cfg.image.clone(),
            env: vec![
                (
                    "TRADEBOT_BOT_SPEC".into(),
                    SecretString::from(spec.to_string()),
                ),
                ("TRADEBOT_WRAPPING_TOKEN".into(), issued.wrapping_token),
            ],
            labels,
            network: cfg.network.clone(),
            memory_bytes: cfg.memory_bytes,
            nano_cpus: cfg.nano_cpus,
            pids_limit: cfg.pids_limit,
            stop_timeout_secs: cfg.stop_grace_secs,
        };
        // A leftover container of an earlier launch of this bot would block the name.
        let _ = self
            .inner
            .runtime
            .remove(&format!("{NAME_PREFIX}{bot_id}"), true)
            .await;
        let id = match self.inner.runtime.create_and_start(container).await {
            Ok(id) => id,
            Err(e) => {
                self.revoke(&accessor).await;
                let reason = format!("the container could not start: {e}");
                self.fail(bot_id, &reason);
                return Err(match e {
                    RuntimeError::Unreachable(_) => LifecycleError::Docker(e.to_string()),
                    _ => LifecycleError::StartFailed(reason),
                });
            }
        };
        self.update(bot_id, |b| {
            b.view.container_id = Some(id.clone());
            b.view.reason = Some("waiting for the bot to load its key and report ready".into());
        });
        let mut lines = self.inner.runtime.follow_stdout(&id, true);
        let outcome = tokio::time::timeout(cfg.ready_timeout, wait_ready(&mut lines)).await;
        match outcome {
            Ok(Ok(())) => {
                self.update(bot_id, |b| {
                    b.view.state = BotState::Running;
                    b.view.reason = None;
                    b.view.ready_ms = Some(now_ms());
                });
                self.spawn_watcher(bot_id.to_owned(), launch_id, lines);
                tracing::info!(bot_id, "bot ready");
                Ok(self.get(bot_id).unwrap_or(view))
            }
            Ok(Err(last_error)) => {
                let reason = self
                    .end_run(bot_id, &id, "failed", |code| {
                        format!(
                            "the bot exited during start-up (exit code {}): {}",
                            code.map_or_else(|| "unknown".into(), |c| c.to_string()),
                            last_error.as_deref().unwrap_or("no reason given")
                        )
                    })
                    .await;
                self.fail(bot_id, &reason);
                Err(LifecycleError::StartFailed(reason))
            }
            Err(_) => {
                let _ = self.inner.runtime.stop(&id, 2).await;
                let secs = cfg.ready_timeout.as_secs();
                let reason = self
                    .end_run(bot_id, &id, "failed", |_| {
                        format!("the bot did not report ready within {secs} s")
                    })
                    .await;
                self.fail(bot_id, &reason);
                Err(LifecycleError::StartFailed(reason))
            }
        }
    }

    fn fail(&self, bot_id: &str, reason: &str) {
        tracing::warn!(bot_id, reason, "bot failed");
        self.update(bot_id, |b| {
            b.view.state = BotState::Failed;
            b.view.reason = Some(reason.to_owned());
            b.view.container_id = None;
        });
    }

    async fn revoke(&self, accessor: &str) {
        if let Err(e) = self.inner.broker.revoke(accessor).await {
            // Short TTL and num_uses cover a missed revoke; say so loudly.
            tracing::error!(error = %e, "cannot revoke a bot token (it expires on its own)");
        }
    }

    /// Ends a run: exit code and last lines read, container removed, token revoked, run
    /// archived. Returns the reason built by `reason(exit_code)`.
    async fn end_run(
        &self,
        bot_id: &str,
        container_id: &str,
        outcome: &str,
        reason: impl FnOnce(Option<i64>) -> String,
    ) -> String {
        let rt = &self.inner.runtime;
        let info = rt.inspect(container_id).await.ok();
        let exit_code = info.as_ref().and_then(|i| i.exit_code);
        let oom = info.as_ref().is_some_and(|i| i.oom_killed);
        let last_logs = rt
            .tail_logs(container_id, ARCHIVED_LINES)
            .await
            .unwrap_or_default();
        let _ = rt.remove(container_id, true).await;
        let mut reason = reason(exit_code);
        if oom {
            reason.push_str(" (killed: out of memory)");
        }
        let Some((view, accessor)) =
            self.with_bots(|b| b.get(bot_id).map(|x| (x.view.clone(), x.accessor.clone())))
        else {
            return reason;
        };
        if let Some(accessor) = accessor {
            self.revoke(&accessor).await;
        }
        let run = Run {
            bot_id: bot_id.to_owned(),
            launch_id: view.launch_id.clone(),
            wallet: view.wallet.clone(),
            market: view.market.clone(),
            bot_type: view.bot_type.clone(),
            operator: view.operator.clone(),
            started_ms: view.started_ms,
            ended_ms: now_ms(),
            outcome: outcome.to_owned(),
            exit_code,
            reason: reason.clone(),
            final_pnl: view.pnl.clone(),
            last_logs,
        };
        if let Err(e) = self.inner.store.archive_run(&run).await {
            tracing::error!(error = %e, bot_id, "cannot archive a run");
        }
        reason
    }

    /// Follows a running bot's events into its live state and PnL history.
    fn spawn_watcher(&self, bot_id: String, launch_id: String, mut lines: LineStream) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut last_point = 0i64;
            while let Some(Ok(line)) = lines.next().await {
                let current = me.with_bots(|b| {
                    b.get(&bot_id)
                        .is_some_and(|x| x.view.launch_id == launch_id)
                });
                if !current {
                    return;
                }
                match parse_line(&line) {
                    Some(BotEvent::Status(v)) => {
                        let pnl = total_pnl(&v);
                        let position = v
                            .get("position")
                            .and_then(|p| p.as_str())
                            .map(str::to_owned);
                        me.update(&bot_id, |b| {
                            b.view.pnl.clone_from(&pnl);
                            b.view.last_status = Some(v);
                        });
                        let now = now_ms();
                        if let Some(pnl) = pnl {
                            if now - last_point >= 5_000 {
                                last_point = now;
                                let _ = me
                                    .inner
                                    .store
                                    .add_pnl_point(&bot_id, now, &pnl, position.as_deref())
                                    .await;
                            }
                        }
                    }
                    Some(BotEvent::Error { class, message }) => {
                        me.update(&bot_id, |b| {
                            b.view.reason = Some(format!("{class}: {message}"));
                        });
                    }
                    Some(BotEvent::Fill(v)) => me.update(&bot_id, |b| {
                        if b.fills.len() == KEPT_FILLS {
                            b.fills.pop_front();
                        }
                        b.fills.push_back(v);
                    }),
                    _ => {}
                }
            }
        });
    }

    /// Watches Docker events for crashes, for as long as the process runs; resubscribes when the
    /// proxy goes away and comes back.
    pub fn spawn_event_watch(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                let mut events = me.inner.runtime.events();
                while let Some(event) = events.next().await {
                    match event {
                        Ok(e) if e.action == "die" => me.on_die(&e.id).await,
                        Ok(_) => {}
                        Err(err) => {
                            tracing::warn!(error = %err, "Docker events interrupted");
                            break;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        })
    }

    /// A container died. If its bot was running (not being stopped or started), it crashed.
    async fn on_die(&self, container_id: &str) {
        let crashed = self.with_bots(|bots| {
            let bot = bots.values_mut().find(|b| {
                b.view.container_id.as_deref() == Some(container_id)
                    && b.view.state == BotState::Running
            })?;
            bot.view.state = BotState::Starting;
            bot.view.reason = Some("crashed; recording why".into());
            Some((bot.view.bot_id.clone(), bot.view.ready_ms))
        });
        let Some((bot_id, ready_ms)) = crashed else {
            return;
        };
        Counters::bump(&self.inner.counters.crashes);
        let reason = self
            .end_run(&bot_id, container_id, "crashed", |code| {
                format!(
                    "crashed with exit code {}",
                    code.map_or_else(|| "unknown".into(), |c| c.to_string())
                )
            })
            .await;
        let stable = ready_ms.is_some_and(|r| now_ms() - r >= STABLE_AFTER_MS);
        let cfg = &self.inner.cfg;
        let attempt = self.with_bots(|bots| {
            let b = bots.get_mut(&bot_id)?;
            b.view.restarts = if stable { 1 } else { b.view.restarts + 1 };
            b.view.container_id = None;
            Some(b.view.restarts)
        });
        let Some(attempt) = attempt else { return };
        if attempt > cfg.restart_max {
            self.fail(
                &bot_id,
                &format!(
                    "{reason}; gave up after {} restarts in a row",
                    cfg.restart_max
                ),
            );
            return;
        }
        let delay = cfg.restart_base * 2u32.saturating_pow(attempt - 1);
        self.update(&bot_id, |b| {
            b.view.reason = Some(format!(
                "{reason}; restart {attempt} of {} in {} ms",
                cfg.restart_max,
                delay.as_millis()
            ));
        });
        tracing::warn!(bot_id, attempt, delay_ms = delay.as_millis() as u64, %reason, "bot crashed; restarting");
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let still = me.with_bots(|b| {
                b.get(&bot_id)
                    .is_some_and(|x| x.view.state == BotState::Starting)
            });
            if still {
                let _ = me.launch(&bot_id).await;
            }
        });
    }

    /// SIGTERM (the bot cancels its orders), grace period, remove, revoke, archive.
    #[tracing::instrument(skip(self))]
    pub async fn stop(&self, bot_id: &str, operator: &str) -> Result<BotView, LifecycleError> {
        let container = self.with_bots(|bots| {
            let b = bots
                .get_mut(bot_id)
                .ok_or_else(|| LifecycleError::NotFound(format!("no bot {bot_id}")))?;
            match b.view.state {
                BotState::Running | BotState::Starting => {
                    b.view.state = BotState::Stopping;
                    b.view.reason = Some(format!("stopping (asked by {operator})"));
                    Ok(b.view.container_id.clone())
                }
                BotState::Stopping => Err(LifecycleError::Conflict(format!(
                    "bot {bot_id} is already stopping"
                ))),
                BotState::Stopped | BotState::Failed => Err(LifecycleError::Conflict(format!(
                    "bot {bot_id} is not running"
                ))),
            }
        })?;
        let reason = match container {
            Some(id) => {
                if let Err(e) = self
                    .inner
                    .runtime
                    .stop(&id, self.inner.cfg.stop_grace_secs)
                    .await
                {
                    self.update(bot_id, |b| {
                        b.view.state = BotState::Running;
                        b.view.reason = Some(format!("stop failed: {e}"));
                    });
                    return Err(LifecycleError::Docker(e.to_string()));
                }
                self.end_run(bot_id, &id, "stopped", |code| {
                    format!(
                        "stopped by {operator} (exit code {})",
                        code.map_or_else(|| "unknown".into(), |c| c.to_string())
                    )
                })
                .await
            }
            None => {
                // Between crash restarts: no container; cancel the pending restart.
                if let Some(acc) =
                    self.with_bots(|b| b.get(bot_id).and_then(|x| x.accessor.clone()))
                {
                    self.revoke(&acc).await;
                }
                format!("stopped by {operator} before it was running")
            }
        };
        self.update(bot_id, |b| {
            b.view.state = BotState::Stopped;
            b.view.reason = Some(reason);
            b.view.container_id = None;
        });
        self.get(bot_id)
            .ok_or_else(|| LifecycleError::NotFound(bot_id.into()))
    }

    /// Stops the bot if it runs, then starts it again with the same wallet, market and params.
    /// A stopped or failed bot is started again, unless its wallet is busy meanwhile.
    pub async fn restart(&self, bot_id: &str, operator: &str) -> Result<BotView, LifecycleError> {
        let state = self
            .get(bot_id)
            .ok_or_else(|| LifecycleError::NotFound(format!("no bot {bot_id}")))?
            .state;
        if matches!(state, BotState::Running | BotState::Starting) {
            self.stop(bot_id, operator).await?;
        } else if state == BotState::Stopping {
            return Err(LifecycleError::Conflict(format!(
                "bot {bot_id} is stopping; restart it once it has stopped"
            )));
        }
        self.with_bots(|bots| {
            let (wallet, shared) = {
                let b = bots
                    .get(bot_id)
                    .ok_or_else(|| LifecycleError::NotFound(format!("no bot {bot_id}")))?;
                (b.view.wallet.clone(), b.allow_shared)
            };
            if !shared {
                if let Some(other) = active_on_wallet(bots, &wallet, Some(bot_id)) {
                    return Err(LifecycleError::Conflict(format!(
                        "wallet {wallet} meanwhile runs bot {}: stop it first",
                        other.view.bot_id
                    )));
                }
            }
            if let Some(b) = bots.get_mut(bot_id) {
                b.view.state = BotState::Starting;
                b.view.restarts = 0;
                b.view.reason = Some(format!("restart asked by {operator}"));
            }
            Ok(())
        })?;
        self.launch(bot_id).await
    }

    /// Kill switch: stops every active bot concurrently and reports each result.
    pub async fn stop_all(&self, operator: &str) -> Vec<StopResult> {
        let ids: Vec<String> = self.with_bots(|b| {
            b.values()
                .filter(|x| matches!(x.view.state, BotState::Running | BotState::Starting))
                .map(|x| x.view.bot_id.clone())
                .collect()
        });
        let stops = ids.iter().map(|id| async move {
            let r = self.stop(id, operator).await;
            StopResult {
                bot_id: id.clone(),
                ok: r.is_ok(),
                message: match r {
                    Ok(v) => v.reason.unwrap_or_default(),
                    Err(e) => e.to_string(),
                },
            }
        });
        futures_util::future::join_all(stops).await
    }

    /// Restarts one wallet's running bots one at a time, each confirmed ready before the next
    /// (after a key rotation they load the new key version).
    pub async fn rolling_restart(&self, wallet: &WalletId, operator: &str) -> Vec<StopResult> {
        let mut ids: Vec<String> = self.with_bots(|b| {
            b.values()
                .filter(|x| x.view.wallet == wallet.as_str() && x.view.state == BotState::Running)
                .map(|x| x.view.bot_id.clone())
                .collect()
        });
        ids.sort();
        let mut results = Vec::new();
        for id in ids {
            let result = match self.stop(&id, operator).await {
                Err(e) => Err(e),
                Ok(_) => {
                    self.update(&id, |b| {
                        b.view.state = BotState::Starting;
                        b.view.restarts = 0;
                        b.view.reason = Some(format!("rolling restart by {operator}"));
                    });
                    self.launch(&id).await
                }
            };
            let ok = result.is_ok();
            results.push(StopResult {
                bot_id: id,
                ok,
                message: match result {
                    Ok(_) => "restarted and ready".into(),
                    Err(e) => e.to_string(),
                },
            });
            if !ok {
                // Stop here: the next bots keep running on the old key rather than all failing.
                break;
            }
        }
        results
    }

    /// Rebuilds state from the managed containers after a dashboard restart. Running bots are
    /// left alone (re-attached to); bots that ended while the dashboard was away are archived.
    pub async fn recover(&self) -> Result<usize, RuntimeError> {
        let containers = self.inner.runtime.list_managed().await?;
        let mut count = 0;
        for c in containers {
            let label = |k: &str| c.labels.get(&format!("{LABEL_PREFIX}{k}")).cloned();
            if label("stack").as_deref() != Some(self.inner.cfg.stack.as_str()) {
                continue;
            }
            let (Some(bot_id), Some(launch_id)) = (label("bot-id"), label("launch-id")) else {
                continue;
            };
            if self.with_bots(|b| b.contains_key(&bot_id)) {
                continue;
            }
            let launch = self.inner.store.launch(&launch_id).await.ok().flatten();
            let tail = self
                .inner
                .runtime
                .tail_logs(&c.id, 50)
                .await
                .unwrap_or_default();
            let last_status = tail.iter().rev().find_map(|l| match parse_line(l) {
                Some(BotEvent::Status(v)) => Some(v),
                _ => None,
            });
            let running = c.state == "running";
            let view = BotView {
                bot_id: bot_id.clone(),
                wallet: label("wallet").unwrap_or_default(),
                market: label("market").unwrap_or_default(),
                bot_type: label("type").unwrap_or_default(),
                operator: label("operator").unwrap_or_default(),
                launch_id: launch_id.clone(),
                state: BotState::Running,
                reason: None,
                started_ms: launch.as_ref().map_or(0, |l| l.created_ms),
                ready_ms: None,
                restarts: 0,
                pnl: last_status.as_ref().and_then(total_pnl),
                last_status,
                container_id: Some(c.id.clone()),
            };
            self.with_bots(|b| {
                b.insert(
                    bot_id.clone(),
                    Bot {
                        view,
                        params: launch
                            .as_ref()
                            .and_then(|l| serde_json::from_str(&l.params).ok())
                            .unwrap_or_else(|| json!({})),
                        allow_shared: launch.as_ref().is_some_and(|l| l.allow_shared),
                        accessor: launch.as_ref().map(|l| l.accessor.clone()),
                        fills: VecDeque::new(),
                    },
                );
            });
            if running {
                let lines = self.inner.runtime.follow_stdout(&c.id, false);
                self.spawn_watcher(bot_id.clone(), launch_id, lines);
            } else {
                let reason = self
                    .end_run(&bot_id, &c.id, "crashed", |code| {
                        format!(
                            "exited while the dashboard was down (exit code {})",
                            code.map_or_else(|| "unknown".into(), |c| c.to_string())
                        )
                    })
                    .await;
                self.fail(&bot_id, &reason);
            }
            count += 1;
        }
        Ok(count)
    }
}

/// A bot other than `except` that holds `wallet` (starting, running or stopping).
fn active_on_wallet<'a>(
    bots: &'a HashMap<String, Bot>,
    wallet: &str,
    except: Option<&str>,
) -> Option<&'a Bot> {
    bots.values().find(|b| {
        b.view.wallet == wallet
            && b.view.state.is_active()
            && except != Some(b.view.bot_id.as_str())
    })
}

/// Reads stdout until `ready` (Ok) or the end of the stream (Err with the last error event).
async fn wait_ready(lines: &mut LineStream) -> Result<(), Option<String>> {
    let mut last_error = None;
    while let Some(line) = lines.next().await {
        let Ok(line) = line else { break };
        match parse_line(&line) {
            Some(BotEvent::Ready) => return Ok(()),
            Some(BotEvent::Error { message, .. }) => last_error = Some(message),
            _ => {}
        }
    }
    Err(last_error)
}

/// A Vault failure for operators: class only, never Vault's body.
fn vault_reason(e: &VaultError) -> String {
    match e {
        VaultError::Unreachable { .. } => "Vault is unreachable".into(),
        VaultError::Denied { .. }
        | VaultError::Rejected {
            status: 401 | 403, ..
        } => "the dashboard's Vault session was refused".into(),
        VaultError::Rejected { status, .. } | VaultError::Unexpected { status, .. } => {
            format!("Vault answered {status}")
        }
        VaultError::Config(_) => "the dashboard's Vault configuration is wrong".into(),
    }
}

#[cfg(test)]
mod tests;
