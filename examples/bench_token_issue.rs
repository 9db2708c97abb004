//! Token issue latency against a local OpenBao dev server: the dashboard's real call
//! (AppRole session -> wrapped create through role `bot`), N times, then p50/p95/max.
//! Run with `ops/bench/token-issue` (it puts `bao` on PATH and builds in release mode).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark harness: fail loudly

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use tradebot::domain::WalletId;
use tradebot::vault::{
    bootstrap, connect_dashboard, BootstrapOptions, SecretsBroker, TokenLimits, TokenRequest,
    VaultBroker,
};

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(100, |a| a.parse().expect("usage: bench_token_issue [N]"));
    let bao = common::Bao::start();
    let settings = bao.settings();
    let approle = tempfile::tempdir().unwrap();
    let opts = BootstrapOptions {
        approle_dir: Some(approle.path().to_owned()),
        demo_wallet: Some(WalletId::parse("bench").unwrap()),
        ..BootstrapOptions::default()
    };
    bootstrap(&settings, &opts).await.unwrap();
    let mut dash = settings.vault.clone();
    dash.role_id_file = Some(approle.path().join("role_id"));
    dash.secret_id_file = Some(approle.path().join("secret_id"));
    let broker = VaultBroker::new(
        connect_dashboard(&dash).await.unwrap(),
        &settings.vault.kv_mount,
        TokenLimits::default(),
    );
    let wallet = WalletId::parse("bench").unwrap();
    let mut samples: Vec<Duration> = Vec::with_capacity(n);
    // One warm-up call (connection set-up) not counted.
    for i in 0..=n {
        let id = format!("bench-{i}");
        let t = Instant::now();
        let issued = broker
            .issue_bot_token(&TokenRequest {
                bot_id: &id,
                wallet: &wallet,
                market_key: None,
                operator: "bench",
                launch_id: &id,
            })
            .await
            .unwrap();
        if i > 0 {
            samples.push(t.elapsed());
        }
        broker.revoke(&issued.wrapped_accessor).await.unwrap();
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "token issue (wrapped create via role bot, local OpenBao 2.7.2 -dev, HTTP loopback), n={n}: \
         p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.95).as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3
    );
}
