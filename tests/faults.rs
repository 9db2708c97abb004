//! Issue 14's fault injection: the whole dashboard in-process (its own runtime, so a restart
//! drops every task it had, as a killed process would), the real socket proxy, real OpenBao and
//! the real Docker engine, paper bots. Each round starts, stops and restarts bots through the
//! API while one fault strikes at a random moment: a bot SIGKILLed, a bot's container removed
//! (`docker rm -f`), the proxy down while a bot dies, Vault unreachable for a while, the
//! dashboard killed and built again on its data dir. After each round the system must converge
//! and the invariants hold (see [`violations`]).
//!
//! Seeded: the seed is printed; `FAULTS_SEED=<n>` replays it, `FAULTS_ROUNDS=<n>` changes the
//! number of rounds (default 6).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

mod common;
#[path = "common/docker.rs"]
mod docker_harness;
#[path = "common/relay.rs"]
mod relay;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::{Client, Method};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use tradebot::auth::{api_tokens, password, users, Role};
use tradebot::config::Settings;
use tradebot::store::Store;
use tradebot::vault::{bootstrap, connect_dashboard, BootstrapOptions, TokenLimits, VaultBroker};
use tradebot::web::Application;

use docker_harness::{bot_image, docker, start_proxy, TestNetwork};
use relay::Relay;

const TAG: &str = "f14";
const WALLETS: &[&str] = &["f14-a", "f14-b", "f14-c"];
const MARKETS: &[&str] = &["INJ/USDT", "TIA/USDT"];
/// Bots up at once, at most (the machine is small and shared).
const MAX_ACTIVE: usize = 3;
const CONVERGE_WITHIN: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Fault {
    KillBot,
    RemoveBot,
    ProxyDownWhileBotDies,
    VaultUnreachable,
    DashboardRestart,
}

const FAULTS: [Fault; 5] = [
    Fault::KillBot,
    Fault::RemoveBot,
    Fault::ProxyDownWhileBotDies,
    Fault::VaultUnreachable,
    Fault::DashboardRestart,
];

