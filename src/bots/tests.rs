//! The manager against fakes: the paths the real-Docker tests cannot drive to the end quickly
//! (a bot that crashes for ever; a bot that exits during start-up). The fakes record what the
//! manager asked for, so the tests count tokens issued and revoked.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use futures_util::stream;
use tokio::sync::broadcast;

use std::collections::HashMap;
use std::time::Duration;

use secrecy::SecretString;

use super::*;
use crate::domain::{BotId, LaunchId, WalletId};
use crate::runtime::{
    ContainerEvent, ContainerInfo, ContainerRuntime, ContainerSpec, EventStream, LineStream,
    RuntimeError,
};
use crate::store::Store;
use crate::vault::wallets::WalletInfo;
use crate::vault::{IssuedToken, SecretsBroker, TokenRequest, VaultError};

/// A container engine where every container says `ready` at once, then dies on demand.
struct FakeRuntime {
    created: AtomicUsize,
    removed: Mutex<Vec<String>>,
    events: broadcast::Sender<ContainerEvent>,
    /// Lines a new container prints (default: ready).
    first_lines: Vec<String>,
    /// The spec (JSON) of every container created.
    specs: Mutex<Vec<String>>,
    /// How long `stop` takes (a live bot cancels its orders on chain first).
    stop_delay: Mutex<Duration>,
    /// What `list_managed` answers.
    listed: Mutex<Vec<ContainerInfo>>,
    /// What `tail_logs` answers (default: one line of a panic).
    tail: Mutex<Option<Vec<String>>>,
}

impl FakeRuntime {
    fn new(first_lines: &[&str]) -> Self {
        Self {
            created: AtomicUsize::new(0),
            removed: Mutex::new(Vec::new()),
            events: broadcast::channel(64).0,
            first_lines: first_lines.iter().map(|s| (*s).to_owned()).collect(),
            specs: Mutex::new(Vec::new()),
            stop_delay: Mutex::new(Duration::ZERO),
            listed: Mutex::new(Vec::new()),
            tail: Mutex::new(None),
        }
    }
}

impl ContainerRuntime for FakeRuntime {
    async fn ping(&self) -> Result<(), RuntimeError> {
        Ok(())
    }
    async fn create_and_start(&self, c: ContainerSpec) -> Result<String, RuntimeError> {
        use secrecy::ExposeSecret;
        let spec = c
            .env
            .iter()
            .find(|(k, _)| k == tradebot_contract::spec::SPEC_ENV);
        if let Some((_, v)) = spec {
            self.specs
                .lock()
                .unwrap()
                .push(v.expose_secret().to_owned());
        }
        let n = self.created.fetch_add(1, Ordering::SeqCst);
        Ok(format!("c{n}"))
    }
    async fn stop(&self, _: &str, _: i64) -> Result<(), RuntimeError> {
        let delay = *self.stop_delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        Ok(())
    }
    async fn remove(&self, id: &str, _: bool) -> Result<(), RuntimeError> {
        self.removed.lock().unwrap().push(id.to_owned());
        Ok(())
    }
    async fn inspect(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        Ok(ContainerInfo {
            id: id.to_owned(),
            name: id.to_owned(),
            labels: HashMap::new(),
            state: "exited".into(),
            exit_code: Some(101),
            oom_killed: false,
        })
    }
    async fn list_managed(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        Ok(self.listed.lock().unwrap().clone())
    }
    async fn tail_logs(&self, _: &str, _: usize) -> Result<Vec<String>, RuntimeError> {
        let tail = self.tail.lock().unwrap().clone();
        Ok(tail.unwrap_or_else(|| vec!["panicked at the disco".into()]))
    }
    fn follow_stdout(&self, _: &str, _: bool) -> LineStream {
        Box::pin(stream::iter(self.first_lines.clone().into_iter().map(Ok)))
    }
    fn follow_logs(&self, id: &str, _: usize) -> LineStream {
        self.follow_stdout(id, true)
    }
    fn events(&self) -> EventStream {
        let rx = self.events.subscribe();
        Box::pin(stream::unfold(rx, |mut rx| async move {
            rx.recv().await.ok().map(|e| (Ok(e), rx))
        }))
    }
}

