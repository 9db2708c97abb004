//! Lifecycle and dashboard benchmarks against the real parts (run by `ops/bench/lifecycle`):
//! the dashboard over HTTPS on this machine, real OpenBao, the real socket proxy and Docker,
//! release-built paper bots. Prints figures; asserts nothing.
//!
//! 1. start-to-ready (POST /api/bots, waits for `ready`) and stop-to-removed, over N starts;
//! 2. resident memory of idle paper bots (VmRSS of the bot process);
//! 3. with 50 and then `BENCH_BOTS` bots running: requests/s, p50 and p99 of GET /api/bots
//!    and of the overview page, `BENCH_CONCURRENCY` clients, `BENCH_REQUESTS` requests each.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench harness

#[path = "../tests/common/app.rs"]
mod app;
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/docker.rs"]
mod docker_harness;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn summary(name: &str, mut v: Vec<Duration>) {
    v.sort();
    println!(
        "{name}: n={} p50={} p95={} p99={} max={}",
        v.len(),
        ms(pct(&v, 0.5)),
        ms(pct(&v, 0.95)),
        ms(pct(&v, 0.99)),
        ms(*v.last().unwrap_or(&Duration::ZERO))
    );
}

/// One bot per (wallet, market) at a time: bot `n` of a batch runs on wallet `bench-w<n/3>`,
/// market `n % 3` of the test markets.
fn slot(n: usize) -> (String, &'static str) {
    (
        format!("bench-w{}", n / 3),
        app::MARKETS[n % app::MARKETS.len()],
    )
}

async fn start(app: &app::TestApp, (wallet, market): (String, &str)) -> (Duration, String) {
    let body = json!({"wallet": wallet, "market": market, "bot_type": "market_maker",
                      "params": {}});
    let t = Instant::now();
    let (s, v) = app.start(&app.operator, &body).await;
    assert_eq!(s.as_u16(), 201, "{v}");
    (t.elapsed(), v["bot_id"].as_str().unwrap().to_owned())
}

/// VmRSS of a bot's process, in KiB.
fn rss_kib(bot_id: &str) -> Option<u64> {
    let (ok, pid) = docker_harness::docker(&[
        "inspect",
        "-f",
        "{{.State.Pid}}",
        &format!("tradebot-bot-{bot_id}"),
    ]);
    if !ok {
        return None;
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `concurrency` clients each sending `per_client` GETs of `path`; prints req/s and latency.
async fn load(app: &Arc<app::TestApp>, path: &str, concurrency: usize, per_client: usize) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let app = Arc::clone(app);
        let path = path.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let t = Instant::now();
                let res = app
                    .request(Method::GET, &path, Some(&app.viewer))
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success(), "{path}: {}", res.status());
                let _ = res.bytes().await.unwrap();
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rps = all.len() as f64 / secs;
    print!("  GET {path}: {rps:.0} req/s; ");
    summary("latency", all);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let starts = env_num("BENCH_STARTS", 20);
    let bots = env_num("BENCH_BOTS", 100);
    let concurrency = env_num("BENCH_CONCURRENCY", 16);
    let requests = env_num("BENCH_REQUESTS", 2000);
    let names: Vec<String> = (0..bots.div_ceil(3)).map(|n| slot(n * 3).0).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let app = Arc::new(app::spawn_app("bench", &names).await);
    println!(
        "machine: {} cores; bots: release build",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );

    // 1. Start-to-ready and stop-to-removed, one bot at a time.
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for _ in 0..starts {
        let (d, id) = start(&app, slot(0)).await;
        up.push(d);
        let t = Instant::now();
        let (s, v) = app
            .call(app.request(
                Method::POST,
                &format!("/api/bots/{id}/stop"),
                Some(&app.operator),
            ))
            .await;
        assert_eq!(s.as_u16(), 200, "{v}");
        down.push(t.elapsed());
    }
    summary("start-to-ready (token, container, key loaded, ready)", up);
    summary(
        "stop-to-removed (SIGTERM, cancel all, exit, remove, revoke)",
        down,
    );

    // 2. + 3. Bots running; memory and API latency at 50 and at `bots`.
    let mut ids = Vec::new();
    for target in [50.min(bots), bots] {
        while ids.len() < target {
            let batch: Vec<_> = (0..(target - ids.len()).min(5))
                .map(|k| {
                    let app = Arc::clone(&app);
                    let at = slot(ids.len() + k);
                    tokio::spawn(async move { start(&app, at).await.1 })
                })
                .collect();
            for b in batch {
                ids.push(b.await.unwrap());
            }
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
        let rss: Vec<u64> = ids.iter().filter_map(|id| rss_kib(id)).collect();
        #[allow(clippy::cast_precision_loss)]
        let mean = rss.iter().sum::<u64>() as f64 / rss.len().max(1) as f64 / 1024.0;
        #[allow(clippy::cast_precision_loss)]
        let max = *rss.iter().max().unwrap_or(&0) as f64 / 1024.0;
        println!("{target} paper bots running: resident memory per bot mean {mean:.1} MiB, max {max:.1} MiB");
        let per_client = (requests / concurrency).max(1);
        load(&app, "/api/bots", concurrency, per_client).await;
        load(&app, "/", concurrency, per_client).await;
    }
    let (s, v) = app
        .call(app.request(Method::POST, "/api/bots/stop-all", Some(&app.admin)))
        .await;
    println!(
        "kill switch: {} ({} stopped, {} failed)",
        s, v["stopped"], v["failed"]
    );
}