/// One dashboard process: its own runtime on its own thread; [`Dashboard::kill`] drops the
/// runtime and with it every task (event watch, supervision, recovery, requests in flight).
struct Dashboard {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Dashboard {
    /// Builds the application on `settings` (retrying while Vault or the port is not back).
    fn launch(settings: &Settings) -> Self {
        for _ in 0..50 {
            let (ready_tx, ready_rx) = std::sync::mpsc::channel();
            let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
            let settings = settings.clone();
            let thread = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    match Application::build(settings).await {
                        Ok(app) => {
                            ready_tx.send(Ok(())).unwrap();
                            tokio::select! {
                                _ = app.run() => {}
                                _ = stop_rx => {}
                            }
                        }
                        Err(e) => ready_tx.send(Err(format!("{e:#}"))).unwrap(),
                    }
                });
                rt.shutdown_background();
            });
            match ready_rx.recv().unwrap() {
                Ok(()) => {
                    return Self {
                        stop: Some(stop_tx),
                        thread: Some(thread),
                    }
                }
                Err(e) => {
                    println!("dashboard build failed, retrying: {e}");
                    thread.join().unwrap();
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
        panic!("the dashboard could not be built");
    }

    fn kill(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The dashboard's API as an operator script sees it (an admin's API token).
#[derive(Clone)]
struct Api {
    url: String,
    client: Client,
    token: String,
}

struct World {
    settings: Settings,
    dashboard: Option<Dashboard>,
    api: Api,
    store: Store,
    broker: VaultBroker,
    proxy_relay: Relay,
    vault_relay: Relay,
    net: TestNetwork,
    stack: String,
    _proxy: docker_harness::Proxy,
    _bao: common::Bao,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn world() -> World {
    tradebot::tls::install_crypto_provider();
    let image = tokio::task::spawn_blocking(bot_image).await.unwrap();
    let bao = common::Bao::start_on("0.0.0.0");
    let net = TestNetwork::create(TAG, &format!("tradebot-bot-{TAG}"));
    let stack = format!("test-{TAG}");
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
        Some(SecretString::from(common::ROOT_TOKEN)),
    )
    .unwrap();
    for w in WALLETS {
        common::add_wallet(&admin, &settings.vault.kv_mount, w, MARKETS).await;
    }
    settings.vault.token = None;
    settings.vault.role_id_file = Some(approle.path().join("role_id"));
    settings.vault.secret_id_file = Some(approle.path().join("secret_id"));
    // The test's own view of Vault (token lookups) goes straight to it.
    let session = connect_dashboard(&settings.vault).await.unwrap();
    let broker = VaultBroker::new(session, &settings.vault.kv_mount, TokenLimits::default());

    let proxy = start_proxy(&image, &net.name, &stack).await;
    let proxy_relay = Relay::start(&proxy.url).await;
    let vault_relay = Relay::start(&settings.vault.address).await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("proxy-token");
    std::fs::write(&token_file, proxy.token.expose_secret()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    settings.data_dir = dir.path().join("data");
    settings.http.bind = format!("127.0.0.1:{port}").parse().unwrap();
    settings.vault.address = vault_relay.url();
    settings.docker.proxy_url = proxy_relay.url();
    settings.docker.proxy_token_file = Some(token_file);
    settings.docker.bots_network = net.name.clone();
    settings.bots.image = image;
    settings.bots.stack = stack.clone();
    // Bots reach Vault directly: the fault is between the dashboard and Vault.
    settings.bots.vault_address = format!("http://{}:{}", net.gateway, bao.port);
    settings.bots.status_interval_secs = 1;
    settings.bots.markets = MARKETS.iter().map(|m| (*m).to_owned()).collect();
    settings.bots.nano_cpus = 250_000_000;
    settings.bots.restart_base_ms = 300;
    settings.bots.stop_grace_secs = 3;

    let s = settings.clone();
    let dashboard = tokio::task::spawn_blocking(move || Dashboard::launch(&s))
        .await
        .unwrap();
    let ca = std::fs::read(settings.data_dir.join("tls/ca.pem")).unwrap();
    let client = Client::builder()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(&ca).unwrap())
        .timeout(Duration::from_secs(45))
        .build()
        .unwrap();
    let store = Store::open(&settings.data_dir).await.unwrap();
    let phc = password::hash(SecretString::from("a long test password"))
        .await
        .unwrap();
    let id = users::create(
        store.pool(),
        &"otto".parse().unwrap(),
        Role::Admin,
        &phc,
        false,
        0,
    )
    .await
    .unwrap();
    let token = api_tokens::create(store.pool(), id, "faults", 0)
        .await
        .unwrap();
    World {
        settings,
        dashboard: Some(dashboard),
        api: Api {
            url: format!("https://localhost:{port}"),
            client,
            token: token.token.expose_secret().to_owned(),
        },
        store,
        broker,
        proxy_relay,
        vault_relay,
        net,
        stack,
        _proxy: proxy,
        _bao: bao,
        _dirs: (approle, dir),
    }
}

impl Api {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Option<(u16, Value)> {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.ok()?;
        let status = res.status().as_u16();
        let text = res.text().await.ok()?;
        Some((
            status,
            serde_json::from_str(&text).unwrap_or(json!({ "text": text })),
        ))
    }

    async fn bots(&self) -> Option<Vec<Value>> {
        match self.call(Method::GET, "/api/bots", None).await? {
            (200, Value::Array(v)) => Some(v),
            _ => None,
        }
    }
}

impl World {
    async fn restart_dashboard(&mut self, down_for: Duration) {
        let mut old = self.dashboard.take().unwrap();
        tokio::task::spawn_blocking(move || old.kill())
            .await
            .unwrap();
        tokio::time::sleep(down_for).await;
        let s = self.settings.clone();
        let fresh = tokio::task::spawn_blocking(move || Dashboard::launch(&s))
            .await
            .unwrap();
        self.dashboard = Some(fresh);
    }

    /// The stack's bot containers as the engine sees them: (full id, running, launch id).
    fn containers(&self) -> Vec<(String, bool, String)> {
        let (ok, out) = docker(&[
            "ps",
            "-a",
            "--no-trunc",
            "--filter",
            &format!("label=io.tradebot.stack={}", self.stack),
            "--format",
            "{{.ID}} {{.State}} {{.Label \"io.tradebot.launch-id\"}}",
        ]);
        assert!(ok, "{out}");
        out.lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                Some((
                    f.next()?.to_owned(),
                    f.next()? == "running",
                    f.next().unwrap_or_default().to_owned(),
                ))
            })
            .collect()
    }

    /// A random running bot container of the stack, straight from the engine.
    fn running_container(&self, rng: &mut impl Rng) -> Option<String> {
        let running: Vec<String> = self
            .containers()
            .into_iter()
            .filter(|c| c.1)
            .map(|c| c.0)
            .collect();
        running.choose(rng).cloned()
    }
}