struct FakeBroker {
    issued: AtomicUsize,
    revoked: Mutex<Vec<String>>,
    /// Vault reads of wallet metadata: one per wallet read.
    wallet_reads: AtomicUsize,
    wallets: Vec<WalletInfo>,
    keys: Vec<crate::vault::bot_keys::BotKeyInfo>,
    /// The market key of every token request.
    market_keys: Mutex<Vec<Option<String>>>,
}

impl Default for FakeBroker {
    fn default() -> Self {
        Self {
            issued: AtomicUsize::new(0),
            revoked: Mutex::new(Vec::new()),
            wallet_reads: AtomicUsize::new(0),
            wallets: Self::all_wallets(),
            keys: Vec::new(),
            market_keys: Mutex::new(Vec::new()),
        }
    }
}

impl FakeBroker {
    fn all_wallets() -> Vec<WalletInfo> {
        vec![WalletInfo {
            id: WalletId::parse("w1").unwrap(),
            address: "0x00".into(),
            label: "w1".into(),
            allowed_markets: MARKETS.map(str::to_owned).to_vec(),
            mode: crate::vault::wallets::WalletMode::Paper,
            network: None,
            current_version: 1,
            oldest_version: 1,
            created_time: String::new(),
            updated_time: String::new(),
            live_versions: vec![1],
        }]
    }
}

impl SecretsBroker for FakeBroker {
    async fn issue_bot_token(&self, req: &TokenRequest<'_>) -> Result<IssuedToken, VaultError> {
        let key = req.market_key.map(|m| m.as_str().to_owned());
        self.market_keys.lock().unwrap().push(key);
        let n = self.issued.fetch_add(1, Ordering::SeqCst);
        Ok(IssuedToken {
            wrapping_token: SecretString::from(format!("wrap-{n}")),
            wrapped_accessor: format!("acc-{n}"),
            wrap_ttl: Duration::from_secs(60),
        })
    }
    async fn revoke(&self, accessor: &str) -> Result<(), VaultError> {
        self.revoked.lock().unwrap().push(accessor.to_owned());
        Ok(())
    }
    async fn wallet(&self, id: &WalletId) -> Result<Option<WalletInfo>, VaultError> {
        self.wallet_reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.wallets.iter().find(|w| &w.id == id).cloned())
    }
    async fn list_wallets(&self) -> Result<Vec<WalletInfo>, VaultError> {
        let all = self.wallets.clone();
        self.wallet_reads.fetch_add(all.len(), Ordering::SeqCst);
        Ok(all)
    }
    async fn bot_key(
        &self,
        wallet: &WalletId,
        market: &crate::domain::MarketId,
    ) -> Result<Option<crate::vault::bot_keys::BotKeyInfo>, VaultError> {
        Ok(self
            .keys
            .iter()
            .find(|k| &k.wallet == wallet && &k.market == market)
            .cloned())
    }
    async fn bot_keys(
        &self,
        _: &WalletId,
    ) -> Result<Vec<crate::vault::bot_keys::BotKeyInfo>, VaultError> {
        Ok(Vec::new())
    }
}

const READY: &str = r#"{"v":1,"event":"ready","bot_id":"x"}"#;

/// The markets the fake world knows.
const MARKETS: [&str; 3] = ["INJ/USDT", "TIA/USDT", "INJ/USDT-PERP"];

fn config() -> ManagerConfig {
    ManagerConfig {
        stack: "t".into(),
        image: "img".into(),
        network: "net".into(),
        vault_address: "https://vault".into(),
        vault_ca_pem: None,
        kv_mount: "wallets".into(),
        markets: vec!["INJ/USDT".into()],
        status_interval_secs: 1,
        ready_timeout: Duration::from_secs(5),
        stop_grace_secs: 1,
        restart_max: 3,
        restart_base: Duration::from_millis(10),
        memory_bytes: 1,
        nano_cpus: 1,
        pids_limit: 1,
        logs: crate::runtime::LogLimits::new("10m", 3).unwrap(),
        networks: Default::default(),
        max_bots: 2,
    }
}

