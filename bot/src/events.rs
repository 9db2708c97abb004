//! Where status events go. The event lines themselves are the contract with the dashboard
//! (`tradebot_contract::events`, docs/BOT_EVENTS.md). Logs go to stderr; stdout carries only
//! events.

use std::io::Write;

pub use tradebot_contract::events::{
    BalanceLine, EventLine, OrderLine, EVENTS_VERSION, MAX_LISTED_ORDERS,
};

/// An event as the bot writes it: borrowed text, no copies.
pub type Event<'a> = tradebot_contract::Event<&'a str>;

/// Where events go: stdout in a running bot, nowhere in a backtest, a vector in tests.
pub trait Sink {
    fn emit(&mut self, event: &Event<'_>);
    /// False when events are dropped anyway, so callers can skip formatting them.
    fn enabled(&self) -> bool {
        true
    }
}

/// The contract sink: JSON lines on stdout.
#[derive(Debug, Default)]
pub struct Stdout;

impl Sink for Stdout {
    fn emit(&mut self, event: &Event<'_>) {
        emit(event);
    }
}

/// Drops everything (backtests print a report instead).
#[derive(Debug, Default)]
pub struct Discard;

impl Sink for Discard {
    fn emit(&mut self, _: &Event<'_>) {}
    fn enabled(&self) -> bool {
        false
    }
}

/// Keeps every event as JSON (tests).
#[derive(Debug, Default)]
pub struct Collect(pub Vec<serde_json::Value>);

impl Sink for Collect {
    fn emit(&mut self, event: &Event<'_>) {
        if let Ok(v) = serde_json::to_value(event) {
            self.0.push(v);
        }
    }
}

impl Collect {
    /// Events of one kind.
    pub fn of(&self, kind: &str) -> Vec<&serde_json::Value> {
        self.0.iter().filter(|e| e["event"] == kind).collect()
    }
}

/// Writes one event line and flushes (the dashboard follows the log stream live).
pub fn emit(event: &Event<'_>) {
    let ts_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let line = EventLine::new(ts_ms, event.clone());
    if let Ok(json) = serde_json::to_string(&line) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{json}");
        let _ = out.flush();
    }
}