/// Every invariant the issue names, checked against the engine, Vault and the audit log.
/// Returns the violations (empty: converged). `None` while the dashboard cannot answer or a
/// bot is still between states.
async fn violations(w: &World) -> Option<Vec<String>> {
    let bots = w.api.bots().await?;
    let state = |b: &Value| b["state"].as_str().unwrap_or_default().to_owned();
    if bots
        .iter()
        .any(|b| matches!(state(b).as_str(), "starting" | "stopping"))
    {
        return None;
    }
    let mut v = Vec::new();
    let engine = w.containers();
    let running_in_engine: HashSet<&str> = engine
        .iter()
        .filter(|c| c.1)
        .map(|c| c.0.as_str())
        .collect();
    let running: Vec<&Value> = bots.iter().filter(|b| state(b) == "running").collect();
    // 1. Every bot shown running is running in the engine.
    for b in &running {
        let c = b["container_id"].as_str().unwrap_or_default();
        if !running_in_engine.contains(c) {
            v.push(format!(
                "{} shown running, its container {c:?} is not",
                b["bot_id"]
            ));
        }
    }
    // 2. Every managed container of the stack is a running bot's, known to the dashboard.
    let shown: HashSet<&str> = running
        .iter()
        .filter_map(|b| b["container_id"].as_str())
        .collect();
    for (id, up, _) in &engine {
        if !shown.contains(id.as_str()) {
            v.push(format!(
                "container {id} (running: {up}) unknown to the dashboard"
            ));
        }
    }
    // 3. No Vault token of a bot that is not running is alive.
    let live_launches: HashSet<&str> = running
        .iter()
        .filter_map(|b| b["launch_id"].as_str())
        .collect();
    let launches: Vec<(String, String)> =
        sqlx::query_as("SELECT launch_id, accessor FROM launches")
            .fetch_all(w.store.pool())
            .await
            .unwrap();
    let accessors: HashMap<&str, &str> = launches
        .iter()
        .map(|(l, a)| (l.as_str(), a.as_str()))
        .collect();
    for (launch, accessor) in &launches {
        if accessor.is_empty() || live_launches.contains(launch.as_str()) {
            continue;
        }
        if w.broker.accessor_alive(accessor).await.unwrap() {
            v.push(format!(
                "the token of launch {launch} (not running) is alive"
            ));
        }
    }
    // 4. Every container has a start in the audit log (its launch id or its token's accessor).
    let audit: Vec<String> = sqlx::query_scalar("SELECT details FROM audit")
        .fetch_all(w.store.pool())
        .await
        .unwrap();
    for (id, _, launch) in &engine {
        let accessor = accessors.get(launch.as_str()).copied().unwrap_or("-");
        if !audit
            .iter()
            .any(|d| d.contains(launch.as_str()) || d.contains(accessor))
        {
            v.push(format!(
                "container {id} (launch {launch}) has no start in the audit log"
            ));
        }
    }
    // 5. No bot counted twice: ids, containers, (wallet, market) slots, the metrics.
    let mut ids = HashSet::new();
    let mut slots = HashSet::new();
    let mut containers = HashSet::new();
    for b in &bots {
        if !ids.insert(b["bot_id"].to_string()) {
            v.push(format!("bot {} listed twice", b["bot_id"]));
        }
    }
    for b in &running {
        if !slots.insert((b["wallet"].to_string(), b["market"].to_string())) {
            v.push(format!(
                "two running bots on {} {}",
                b["wallet"], b["market"]
            ));
        }
        if !containers.insert(b["container_id"].to_string()) {
            v.push(format!(
                "container {} shown for two bots",
                b["container_id"]
            ));
        }
    }
    let metrics = w.api.call(Method::GET, "/metrics", None).await?;
    let text = metrics.1["text"].as_str().unwrap_or_default().to_owned();
    let gauge = format!("tradebot_bots{{state=\"running\"}} {}", running.len());
    if !text.lines().any(|l| l == gauge) {
        v.push(format!("/metrics does not say `{gauge}`"));
    }
    let info = text
        .lines()
        .filter(|l| l.starts_with("tradebot_bot_info{") && l.contains("state=\"running\""))
        .count();
    if info != running.len() {
        v.push(format!(
            "/metrics lists {info} running bots, the API {}",
            running.len()
        ));
    }
    Some(v)
}

