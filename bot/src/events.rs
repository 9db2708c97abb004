//! Status events: one JSON object per line on stdout, versioned. This is the contract with the
//! dashboard (docs/BOT_EVENTS.md). Logs go to stderr; stdout carries only events.

use std::io::Write;

use serde::Serialize;

/// Resting orders listed in a status event; `open_orders` still counts them all.
pub const MAX_LISTED_ORDERS: usize = 50;

/// One resting order as a status event lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderLine {
    pub id: u64,
    pub side: &'static str,
    pub price: String,
    pub remaining: String,
}

/// Version of the event format; bump on incompatible changes.
pub const EVENTS_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<'a> {
    Ready {
        bot_id: &'a str,
        wallet: &'a str,
        market: &'a str,
        bot_type: &'a str,
    },
    Status {
        bot_id: &'a str,
        state: &'a str,
        open_orders: u32,
        position: &'a str,
        realized_pnl: &'a str,
        unrealized_pnl: &'a str,
        /// Added in the engine: last mid, fees paid and fill count.
        #[serde(skip_serializing_if = "Option::is_none")]
        mid: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fees: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fills: Option<u64>,
        /// The resting orders (at most [`MAX_LISTED_ORDERS`]), for the dashboard's bot page.
        #[serde(skip_serializing_if = "Option::is_none")]
        orders: Option<&'a [OrderLine]>,
    },
    /// Orders cancelled in one go: at start-up (orphans), on a risk halt, on shutdown.
    OrdersCancelled {
        bot_id: &'a str,
        reason: &'a str,
        count: usize,
        order_ids: &'a [u64],
    },
    Fill {
        bot_id: &'a str,
        order_id: u64,
        side: &'a str,
        price: &'a str,
        quantity: &'a str,
        fee: &'a str,
        liquidity: &'a str,
        position: &'a str,
        realized_pnl: &'a str,
    },
    OrderRejected {
        bot_id: &'a str,
        side: &'a str,
        price: &'a str,
        quantity: &'a str,
        reason: &'a str,
    },
    RiskHalt {
        bot_id: &'a str,
        rule: &'a str,
        message: &'a str,
    },
    Error {
        bot_id: &'a str,
        class: &'a str,
        message: &'a str,
    },
    Stopped {
        bot_id: &'a str,
        reason: &'a str,
    },
}

#[derive(Serialize)]
struct Line<'a> {
    v: u32,
    ts_ms: u128,
    #[serde(flatten)]
    event: &'a Event<'a>,
}

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
        .map_or(0, |d| d.as_millis());
    let line = Line {
        v: EVENTS_VERSION,
        ts_ms,
        event,
    };
    if let Ok(json) = serde_json::to_string(&line) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{json}");
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_tagged_and_versioned() {
        let e = Event::Stopped {
            bot_id: "b1",
            reason: "sigterm",
        };
        let json = serde_json::to_value(Line {
            v: 1,
            ts_ms: 5,
            event: &e,
        })
        .unwrap();
        assert_eq!(json["event"], "stopped");
        assert_eq!(json["v"], 1);
        assert_eq!(json["reason"], "sigterm");
    }
}
