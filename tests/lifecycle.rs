//! The bot lifecycle against real parts: OpenBao (`bao server -dev`), the real socket proxy
//! (in-process) and the real Docker engine, with the real `tradebot-bot` binary in a scratch
//! image. Each test has its own Vault, bots network and wallet names, so they run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

mod common;
// Not part of `common`: the bot crate's tests share `common` but not the proxy dependency.
#[path = "common/docker.rs"]
mod docker_harness;

use std::time::Duration;

use common::Bao;
use docker_harness::{bot_image, docker, start_proxy, Proxy, TestNetwork};
use tradebot::bots::{
    BotManager, BotState, LifecycleError, ManagerConfig, StartForm, StartRequest,
};
use tradebot::domain::WalletId;
use tradebot::runtime::DockerRuntime;
use tradebot::store::Store;
use tradebot::vault::{bootstrap, connect_dashboard, BootstrapOptions, TokenLimits, VaultBroker};

type Manager = BotManager<DockerRuntime, VaultBroker>;

const MARKETS: &[&str] = &["INJ/USDT", "TIA/USDT", "INJ/USDT-PERP"];

struct World {
    bao: Bao,
    net: TestNetwork,
    proxy: Proxy,
    broker: VaultBroker,
    store: Store,
    cfg: ManagerConfig,
    _approle: tempfile::TempDir,
}

/// Vault bootstrapped with tokens bound to a fresh bots network, `wallets` created, the proxy
/// in front of the engine. `tag` keeps names apart between tests.
async fn world(tag: &str, wallet_names: &[&str]) -> World {
    let image = tokio::task::spawn_blocking(bot_image).await.unwrap();
    // Bots reach Vault through their network's gateway, so it listens on every interface.
    let bao = Bao::start_on("0.0.0.0");
    let net = TestNetwork::create(tag, &format!("tradebot-bot-{tag}"));
    let mut settings = bao.settings();
    settings.vault.bots_subnet = net.subnet.clone();
    let approle = tempfile::tempdir().unwrap();
    let opts = BootstrapOptions {
        approle_dir: Some(approle.path().to_owned()),
        ..BootstrapOptions::default()
    };
    bootstrap(&settings, &opts).await.unwrap();
    let admin = tradebot::vault::VaultClient::new(
        &settings.vault.address,
        None,
        Some(settings.vault.token.clone().unwrap()),
    )
    .unwrap();
    for name in wallet_names {
        common::add_wallet(&admin, &settings.vault.kv_mount, name, MARKETS).await;
    }
    let mut dash = settings.vault.clone();
    dash.role_id_file = Some(approle.path().join("role_id"));
    dash.secret_id_file = Some(approle.path().join("secret_id"));
    let session = connect_dashboard(&dash).await.unwrap();
    let broker = VaultBroker::new(session, &settings.vault.kv_mount, TokenLimits::default());
    let proxy = start_proxy(&image, &net.name, &format!("test-{tag}")).await;
    let cfg = ManagerConfig {
        stack: format!("test-{tag}"),
        image,
        network: net.name.clone(),
        vault_address: format!("http://{}:{}", net.gateway, bao.port),
        vault_ca_pem: None,
        kv_mount: settings.vault.kv_mount.clone(),
        markets: MARKETS.iter().map(|m| (*m).to_owned()).collect(),
        status_interval_secs: 1,
        ready_timeout: Duration::from_secs(30),
        stop_grace_secs: 5,
        restart_max: 3,
        restart_base: Duration::from_millis(300),
        max_bots: settings.vault.bots_capacity(),
        memory_bytes: 64 << 20,
        nano_cpus: 250_000_000,
        pids_limit: 64,
    };
    World {
        bao,
        net,
        proxy,
        broker,
        store: Store::memory().await.unwrap(),
        cfg,
        _approle: approle,
    }
}

impl World {
    fn manager(&self) -> Manager {
        let runtime = DockerRuntime::connect(&self.proxy.url, &self.proxy.token).unwrap();
        BotManager::new(
            runtime,
            self.broker.clone(),
            self.store.clone(),
            self.cfg.clone(),
        )
    }
}

fn request(wallet: &str, market: &str, shared: bool) -> StartRequest {
    let form = StartForm {
        wallet: wallet.into(),
        market: market.into(),
        bot_type: "market_maker".into(),
        params: serde_json::json!({}),
        allow_shared_wallet: shared,
    };
    StartRequest::parse(
        form,
        &MARKETS.iter().map(|m| (*m).to_owned()).collect::<Vec<_>>(),
    )
    .unwrap()
}