/// Waits until the invariants hold; returns how long that took, or the last violations.
async fn converge(w: &World) -> Result<Duration, Vec<String>> {
    let t0 = Instant::now();
    let mut last = vec!["the dashboard never answered".to_owned()];
    while t0.elapsed() < CONVERGE_WITHIN {
        match violations(w).await {
            Some(v) if v.is_empty() => return Ok(t0.elapsed()),
            Some(v) => last = v,
            None => {}
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(last)
}

/// A few operator actions through the API; failures (a fault striking) are expected.
async fn operate(w: Api, mut rng: rand::rngs::StdRng) {
    let rng = &mut rng;
    let n = rng.gen_range(2..=3);
    for _ in 0..n {
        let Some(bots) = w.bots().await else {
            tokio::time::sleep(Duration::from_millis(300)).await;
            continue;
        };
        let active: Vec<&Value> = bots
            .iter()
            .filter(|b| matches!(b["state"].as_str(), Some("running" | "starting")))
            .collect();
        let busy: HashSet<(String, String)> = active
            .iter()
            .map(|b| {
                (
                    b["wallet"].as_str().unwrap().into(),
                    b["market"].as_str().unwrap().into(),
                )
            })
            .collect();
        let roll = rng.gen_range(0..10);
        if active.len() < MAX_ACTIVE && (roll < 6 || active.is_empty()) {
            let free: Vec<(&str, &str)> = WALLETS
                .iter()
                .flat_map(|w| MARKETS.iter().map(move |m| (*w, *m)))
                .filter(|(w, m)| !busy.contains(&((*w).to_owned(), (*m).to_owned())))
                .collect();
            let (wallet, market) = *free.choose(rng).unwrap();
            let body = json!({"wallet": wallet, "market": market,
                "bot_type": "market_maker", "params": {}});
            let r = w.call(Method::POST, "/api/bots", Some(body)).await;
            println!("  start {wallet} {market}: {:?}", r.map(|r| r.0));
        } else if roll < 8 && !active.is_empty() {
            let b = active.choose(rng).unwrap();
            let path = format!("/api/bots/{}/stop", b["bot_id"].as_str().unwrap());
            let r = w.call(Method::POST, &path, None).await;
            println!("  stop {}: {:?}", b["bot_id"], r.map(|r| r.0));
        } else if let Some(b) = bots.choose(rng) {
            let path = format!("/api/bots/{}/restart", b["bot_id"].as_str().unwrap());
            let r = w.call(Method::POST, &path, None).await;
            println!(
                "  restart {}: {:?}",
                b["bot_id"],
                r.map(|r| (r.0, r.1["error"].clone()))
            );
        }
    }
}

/// Strikes `fault` after `delay`.
async fn inject(w: &mut World, fault: Fault, delay: Duration, rng: &mut rand::rngs::StdRng) {
    tokio::time::sleep(delay).await;
    let outage = Duration::from_millis(rng.gen_range(500..3000));
    let mut hit = String::new();
    match fault {
        Fault::KillBot => {
            if let Some(c) = w.running_container(rng) {
                docker(&["kill", &c]);
                hit = format!(", killed {}", &c[..12]);
            }
        }
        Fault::RemoveBot => {
            if let Some(c) = w.running_container(rng) {
                docker(&["rm", "-f", &c]);
                hit = format!(", removed {}", &c[..12]);
            }
        }
        Fault::ProxyDownWhileBotDies => {
            w.proxy_relay.down();
            if let Some(c) = w.running_container(rng) {
                docker(&["kill", &c]);
                hit = format!(", killed {}", &c[..12]);
            }
            tokio::time::sleep(outage).await;
            w.proxy_relay.up().await;
        }
        Fault::VaultUnreachable => {
            w.vault_relay.down();
            tokio::time::sleep(outage).await;
            w.vault_relay.up().await;
        }
        Fault::DashboardRestart => w.restart_dashboard(outage / 3).await,
    }
    println!(
        "  fault {fault:?} after {} ms (outage {} ms{hit})",
        delay.as_millis(),
        outage.as_millis()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_converges_to_the_truth_after_every_fault() {
    let seed = std::env::var("FAULTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    let rounds: usize = std::env::var("FAULTS_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    println!("fault injection: seed {seed} (FAULTS_SEED={seed} replays it), {rounds} rounds");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut w = world().await;
    let began = Instant::now();
    // Every kind at least once in the first rounds, then at random.
    let mut plan = FAULTS.to_vec();
    plan.shuffle(&mut rng);
    let mut injected: HashMap<Fault, u32> = HashMap::new();
    let mut times = Vec::new();
    let mut failures = Vec::new();
    for round in 0..rounds {
        let fault = plan
            .get(round)
            .copied()
            .unwrap_or(*FAULTS.choose(&mut rng).unwrap());
        println!("round {round}: {fault:?}");
        let delay = Duration::from_millis(rng.gen_range(0..4000));
        let mut fault_rng = rand::rngs::StdRng::seed_from_u64(rng.gen());
        let op_rng = rand::rngs::StdRng::seed_from_u64(rng.gen());
        // A bot for the fault to hit, whatever the operations do meanwhile.
        if w.running_container(&mut fault_rng).is_none() {
            let (wallet, market) = (WALLETS.choose(&mut rng).unwrap(), MARKETS[round % 2]);
            let body = json!({"wallet": wallet, "market": market,
                "bot_type": "market_maker", "params": {}});
            let r = w.api.call(Method::POST, "/api/bots", Some(body)).await;
            println!("  start {wallet} {market} (a target): {:?}", r.map(|r| r.0));
        }
        // The fault strikes while the operations run.
        let ops = tokio::spawn(operate(w.api.clone(), op_rng));
        inject(&mut w, fault, delay, &mut fault_rng).await;
        ops.await.unwrap();
        *injected.entry(fault).or_default() += 1;
        match converge(&w).await {
            Ok(t) => {
                println!("round {round}: converged in {} ms", t.as_millis());
                times.push(t);
            }
            Err(v) => {
                println!("round {round}: NOT converged: {v:#?}");
                failures.push((round, fault, v));
                break;
            }
        }
    }
    times.sort();
    let p50 = times.get(times.len() / 2).copied().unwrap_or_default();
    let max = times.last().copied().unwrap_or_default();
    let mut kinds: Vec<_> = injected.iter().collect();
    kinds.sort();
    println!(
        "fault injection: seed {seed}, {} rounds, faults {kinds:?}, converged in p50 {} ms / max {} ms, {} violations, {:.0} s in all",
        times.len() + failures.len(),
        p50.as_millis(),
        max.as_millis(),
        failures.len(),
        began.elapsed().as_secs_f64()
    );
    // Leave nothing running: the kill switch, then the engine must be empty.
    w.api.call(Method::POST, "/api/bots/stop-all", None).await;
    assert!(failures.is_empty(), "seed {seed}: {failures:#?}");
    let left = w.net.our_containers();
    assert!(left.is_empty(), "containers left after stop-all: {left:?}");
}
