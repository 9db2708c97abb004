//! Engine benchmarks, printed not asserted (ops/bench/bot-engine runs this in release mode):
//! decision latency per market-data event (p50/p99 of `Engine::handle` on book updates, the
//! market maker with default parameters on the paper venue) and backtest throughput.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: failing loudly is the point

use std::time::Instant;

use tradebot_bot::backtest::{backtest, BacktestConfig};
use tradebot_bot::engine::Engine;
use tradebot_bot::events::Discard;
use tradebot_bot::exchange::{Exchange, MarketEvent};
use tradebot_bot::markets::market;
use tradebot_bot::paper::{PaperConfig, PaperExchange};
use tradebot_bot::params::BotParams;

const WARMUP: usize = 20_000;
const SAMPLES: usize = 500_000;

async fn latency(bot_type: &str, params: serde_json::Value) {
    let m = market("INJ/USDT").unwrap();
    let cfg = PaperConfig {
        realtime: false,
        ..PaperConfig::default()
    };
    let p = BotParams::parse(bot_type, "INJ/USDT", &params).unwrap();
    let mut engine = Engine::new(PaperExchange::new(m, cfg).unwrap(), Discard, "bench", &p);
    engine.start().await.unwrap();
    let mut ns: Vec<u64> = Vec::with_capacity(SAMPLES);
    let mut books = 0;
    while ns.len() < SAMPLES {
        let ev = engine.ex.next_event().await.unwrap();
        let is_book = matches!(ev, MarketEvent::Book { .. });
        let t = Instant::now();
        engine.handle(ev).await.unwrap();
        let d = t.elapsed().as_nanos() as u64;
        if is_book {
            books += 1;
            if books > WARMUP {
                ns.push(d);
            }
        }
    }
    ns.sort_unstable();
    let q = |f: f64| ns[((ns.len() as f64 * f) as usize).min(ns.len() - 1)] as f64 / 1000.0;
    println!(
        "decision latency {bot_type:<12} book events={} p50={:.2}us p99={:.2}us p99.9={:.2}us max={:.2}us (fills={}, state={})",
        ns.len(),
        q(0.50),
        q(0.99),
        q(0.999),
        q(1.0),
        engine.portfolio.fills,
        engine.state().as_str()
    );
}

async fn throughput(bot_type: &str, steps: u64) {
    let cfg = BacktestConfig {
        market: "INJ/USDT".into(),
        bot_type: bot_type.into(),
        params: serde_json::json!({}),
        paper: PaperConfig::default(),
        steps,
        trades_file: None,
    };
    let r = backtest(cfg).await.unwrap();
    println!(
        "backtest {bot_type:<12} events={} book_updates={} elapsed={}ms throughput={} events/s ({:.0} book updates/s) fills={} pnl={} max_dd={} state={}",
        r.events,
        r.book_updates,
        r.elapsed_ms,
        r.events_per_sec,
        r.book_updates as f64 / (r.elapsed_ms.max(1) as f64 / 1000.0),
        r.fills,
        r.total_pnl,
        r.max_drawdown,
        r.state
    );
}

fn main() {
    let steps: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        latency("market_maker", serde_json::json!({})).await;
        latency("grid", serde_json::json!({})).await;
        for t in ["market_maker", "grid", "twap"] {
            throughput(t, steps).await;
        }
    });
}
