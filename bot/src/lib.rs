//! The trading bot: secure start-up, the trading engine (strategies, risk limits, portfolio),
//! the exchange trait and its embedded paper venue, status events, live runs and backtests.
//!
//! The dashboard links this crate for [`params`] (bot types, validation, form schemas).

pub mod backtest;
pub mod clock;
pub mod domain;
pub mod engine;
pub mod events;
pub mod exchange;
pub mod markets;
pub mod paper;
pub mod params;
pub mod portfolio;
pub mod risk;
pub mod run;
pub mod spec;
pub mod startup;
pub mod strategy;