fn request() -> StartRequest {
    let form = crate::bots::StartForm {
        wallet: "w1".into(),
        market: "INJ/USDT".into(),
        bot_type: "grid".into(),
        params: serde_json::json!({}),
        preset: None,
    };
    StartRequest::parse(form, &["INJ/USDT".into()]).unwrap()
}

async fn manager(lines: &[&str]) -> BotManager<FakeRuntime, FakeBroker> {
    let store = Store::memory().await.unwrap();
    BotManager::new(
        FakeRuntime::new(lines),
        FakeBroker::default(),
        store,
        config(),
    )
}

#[tokio::test]
async fn a_crash_looping_bot_ends_failed_after_its_restart_budget_without_a_token_storm() {
    let m = manager(&[READY]).await;
    drop(m.spawn_event_watch());
    let bot = m.start(request(), "alice").await.unwrap();
    let die = |id: &str| ContainerEvent {
        id: id.to_owned(),
        action: "die".into(),
        labels: HashMap::new(),
        exit_code: Some(101),
    };
    // Crash every container as soon as it runs: the first, then each restart.
    for _ in 0..200 {
        let view = m.get(&bot.bot_id).unwrap();
        if view.state == BotState::Failed {
            break;
        }
        if let (BotState::Running, Some(c)) = (view.state, view.container_id.as_deref()) {
            let _ = m.inner.runtime.events.send(die(c));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let view = m.get(&bot.bot_id).unwrap();
    assert_eq!(view.state, BotState::Failed, "{view:?}");
    let reason = view.reason.unwrap();
    assert!(reason.contains("gave up after 3 restarts"), "{reason}");
    assert!(reason.contains("exit code 101"), "{reason}");
    // One start + 3 restarts: 4 tokens, each revoked; no more.
    assert_eq!(m.inner.broker.issued.load(Ordering::SeqCst), 4);
    assert_eq!(m.inner.broker.revoked.lock().unwrap().len(), 4);
    assert_eq!(m.counters().crashes.load(Ordering::Relaxed), 4);
    let runs = m.store().runs(&bot.bot_id, 10).await.unwrap();
    assert_eq!(runs.len(), 4);
    assert!(runs
        .iter()
        .all(|r| r.outcome == "crashed" && r.last_logs == ["panicked at the disco"]));
    // The wallet is free again: a failed bot does not hold it.
    assert!(m.begin(request(), "alice").await.is_ok());
}

#[tokio::test]
async fn a_run_that_crashes_before_its_first_status_archives_no_pnl_of_the_run_before() {
    let m = manager(&[READY]).await;
    drop(m.spawn_event_watch());
    let bot = m.start(request(), "alice").await.unwrap();
    let id = BotId::parse(&bot.bot_id).unwrap();
    // The first run reports a PnL of 5, then dies.
    m.registry().update(&id, |b| {
        b.last_status = Some(
            serde_json::json!({"ts_ms": b.started_ms, "realized_pnl": "5", "unrealized_pnl": "0"}),
        );
        b.pnl = Some("5".into());
    });
    let die = |c: &str| ContainerEvent {
        id: c.to_owned(),
        action: "die".into(),
        labels: HashMap::new(),
        exit_code: Some(101),
    };
    let first = bot.container_id.clone().unwrap();
    m.inner.runtime.events.send(die(&first)).unwrap();
    // The relaunched run dies before it sent any status.
    let mut runs = Vec::new();
    for _ in 0..300 {
        let v = m.get(&bot.bot_id).unwrap();
        if let (BotState::Running, Some(c)) = (v.state, v.container_id.as_deref()) {
            if c != first && runs.is_empty() {
                m.inner.runtime.events.send(die(c)).unwrap();
                runs.push(c.to_owned());
            }
        }
        if m.store().runs(&bot.bot_id, 10).await.unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let archived = m.store().runs(&bot.bot_id, 10).await.unwrap();
    let finals: Vec<_> = archived.iter().map(|r| r.final_pnl.clone()).collect();
    // Newest first: the second run has no PnL of its own; the first keeps its 5.
    assert_eq!(finals, [None, Some("5".to_owned())], "{archived:?}");
}

#[tokio::test]
async fn a_bot_that_exits_during_start_up_fails_with_its_reason_and_leaves_nothing() {
    let m = manager(&[r#"{"v":1,"event":"error","class":"tampering","message":"the wrapping token was already used"}"#]).await;
    let err = m.start(request(), "alice").await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("exited during start-up (exit code 101)"),
        "{text}"
    );
    assert!(
        text.contains("the wrapping token was already used"),
        "{text}"
    );
    assert_eq!(
        m.inner
            .runtime
            .removed
            .lock()
            .unwrap()
            .last()
            .map(String::as_str),
        Some("c0")
    );
    assert_eq!(
        *m.inner.broker.revoked.lock().unwrap(),
        vec!["acc-0".to_owned()]
    );
    assert_eq!(m.list()[0].state, BotState::Failed);
}

#[tokio::test]
async fn a_start_beyond_the_bots_address_range_is_refused_before_any_token_is_issued() {
    let m = manager(&[READY]).await;
    let on = |market: &str| {
        let form = crate::bots::StartForm {
            wallet: "w1".into(),
            market: market.into(),
            bot_type: "grid".into(),
            params: serde_json::json!({}),
            preset: None,
        };
        StartRequest::parse(form, &MARKETS.map(str::to_owned)).unwrap()
    };
    // One wallet, one bot per market: as many as the range holds.
    for market in &MARKETS[..config().max_bots] {
        m.start(on(market), "alice").await.unwrap();
    }
    let err = m.start(on(MARKETS[2]), "alice").await.unwrap_err();
    assert!(matches!(err, LifecycleError::Full(_)), "{err}");
    assert!(err.to_string().contains("BOTS_IP_RANGE"), "{err}");
    assert_eq!(m.inner.broker.issued.load(Ordering::SeqCst), 2);
    assert_eq!(m.list().len(), 2, "the refused start left no bot behind");
}

#[tokio::test]
async fn a_busy_wallet_market_is_refused_before_any_token_is_issued() {
    let m = manager(&[READY]).await;
    m.start(request(), "alice").await.unwrap();
    let err = m.start(request(), "bob").await.unwrap_err();
    assert!(matches!(err, LifecycleError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains("one bot per wallet and market"),
        "{err}"
    );
    assert_eq!(m.inner.broker.issued.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_start_reads_one_wallet_and_the_launch_reports_what_the_audit_records() {
    let m = manager(&[READY]).await;
    let bot_id = m.begin(request(), "alice").await.unwrap();
    assert_eq!(m.inner.broker.wallet_reads.load(Ordering::SeqCst), 1);
    let report = m.launch(&bot_id).await;
    let view = report.result.unwrap();
    assert_eq!(report.bot_id, bot_id);
    assert_eq!(report.accessor.as_deref(), Some("acc-0"));
    assert_eq!(
        report.launch_id.as_ref().map(LaunchId::as_str),
        Some(view.launch_id.as_str())
    );
    assert_eq!(m.accessor(bot_id.as_str()).as_deref(), Some("acc-0"));
    // A wallet Vault does not know is refused before anything is reserved.
    let mut other = request();
    other.wallet = WalletId::parse("w2").unwrap();
    let err = m.begin(other, "alice").await.unwrap_err();
    assert!(matches!(err, LifecycleError::NotFound(_)), "{err}");
    assert_eq!(m.list().len(), 1);
}

#[tokio::test]
async fn a_failed_launch_still_reports_the_token_it_revoked() {
    let m = manager(&[r#"{"v":1,"event":"error","class":"config","message":"bad"}"#]).await;
    let bot_id = m.begin(request(), "alice").await.unwrap();
    let report = m.launch(&bot_id).await;
    assert!(matches!(report.result, Err(LifecycleError::StartFailed(_))));
    assert_eq!(report.accessor.as_deref(), Some("acc-0"));
    assert!(report.launch_id.is_some());
    assert_eq!(
        *m.inner.broker.revoked.lock().unwrap(),
        vec!["acc-0".to_owned()]
    );
}

mod fills;
mod live;

#[tokio::test]
async fn each_use_of_the_kill_switch_is_counted_once_and_a_single_stop_is_not() {
    let m = manager(&[READY]).await;
    let bot = m.start(request(), "alice").await.unwrap();
    let uses = || m.counters().kill_switches.load(Ordering::Relaxed);
    m.stop(bot.bot_id.as_str(), "alice").await.unwrap();
    assert_eq!(uses(), 0);
    // With nothing running it is still a use (an admin pressed it).
    assert!(m.stop_all("root").await.is_empty());
    assert_eq!(uses(), 1);
    m.start(request(), "alice").await.unwrap();
    assert_eq!(m.stop_all("root").await.len(), 1);
    assert_eq!(uses(), 2);
}

#[tokio::test]
async fn a_stop_whose_caller_goes_away_still_ends_the_bot() {
    let m = manager(&[READY]).await;
    let bot = m.start(request(), "alice").await.unwrap();
    *m.inner.runtime.stop_delay.lock().unwrap() = Duration::from_millis(300);
    let removed = m.inner.runtime.removed.lock().unwrap().len();
    // The caller gives up while the engine is still stopping the bot (a browser reloading the
    // page drops the request's future).
    let stop = m.stop(bot.bot_id.as_str(), "alice");
    assert!(tokio::time::timeout(Duration::from_millis(50), stop)
        .await
        .is_err());
    assert_eq!(
        m.get(bot.bot_id.as_str()).unwrap().state,
        BotState::Stopping
    );
    // The stop runs to its end anyway: stopped, with its reason, the container removed.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let view = loop {
        let v = m.get(bot.bot_id.as_str()).unwrap();
        if v.state != BotState::Stopping || std::time::Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(view.state, BotState::Stopped, "{view:?}");
    assert!(view.reason.unwrap_or_default().contains("stopped by alice"));
    assert_eq!(m.inner.runtime.removed.lock().unwrap().len(), removed + 1);
}

#[tokio::test]
async fn a_container_its_stopped_bot_left_behind_is_removed_and_its_token_revoked() {
    let m = manager(&[READY]).await;
    let bot = m.start(request(), "alice").await.unwrap();
    let id = BotId::parse(&bot.bot_id).unwrap();
    let who = m.registry().read(&id, |b| b.who.clone()).unwrap();
    let launch = LaunchId::parse(&bot.launch_id).unwrap();
    m.stop(&bot.bot_id, "bob").await.unwrap();
    // The stop's removal did not reach the engine: the container is still listed.
    let stray = |id: &str| ContainerInfo {
        id: id.into(),
        name: id.into(),
        labels: super::plan::Labels::of(&who, &launch, "t"),
        state: "exited".into(),
        exit_code: Some(0),
        oom_killed: false,
    };
    m.inner.runtime.listed.lock().unwrap().push(stray("c0"));
    let revoked_before = m.inner.broker.revoked.lock().unwrap().len();
    let removed_before = m.inner.runtime.removed.lock().unwrap().len();
    assert_eq!(m.reconcile(Seen::AfterGap).await.unwrap(), 0);
    let removed = m.inner.runtime.removed.lock().unwrap().clone();
    assert_eq!(removed.len(), removed_before + 1, "{removed:?}");
    assert_eq!(removed.last().map(String::as_str), Some("c0"));
    let revoked = m.inner.broker.revoked.lock().unwrap().clone();
    assert_eq!(revoked.len(), revoked_before + 1);
    assert_eq!(revoked.last().map(String::as_str), Some("acc-0"));
    assert_eq!(m.get(&bot.bot_id).unwrap().state, BotState::Stopped);

    // The current container of a running bot is left alone.
    let again = m.restart(&bot.bot_id, "bob").await.unwrap();
    let launch = LaunchId::parse(&again.launch_id).unwrap();
    let current = ContainerInfo {
        state: "running".into(),
        labels: super::plan::Labels::of(&who, &launch, "t"),
        ..stray(again.container_id.as_deref().unwrap())
    };
    *m.inner.runtime.listed.lock().unwrap() = vec![current];
    let removed = m.inner.runtime.removed.lock().unwrap().len();
    m.reconcile(Seen::AfterGap).await.unwrap();
    assert_eq!(m.inner.runtime.removed.lock().unwrap().len(), removed);
    assert_eq!(m.get(&bot.bot_id).unwrap().state, BotState::Running);
}
