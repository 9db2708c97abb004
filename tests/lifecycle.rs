//! The bot lifecycle against real parts: OpenBao (`bao server -dev`), the real socket proxy
//! (in-process) and the real Docker engine, with the real `tradebot-bot` binary in a scratch
//! image. Each test has its own Vault, bots network and wallet names, so they run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

mod common;
// Not part of `common`: the bot crate's tests share `common` but not the proxy dependency.
#[path = "common/docker.rs"]
mod docker_harness;
#[path = "common/relay.rs"]
mod relay;

use std::time::Duration;

use common::Bao;
use docker_harness::{bot_image, docker, start_proxy, Proxy, TestNetwork};
use relay::Relay;
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
        networks: Default::default(),
        max_bots: settings.vault.bots_capacity(),
        memory_bytes: 64 << 20,
        nano_cpus: 250_000_000,
        pids_limit: 64,
        logs: tradebot::runtime::LogLimits::new("10m", 3).unwrap(),
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

fn request(wallet: &str, market: &str) -> StartRequest {
    let form = StartForm {
        wallet: wallet.into(),
        market: market.into(),
        bot_type: "market_maker".into(),
        params: serde_json::json!({}),
        preset: None,
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
        .start(request("lc1-alpha", "INJ/USDT"), "alice")
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
        bots.push(m.start(request(n, "TIA/USDT"), "alice").await.unwrap());
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
        let b = first.start(request(n, "INJ/USDT"), "alice").await.unwrap();
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
        .start(request("lc4-a", "INJ/USDT"), "alice")
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
        .start(request("lc4-a", "INJ/USDT"), "alice")
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
async fn ten_concurrent_starts_succeed_and_a_busy_wallet_market_is_refused() {
    let names: Vec<String> = (0..10).map(|i| format!("lc5-w{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let w = world("lc5", &refs).await;
    let m = w.manager();
    let starts = names.iter().map(|n| {
        let m = m.clone();
        let n = n.clone();
        tokio::spawn(async move { m.start(request(&n, "INJ/USDT"), "alice").await })
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
        .start(request("lc5-w0", "INJ/USDT"), "bob")
        .await
        .unwrap_err();
    assert!(matches!(err, LifecycleError::Conflict(_)));
    assert!(
        err.to_string().contains("already runs bot")
            && err.to_string().contains("one bot per wallet and market"),
        "{err}"
    );
    // Another market of the same wallet runs side by side.
    let shared = m.start(request("lc5-w0", "TIA/USDT"), "bob").await.unwrap();
    assert_eq!(shared.state, BotState::Running);
    let stops = m.stop_all("admin").await;
    assert_eq!(stops.len(), 11);
    assert!(stops.iter().all(|r| r.ok), "{stops:?}");
    assert!(w.net.our_containers().is_empty());
}

async fn runs_of(store: &Store, bot_id: &str, secs: u64) -> Vec<tradebot::store::Run> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let runs = store.runs(bot_id, 5).await.unwrap();
        if !runs.is_empty() {
            return runs;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no run of {bot_id} archived within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn audit_actions(store: &Store, bot_id: &str) -> Vec<(String, String)> {
    let filter = tradebot::audit::Filter {
        text: Some(bot_id.to_owned()),
        ..Default::default()
    };
    tradebot::audit::query(store.pool(), &filter)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.actor, r.action))
        .collect()
}

/// Input 1 of issue 14: the proxy goes down, the bot is killed, the proxy comes back. Within
/// seconds of the event stream coming back the death is seen (exit 137) and handled like any
/// crash: archived, counted, relaunched with backoff.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_death_missed_while_the_proxy_was_down_is_found_when_it_comes_back() {
    let w = world("lc6", &["lc6-a"]).await;
    let relay = Relay::start(&w.proxy.url).await;
    let runtime = DockerRuntime::connect(&relay.url(), &w.proxy.token).unwrap();
    let m = BotManager::new(runtime, w.broker.clone(), w.store.clone(), w.cfg.clone());
    drop(m.spawn_event_watch());
    let bot = m
        .start(request("lc6-a", "INJ/USDT"), "alice")
        .await
        .unwrap();
    let container = bot.container_id.clone().unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;

    relay.down();
    assert!(docker(&["kill", &container]).0);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        m.get(&bot.bot_id).unwrap().state,
        BotState::Running,
        "with the proxy down the dashboard cannot know yet"
    );
    assert!(w.store.runs(&bot.bot_id, 5).await.unwrap().is_empty());

    let back = std::time::Instant::now();
    relay.up().await;
    let runs = runs_of(&w.store, &bot.bot_id, 15).await;
    let seen_after = back.elapsed();
    println!(
        "death seen {} ms after the proxy came back",
        seen_after.as_millis()
    );
    assert_eq!(runs[0].exit_code, Some(137), "{runs:?}");
    assert_eq!(runs[0].outcome, "crashed");
    assert_eq!(
        runs[0].reason,
        "killed by signal SIGKILL (exit code 137) (seen when the engine's event stream came back)"
    );
    assert!(seen_after < Duration::from_secs(10), "{seen_after:?}");
    // The run is archived just before the crash is counted.
    wait_until("the crash to be counted", 5, || {
        m.counters()
            .crashes
            .load(std::sync::atomic::Ordering::Relaxed)
            == 1
    })
    .await;
    wait_until("the crashed bot to run again", 40, || {
        m.get(&bot.bot_id).is_some_and(|b| {
            b.state == BotState::Running && b.container_id.as_deref() != Some(&container)
        })
    })
    .await;
    let again = m.get(&bot.bot_id).unwrap();
    assert_eq!(again.restarts, 1);
    assert!(
        !container_exists(&container),
        "the dead container is removed"
    );
    assert_eq!(m.bots_on_wallet("lc6-a"), vec![bot.bot_id.clone()]);
    let actions = audit_actions(&w.store, &bot.bot_id).await;
    assert!(
        actions.contains(&("engine".into(), "bot_ended".into())),
        "{actions:?}"
    );
    // Both containers (the start and the relaunch) have their start in the audit log.
    let starts = actions
        .iter()
        .filter(|a| {
            *a == &(
                "alice".to_owned(),
                tradebot::bots::AUDIT_CONTAINER_START.to_owned(),
            )
        })
        .count();
    assert_eq!(starts, 2, "{actions:?}");
    let stops = m.stop_all("admin").await;
    assert!(stops.iter().all(|r| r.ok), "{stops:?}");
}

/// Input 2 of issue 14: a bot killed while the dashboard was down is handled like a crash at
/// recovery (relaunched with backoff, whose start-up cancels what rests on the venue), and its
/// last known status (position) is kept meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_killed_while_the_dashboard_was_down_is_relaunched_at_recovery() {
    let w = world("lc7", &["lc7-a"]).await;
    let first = w.manager();
    let bot = first
        .start(request("lc7-a", "INJ/USDT"), "alice")
        .await
        .unwrap();
    let container = bot.container_id.clone().unwrap();
    wait_until("a status event", 20, || {
        first
            .get(&bot.bot_id)
            .is_some_and(|b| b.last_status.is_some())
    })
    .await;
    drop(first);
    assert!(docker(&["kill", &container]).0);

    let second = w.manager();
    assert_eq!(second.recover().await.unwrap(), 1);
    let b = second.get(&bot.bot_id).unwrap();
    assert_eq!(b.state, BotState::Starting, "{:?}", b.reason);
    let ended = b.ended.clone().expect("why it ended");
    assert_eq!(ended.ending, tradebot::bots::Ending::Signal(9));
    assert_eq!(ended.seen, tradebot::bots::Seen::WhileDown);
    assert_eq!(ended.next, tradebot::bots::Next::Restart);
    assert_eq!(
        ended.says,
        "while the dashboard was down: killed by signal SIGKILL (exit code 137)"
    );
    let position = b
        .last_status
        .as_ref()
        .and_then(|s| s.get("position").cloned());
    assert!(position.is_some(), "the last known position is kept: {b:?}");
    let runs = w.store.runs(&bot.bot_id, 5).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].exit_code, Some(137));
    assert_eq!(runs[0].outcome, "crashed");
    wait_until("the bot to be relaunched", 40, || {
        second.get(&bot.bot_id).is_some_and(|b| {
            b.state == BotState::Running && b.container_id.as_deref() != Some(&container)
        })
    })
    .await;
    let b = second.get(&bot.bot_id).unwrap();
    assert_eq!(b.restarts, 1);
    assert!(b.ended.is_none(), "a ready run clears the last ending");
    let stops = second.stop_all("admin").await;
    assert!(stops.iter().all(|r| r.ok), "{stops:?}");
}

