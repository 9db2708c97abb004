//! Status events: one JSON object per line on stdout, versioned. This is the contract with the
//! dashboard (docs/BOT_EVENTS.md). Logs go to stderr; stdout carries only events.

use std::io::Write;

use serde::Serialize;

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