fn container_exists(id: &str) -> bool {
    docker(&["inspect", "-f", "{{.Id}}", id]).0
}

fn started_at(id: &str) -> String {
    docker(&["inspect", "-f", "{{.State.StartedAt}}", id]).1
}

async fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_ready_stop_removed_and_token_revoked() {
    let w = world("lc1", &["lc1-alpha"]).await;
    let m = w.manager();
    let bot = m
        .start(request("lc1-alpha", "INJ/USDT", false), "alice")
        .await
        .unwrap();
    assert_eq!(bot.state, BotState::Running);
    let id = bot.container_id.clone().unwrap();
    assert!(container_exists(&id));
    let labels = docker(&["inspect", "-f", "{{json .Config.Labels}}", &id]).1;
    for want in [
        "\"io.tradebot.managed\":\"true\"",
        "\"io.tradebot.wallet\":\"lc1-alpha\"",
        "\"io.tradebot.operator\":\"alice\"",
        "\"io.tradebot.market\":\"INJ/USDT\"",
    ] {
        assert!(labels.contains(want), "{want} missing from {labels}");
    }
    let launch = w.store.launch(&bot.launch_id).await.unwrap().unwrap();
    assert!(!launch.accessor.is_empty());

    let stopped = m.stop(&bot.bot_id, "bob").await.unwrap();
    assert_eq!(stopped.state, BotState::Stopped);
    assert!(
        !container_exists(&id),
        "the container is removed after stop"
    );
    assert!(
        !w.broker.accessor_alive(&launch.accessor).await.unwrap(),
        "the bot's token is revoked"
    );
    let runs = w.store.runs(&bot.bot_id, 5).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, "stopped");
    assert_eq!(runs[0].exit_code, Some(0), "{runs:?}");
    assert!(
        runs[0].reason.contains("stopped by bob"),
        "{}",
        runs[0].reason
    );
    assert!(
        runs[0].last_logs.iter().any(|l| l.contains("\"stopped\"")),
        "the archived logs end with the bot's stopped event: {:?}",
        runs[0].last_logs
    );
    // A second stop is refused with a reason, not an error from the engine.
    let again = m.stop(&bot.bot_id, "bob").await.unwrap_err();
    assert!(matches!(again, LifecycleError::Conflict(_)), "{again}");
    drop(w.bao);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_bot_is_recorded_and_restarted_while_the_others_keep_running() {
    let names = ["lc2-a", "lc2-b", "lc2-c"];
    let w = world("lc2", &names).await;
    let m = w.manager();
    drop(m.spawn_event_watch());
    let mut bots = Vec::new();
    for n in names {
        bots.push(
            m.start(request(n, "TIA/USDT", false), "alice")
                .await
                .unwrap(),
        );
    }
    let victim = &bots[1];
    let victim_container = victim.container_id.clone().unwrap();
    let others: Vec<(String, String)> = [&bots[0], &bots[2]]
        .iter()
        .map(|b| {
            let c = b.container_id.clone().unwrap();
            let t = started_at(&c);
            (c, t)
        })
        .collect();
    assert!(docker(&["kill", &victim_container]).0);

    // The crash is archived with its reason, then the backoff starts a new container.
    let store = w.store.clone();
    let bot_id = victim.bot_id.clone();
    let mut archived = Vec::new();
    for _ in 0..100 {
        archived = store.runs(&bot_id, 5).await.unwrap();
        if !archived.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(archived[0].outcome, "crashed");
    assert!(
        archived[0].reason.contains("exit code 137"),
        "{}",
        archived[0].reason
    );
    wait_until("the crashed bot to run again", 40, || {
        m.get(&bot_id).is_some_and(|b| {
            b.state == BotState::Running && b.container_id.as_deref() != Some(&victim_container)
        })
    })
    .await;
    let again = m.get(&bot_id).unwrap();
    assert_eq!(again.restarts, 1);
    for (c, t) in others {
        assert_eq!(started_at(&c), t, "another bot was touched");
        assert_eq!(
            docker(&["inspect", "-f", "{{.State.Running}}", &c])
                .1
                .trim(),
            "true"
        );
    }
    let results = m.stop_all("admin").await;
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r.ok), "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_dashboard_recovers_the_same_bots_without_touching_them() {
    let names = ["lc3-a", "lc3-b"];
    let w = world("lc3", &names).await;
    let first = w.manager();
    let mut before = Vec::new();
    for n in names {
        let b = first
            .start(request(n, "INJ/USDT", false), "alice")
            .await
            .unwrap();
        let c = b.container_id.clone().unwrap();
        before.push((b.bot_id, c.clone(), started_at(&c)));
    }
    // A new manager on the same database, as after a dashboard restart.
    drop(first);
    let second = w.manager();
    assert_eq!(second.recover().await.unwrap(), 2);
    for (bot_id, container, t) in &before {
        let b = second.get(bot_id).expect("recovered");
        assert_eq!(b.state, BotState::Running);
        assert_eq!(b.container_id.as_deref(), Some(container.as_str()));
        assert_eq!(b.wallet, bot_id.rsplit_once('-').unwrap().0);
        assert_eq!(&started_at(container), t, "recovery must not restart bots");
    }
    // Rolling restart of one wallet: its bot comes back on a new container, ready.
    let (bot_id, container, _) = &before[0];
    let wallet = WalletId::parse(&second.get(bot_id).unwrap().wallet).unwrap();
    let results = second.rolling_restart(&wallet, "devops").await;
    assert_eq!(results.len(), 1);
    assert!(results[0].ok, "{results:?}");
    let b = second.get(bot_id).unwrap();
    assert_eq!(b.state, BotState::Running);
    assert_ne!(b.container_id.as_deref(), Some(container.as_str()));
    let stops = second.stop_all("admin").await;
    assert!(stops.iter().all(|r| r.ok), "{stops:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vault_or_proxy_down_at_start_leaves_nothing_behind() {
    let w = world("lc4", &["lc4-a"]).await;
    // Proxy down: the engine is unreachable, the token issued for the attempt is revoked.
    let dead = DockerRuntime::connect("http://127.0.0.1:9", &w.proxy.token).unwrap();
    let m = BotManager::new(dead, w.broker.clone(), w.store.clone(), w.cfg.clone());
    assert!(m.docker_health().await.is_err());
    let err = m
        .start(request("lc4-a", "INJ/USDT", false), "alice")
        .await
        .unwrap_err();
    assert!(matches!(err, LifecycleError::Docker(_)), "{err}");
    assert!(
        err.to_string().contains("socket proxy is unreachable"),
        "{err}"
    );
    assert!(w.net.our_containers().is_empty());
    let bot = &m.list()[0];
    assert_eq!(bot.state, BotState::Failed);
    let launch = w.store.launch(&bot.launch_id).await.unwrap().unwrap();
    assert!(!w.broker.accessor_alive(&launch.accessor).await.unwrap());

    // Vault down: a clear error, no container.
    let m = w.manager();
    let World { bao, net, .. } = w;
    drop(bao);
    let err = m
        .start(request("lc4-a", "INJ/USDT", false), "alice")
        .await
        .unwrap_err();
    assert!(matches!(err, LifecycleError::Vault(_)), "{err}");
    assert_eq!(
        err.to_string(),
        "Vault is unavailable: Vault is unreachable"
    );
    assert!(net.our_containers().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_starts_succeed_and_a_busy_wallet_is_refused() {
    let names: Vec<String> = (0..10).map(|i| format!("lc5-w{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let w = world("lc5", &refs).await;
    let m = w.manager();
    let starts = names.iter().map(|n| {
        let m = m.clone();
        let n = n.clone();
        tokio::spawn(async move { m.start(request(&n, "INJ/USDT", false), "alice").await })
    });
    let results = futures_util::future::join_all(starts).await;
    for r in &results {
        let r = r.as_ref().unwrap();
        assert!(r.is_ok(), "{:?}", r.as_ref().err().map(ToString::to_string));
    }
    assert_eq!(
        m.list()
            .iter()
            .filter(|b| b.state == BotState::Running)
            .count(),
        10
    );
    let err = m
        .start(request("lc5-w0", "TIA/USDT", false), "bob")
        .await
        .unwrap_err();
    assert!(matches!(err, LifecycleError::Conflict(_)));
    assert!(
        err.to_string().contains("already runs bot") && err.to_string().contains("sequence"),
        "{err}"
    );
    // Sharing explicitly allowed: a second bot on the wallet starts.
    let shared = m
        .start(request("lc5-w0", "TIA/USDT", true), "bob")
        .await
        .unwrap();
    assert_eq!(shared.state, BotState::Running);
    let stops = m.stop_all("admin").await;
    assert_eq!(stops.len(), 11);
    assert!(stops.iter().all(|r| r.ok), "{stops:?}");
    assert!(w.net.our_containers().is_empty());
}
