//! The trading bot: secure start-up, the trading engine (strategies, risk limits, portfolio),
//! the exchange trait and its embedded paper venue, status events, live runs and backtests.
//!
//! The contract with the dashboard (spec, parameters, markets, event lines) lives in the
//! `tradebot-contract` crate; the modules re-exported here keep the bot's own paths short.

pub mod backtest;
pub mod clock;
pub mod engine;
pub mod events;
pub mod exchange;
pub mod paper;
pub mod portfolio;
pub mod risk;
pub mod run;
pub mod startup;
pub mod strategy;

pub use tradebot_contract::markets;
/// Prices, quantities and orders quantized against a market's ticks.
pub use tradebot_contract::money as domain;
pub use tradebot_contract::params;
pub use tradebot_contract::spec;