/// A create through the real proxy, raw, with `host_config`; returns the status line and body.
async fn raw_create(proxy: &Proxy, image: &str, stack: &str, host_config: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = format!(
        r#"{{"Image":"{image}","Labels":{{"io.tradebot.managed":"true","io.tradebot.stack":"{stack}"}},"HostConfig":{{{host_config}}}}}"#
    );
    let token = secrecy::ExposeSecret::expose_secret(&proxy.token).to_owned();
    let request = format!(
        "POST /v1.47/containers/create?name=tradebot-bot-raw-{} HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        rand::random::<u32>(),
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(proxy.url.trim_start_matches("http://"))
        .await
        .unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

/// Input 3 of issue 14 (`docker stop` from outside: stopped, not relaunched, audited) and its
/// sibling (`docker rm -f`: failed, orders may rest); input 5 (every bot container has bounded
/// json-file logs, and the real proxy refuses a create without them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_stops_and_removals_are_recorded_as_such_and_logs_are_bounded() {
    let w = world("lc8", &["lc8-a", "lc8-b", "lc8-c"]).await;
    let m = w.manager();
    let watch = m.spawn_event_watch();
    let a = m
        .start(request("lc8-a", "INJ/USDT"), "alice")
        .await
        .unwrap();
    let b = m
        .start(request("lc8-b", "INJ/USDT"), "alice")
        .await
        .unwrap();
    let (ca, cb) = (
        a.container_id.clone().unwrap(),
        b.container_id.clone().unwrap(),
    );
    let logs = docker(&["inspect", "-f", "{{json .HostConfig.LogConfig}}", &ca]).1;
    assert_eq!(
        logs.trim(),
        r#"{"Type":"json-file","Config":{"max-file":"3","max-size":"10m"}}"#
    );
    for (hc, why) in [
        ("", "HostConfig.LogConfig"),
        (r#""LogConfig":{"Type":"json-file"}"#, "max-size"),
        (
            r#""LogConfig":{"Type":"json-file","Config":{"max-size":"10m","max-file":"1000"}}"#,
            "max-file",
        ),
    ] {
        let answer = raw_create(&w.proxy, &w.cfg.image, &w.cfg.stack, hc).await;
        assert!(answer.starts_with("HTTP/1.1 403"), "{hc}: {answer}");
        assert!(answer.contains(why), "{hc}: {answer}");
    }

    assert!(docker(&["stop", &ca]).0);
    wait_until("the outside stop to be recorded", 20, || {
        m.get(&a.bot_id)
            .is_some_and(|x| x.state == BotState::Stopped)
    })
    .await;
    let got = m.get(&a.bot_id).unwrap();
    assert_eq!(
        got.reason.as_deref(),
        Some("stopped outside the dashboard (docker stop); it cancelled its orders")
    );
    let ended = got.ended.unwrap();
    assert_eq!(ended.ending, tradebot::bots::Ending::StoppedOutside);
    assert_eq!(ended.exit_code, Some(0));
    let runs = w.store.runs(&a.bot_id, 5).await.unwrap();
    assert_eq!(
        (runs[0].outcome.as_str(), runs[0].exit_code),
        ("stopped", Some(0))
    );
    assert!(audit_actions(&w.store, &a.bot_id)
        .await
        .contains(&("engine".into(), "bot_stopped_outside".into())));

    // `docker rm -f` while the dashboard watches: the engine reports `kill` (signal 9) and
    // `die` (exit 137) before `destroy`, but the container is `removing` by then: removed
    // outside, not a SIGKILL; failed, not relaunched.
    let c = m
        .start(request("lc8-c", "INJ/USDT"), "alice")
        .await
        .unwrap();
    let cc = c.container_id.clone().unwrap();
    assert!(docker(&["rm", "-f", &cc]).0);
    wait_until("the live removal to be recorded", 20, || {
        m.get(&c.bot_id)
            .is_some_and(|x| x.state == BotState::Failed)
    })
    .await;
    let got = m.get(&c.bot_id).unwrap();
    let ended = got.ended.unwrap();
    assert_eq!(
        ended.ending,
        tradebot::bots::Ending::RemovedOutside,
        "{ended:?}"
    );
    assert_eq!(ended.seen, tradebot::bots::Seen::Live);
    assert_eq!(
        got.reason.as_deref(),
        Some("its container was removed outside the dashboard; orders may be resting on the venue")
    );
    assert_eq!(got.restarts, 0);

    // Removed while nobody watched: the next reconciliation finds no container at all.
    watch.abort();
    assert!(docker(&["rm", "-f", &cb]).0);
    assert_eq!(m.get(&b.bot_id).unwrap().state, BotState::Running);
    assert_eq!(
        m.reconcile(tradebot::bots::Seen::AfterGap).await.unwrap(),
        0
    );
    let got = m.get(&b.bot_id).unwrap();
    assert_eq!(got.state, BotState::Failed, "{:?}", got.reason);
    let ended = got.ended.unwrap();
    assert_eq!(
        ended.ending,
        tradebot::bots::Ending::RemovedOutside,
        "{ended:?}"
    );
    assert!(got
        .reason
        .unwrap()
        .contains("orders may be resting on the venue"));

    // Neither is relaunched: no container of this test's bots comes back.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(m.get(&a.bot_id).unwrap().state, BotState::Stopped);
    assert_eq!(m.get(&b.bot_id).unwrap().state, BotState::Failed);
    assert_eq!(m.get(&c.bot_id).unwrap().state, BotState::Failed);
    assert!(
        w.net.our_containers().is_empty(),
        "{:?}",
        w.net.our_containers()
    );
    assert!(m.bots_on_wallet("lc8-a").is_empty());
}

/// The old race: a stop while the launch waits for `ready` is not overwritten to `running`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_start_up_wins() {
    let w = world("lc9", &["lc9-a"]).await;
    let m = w.manager();
    let bot_id = m
        .begin(request("lc9-a", "INJ/USDT"), "alice")
        .await
        .unwrap();
    let launcher = m.clone();
    let id = bot_id.clone();
    let launch = tokio::spawn(async move { launcher.launch(&id).await.result });
    wait_until("the container to exist", 20, || {
        m.get(bot_id.as_str())
            .is_some_and(|b| b.container_id.is_some())
    })
    .await;
    let stopped = m.stop(bot_id.as_str(), "bob").await.unwrap();
    assert_eq!(stopped.state, BotState::Stopped);
    // Stopped before `ready` (the usual case: the bot is still unwrapping its token) the
    // launch reports the stop; stopped just after, it returns the bot it started. Either way
    // the stop is what stays.
    let launched = launch.await.unwrap();
    println!(
        "launch result after the stop: {:?}",
        launched.as_ref().map(|b| b.state)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(m.get(bot_id.as_str()).unwrap().state, BotState::Stopped);
    assert!(w.net.our_containers().is_empty());
}

/// `bao operator ...` against the test server, as root.
fn bao_cli(bao: &common::Bao, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(std::env::var("BAO_BIN").unwrap_or_else(|_| "bao".into()))
        .args(["operator"])
        .args(args)
        .env("BAO_ADDR", &bao.address)
        .env("BAO_TOKEN", common::ROOT_TOKEN)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Vault sealed while a bot runs: the bot is untouched, a new start is refused with "Vault is
/// sealed" and leaves nothing behind; after unseal, starts work again with the same manager.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_vault_refuses_new_starts_and_leaves_running_bots_alone() {
    let w = world("lc10", &["lc10-a", "lc10-b"]).await;
    let m = w.manager();
    drop(m.spawn_event_watch());
    let a = m
        .start(request("lc10-a", "INJ/USDT"), "alice")
        .await
        .unwrap();
    let ca = a.container_id.clone().unwrap();
    let started = started_at(&ca);

    let (ok, out) = bao_cli(&w.bao, &["seal"]);
    assert!(ok, "{out}");
    let err = m
        .start(request("lc10-b", "INJ/USDT"), "alice")
        .await
        .unwrap_err();
    assert!(matches!(err, LifecycleError::Vault(_)), "{err}");
    assert_eq!(err.to_string(), "Vault is unavailable: Vault is sealed");
    let web = tradebot::web::error::WebError::from(err);
    let shown = format!("{web:?}");
    assert!(shown.contains("503"), "{shown}");
    assert!(shown.contains("Vault is sealed"), "{shown}");
    assert_eq!(w.net.our_containers(), vec![ca[..12].to_owned()]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let still = m.get(&a.bot_id).unwrap();
    assert_eq!(still.state, BotState::Running);
    assert_eq!(started_at(&ca), started, "the running bot was touched");

    let log = w.bao.server_log();
    let key = log
        .lines()
        .find_map(|l| l.trim().strip_prefix("Unseal Key: "))
        .expect("the dev server prints its unseal key")
        .trim()
        .to_owned();
    let (ok, out) = bao_cli(&w.bao, &["unseal", &key]);
    assert!(ok, "{out}");
    let b = m
        .start(request("lc10-b", "INJ/USDT"), "alice")
        .await
        .unwrap();
    assert_eq!(b.state, BotState::Running);
    let stops = m.stop_all("admin").await;
    assert!(stops.iter().all(|r| r.ok), "{stops:?}");
}

/// A small tmpfs mounted on a temporary directory (the test runs as root), unmounted on drop.
struct SmallVolume {
    dir: tempfile::TempDir,
}

impl SmallVolume {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cannot mount a tmpfs (this test needs root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { dir }
    }

    /// Fills the volume with `filler` until the kernel says it is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.dir.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![7u8; 64 << 10];
        loop {
            if let Err(e) = f.write_all(&chunk).and_then(|()| f.sync_all()) {
                assert_eq!(e.kind(), std::io::ErrorKind::StorageFull, "{e}");
                return path;
            }
        }
    }
}

impl Drop for SmallVolume {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// The data volume full: a start is refused with the reason before anything is issued or
/// created, the running bot is untouched, the database stays whole, and once space returns a
/// start works again with the same manager.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_data_volume_refuses_starts_and_leaves_running_bots_alone() {
    let w = world("lc11", &["lc11-a", "lc11-b"]).await;
    let volume = SmallVolume::mount("4m");
    let store = Store::open(volume.dir.path()).await.unwrap();
    let runtime = DockerRuntime::connect(&w.proxy.url, &w.proxy.token).unwrap();
    let m = BotManager::new(runtime, w.broker.clone(), store.clone(), w.cfg.clone());
    drop(m.spawn_event_watch());
    let a = m
        .start(request("lc11-a", "INJ/USDT"), "alice")
        .await
        .unwrap();
    let ca = a.container_id.clone().unwrap();
    let started = started_at(&ca);
    let launches_before: i64 = sqlx::query_scalar("SELECT count(*) FROM launches")
        .fetch_one(store.pool())
        .await
        .unwrap();

    let filler = volume.fill();
    let err = m
        .start(request("lc11-b", "INJ/USDT"), "alice")
        .await
        .unwrap_err();
    assert!(matches!(err, LifecycleError::Unavailable(_)), "{err}");
    assert_eq!(err.to_string(), tradebot::bots::DATA_VOLUME_FULL);
    let web = format!("{:?}", tradebot::web::error::WebError::from(err));
    assert!(
        web.contains("503") && web.contains("data volume is full"),
        "{web}"
    );
    // Nothing half-done: no bot registered, no token issued, no container.
    assert!(m.bots_on_wallet("lc11-b").is_empty());
    assert_eq!(w.net.our_containers(), vec![ca[..12].to_owned()]);
    // The running bot keeps running, untouched, while its status writes fail.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(m.get(&a.bot_id).unwrap().state, BotState::Running);
    assert_eq!(started_at(&ca), started, "the running bot was touched");
    // A write that does not fit fails with an error the dashboard reads as "full".
    let big = tradebot::audit::Entry {
        actor: "test",
        action: "filler",
        target: "",
        ip: None,
        details: serde_json::json!({ "blob": "x".repeat(2 << 20) }),
        result: tradebot::audit::Outcome::Ok,
    };
    let e = tradebot::audit::record(store.pool(), big)
        .await
        .unwrap_err();
    assert!(tradebot::store::is_full(&e), "{e:#}");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(integrity, "ok");

    std::fs::remove_file(filler).unwrap();
    let b = m
        .start(request("lc11-b", "INJ/USDT"), "alice")
        .await
        .unwrap();
    assert_eq!(b.state, BotState::Running);
    let launches_after: i64 = sqlx::query_scalar("SELECT count(*) FROM launches")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(launches_after, launches_before + 1);
    let stops = m.stop_all("admin").await;
    assert!(stops.iter().all(|r| r.ok), "{stops:?}");
    assert_eq!(store.runs(&a.bot_id, 5).await.unwrap().len(), 1);
    store.pool().close().await;
}
