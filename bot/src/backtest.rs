//! Backtests: the live engine over the paper venue with its clock switched off, as fast as the
//! CPU allows, events discarded, and a report at the end (PnL, fills, fees, max drawdown).

use std::path::PathBuf;
use std::time::Instant;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::engine::Engine;
use crate::events::Discard;
use crate::exchange::{Exchange, MarketEvent};
use crate::markets::require_market;
use crate::paper::{PaperConfig, PaperExchange};
use crate::params::BotParams;

#[derive(Debug, Clone)]
pub struct BacktestConfig {
    pub market: String,
    pub bot_type: String,
    pub params: serde_json::Value,
    pub paper: PaperConfig,
    /// Market steps of the random walk (ignored when replaying a file: it runs to the end).
    pub steps: u64,
    pub trades_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub market: String,
    pub bot_type: String,
    pub events: u64,
    pub book_updates: u64,
    pub sim_seconds: u64,
    pub fills: u64,
    pub volume: String,
    pub fees: String,
    pub realized_pnl: String,
    pub unrealized_pnl: String,
    pub total_pnl: String,
    pub max_drawdown: String,
    pub final_position: String,
    pub open_orders: usize,
    pub state: &'static str,
    pub halt: Option<String>,
    pub elapsed_ms: u128,
    pub events_per_sec: u64,
}

fn s(d: Decimal) -> String {
    d.round_dp(6).normalize().to_string()
}

pub async fn backtest(cfg: BacktestConfig) -> Result<Report, String> {
    let market = require_market(&cfg.market)?;
    let params = BotParams::parse(&cfg.bot_type, &cfg.market, &cfg.params)?;
    let mut paper = cfg.paper.clone();
    paper.realtime = false;
    paper.replay = cfg.trades_file.clone().or(paper.replay);
    paper.max_steps = paper.replay.is_none().then_some(cfg.steps);
    paper.validate()?;
    let ex = PaperExchange::new(market, paper)?;
    let mut engine = Engine::new(ex, Discard, "backtest", &params);
    let started = Instant::now();
    engine.start().await.map_err(|e| e.to_string())?;
    let (mut peak, mut max_dd) = (Decimal::ZERO, Decimal::ZERO);
    let (mut books, mut first_ts, mut last_ts) = (0u64, None, 0u64);
    loop {
        let ev = engine.ex.next_event().await.map_err(|e| e.to_string())?;
        if let MarketEvent::Book { ts_ms, top } = ev {
            books += 1;
            first_ts.get_or_insert(ts_ms);
            last_ts = ts_ms;
            engine.check_stale(ts_ms).await.map_err(|e| e.to_string())?;
            let equity = engine.portfolio.total_pnl(top.mid());
            peak = peak.max(equity);
            max_dd = max_dd.max(peak - equity);
        }
        if !engine.handle(ev).await.map_err(|e| e.to_string())? {
            break;
        }
    }
    let elapsed = started.elapsed();
    let snap = engine.snapshot();
    let rate = (engine.events as f64 / elapsed.as_secs_f64().max(1e-9)) as u64;
    Ok(Report {
        market: cfg.market,
        bot_type: cfg.bot_type,
        events: engine.events,
        book_updates: books,
        sim_seconds: last_ts.saturating_sub(first_ts.unwrap_or(last_ts)) / 1000,
        fills: snap.fills,
        volume: s(engine.portfolio.volume),
        fees: s(snap.fees),
        realized_pnl: s(snap.realized_pnl),
        unrealized_pnl: s(snap.unrealized_pnl),
        total_pnl: s(snap.realized_pnl + snap.unrealized_pnl),
        max_drawdown: s(max_dd),
        final_position: s(snap.position),
        open_orders: snap.open_orders,
        state: snap.state.as_str(),
        halt: engine
            .halt_reason()
            .map(|b| format!("{}: {}", b.rule, b.message)),
        elapsed_ms: elapsed.as_millis(),
        events_per_sec: rate,
    })
}
