//! Settings of the paper market (the spec's optional `paper` section; every field defaults).
//! The last three fields are the bot's own run settings (live or backtest): never on the wire.

use std::path::PathBuf;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaperConfig {
    /// Seed of the random walk: the same seed gives the same market.
    pub seed: u64,
    /// Standard deviation of one step of the walk, in basis points of the price.
    pub volatility_bps: f64,
    /// Milliseconds between market steps (live mode: 250 ms = 4 Hz keeps an idle bot cheap).
    pub tick_ms: u64,
    /// Half the simulated book's spread, in price ticks.
    pub half_spread_ticks: u32,
    /// Replay this trades file (`ts_ms,price,quantity`) instead of the random walk.
    pub replay: Option<PathBuf>,
    /// Starting collateral in quote units.
    pub initial_quote: Decimal,
    /// Starting base balance on spot; default: half the quote's worth at the reference price.
    pub initial_base: Option<Decimal>,
    pub maker_fee: Decimal,
    pub taker_fee: Decimal,
    /// Steps driven by the wall clock (run) or as fast as possible (backtest).
    #[serde(skip)]
    pub realtime: bool,
    /// Simulated start time for non-realtime runs.
    #[serde(skip)]
    pub start_ts_ms: u64,
    /// Stop after this many steps (backtests of the random walk).
    #[serde(skip)]
    pub max_steps: Option<u64>,
}

impl Default for PaperConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            volatility_bps: 5.0,
            tick_ms: 250,
            half_spread_ticks: 2,
            replay: None,
            initial_quote: dec!(10000),
            initial_base: None,
            maker_fee: dec!(0.0005),
            taker_fee: dec!(0.001),
            realtime: true,
            start_ts_ms: 1_735_689_600_000, // 2025-01-01T00:00:00Z
            max_steps: None,
        }
    }
}

impl PaperConfig {
    /// One-line refusal of settings that make no sense.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.volatility_bps.is_finite() && (0.0..=1000.0).contains(&self.volatility_bps)) {
            return Err("paper.volatility_bps must be between 0 and 1000".into());
        }
        if !(10..=60_000).contains(&self.tick_ms) {
            return Err("paper.tick_ms must be between 10 and 60000".into());
        }
        if self.initial_quote < Decimal::ZERO
            || self.initial_base.is_some_and(|b| b < Decimal::ZERO)
        {
            return Err("paper balances must not be negative".into());
        }
        if self.maker_fee < dec!(-0.01)
            || self.taker_fee < Decimal::ZERO
            || self.taker_fee > dec!(0.01)
        {
            return Err("paper fees must be between -1% (maker rebate) and 1%".into());
        }
        Ok(())
    }
}
