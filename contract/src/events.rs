//! Status events: one JSON object per line on a bot's stdout, versioned (docs/BOT_EVENTS.md).
//! The bot writes them, the dashboard reads them; this is the one definition of both.
//!
//! [`Event`] is generic over its text type: the bot writes `Event<&str>` (no copies of the
//! strings it already holds), the dashboard reads `Event<String>`. Readers default a missing
//! field (empty text, zero, none) so a line from an older or partial writer still parses; the
//! bot always writes every field. New fields and new kinds may appear within a version:
//! unknown fields are ignored, and an unknown kind fails to parse as an [`Event`] so the
//! reader can skip it (see `event` in the raw line).

use serde::{Deserialize, Serialize};

/// Version of the event format (`v` of every line); bump on incompatible changes.
pub const EVENTS_VERSION: u32 = 1;

/// Resting orders listed in a status event; `open_orders` still counts them all.
pub const MAX_LISTED_ORDERS: usize = 50;

/// One resting order as a status event lists it: `side` is `buy` or `sell`, `price` and
/// `remaining` are decimal strings (quote per base; base units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub id: u64,
    pub side: String,
    pub price: String,
    pub remaining: String,
}

/// One asset of a venue-kept account as a status event lists it (the paper venue's account):
/// `asset` is the token symbol (`INJ`, `USDT`, ...), `total` and `available` are exact decimal
/// strings in that asset's units; `available` is what a new order may still use (total less
/// what resting orders hold; on a perpetual: collateral + unrealized PnL − margin in use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceLine {
    #[serde(default)]
    pub asset: String,
    #[serde(default)]
    pub total: String,
    #[serde(default)]
    pub available: String,
}

/// One event, tagged by `event` (snake_case kind). Decimals are strings rounded to 8 places.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<S = String> {
    /// Trading starts: the spec's wallet, market and bot type.
    Ready {
        #[serde(default)]
        bot_id: S,
        #[serde(default)]
        wallet: S,
        #[serde(default)]
        market: S,
        #[serde(default)]
        bot_type: S,
    },
    /// A snapshot: `state` is `running`, `halted`, `finished` or `stopped`.
    Status {
        #[serde(default)]
        bot_id: S,
        #[serde(default)]
        state: S,
        #[serde(default)]
        open_orders: u32,
        #[serde(default)]
        position: S,
        #[serde(default)]
        realized_pnl: S,
        #[serde(default)]
        unrealized_pnl: S,
        /// Last mid price; absent before the first book.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mid: Option<S>,
        /// Fees paid since start (negative: rebates).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fees: Option<S>,
        /// Fills since start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fills: Option<u64>,
        /// The resting orders (at most [`MAX_LISTED_ORDERS`]), for the dashboard's bot page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        orders: Option<Vec<OrderLine>>,
        /// The venue's own account, when the venue keeps one (paper): spot base then quote, a
        /// perpetual's quote collateral. Absent on a chain venue (its balances are on chain).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        balances: Option<Vec<BalanceLine>>,
    },
    /// Orders cancelled in one go: `reason` is `startup`, `risk_halt` or `shutdown`.
    OrdersCancelled {
        #[serde(default)]
        bot_id: S,
        #[serde(default)]
        reason: S,
        #[serde(default)]
        count: usize,
        #[serde(default)]
        order_ids: Vec<u64>,
    },
    /// One fill; `position` and `realized_pnl` are after it, `liquidity` is `maker`/`taker`.
    Fill {
        #[serde(default)]
        bot_id: S,
        #[serde(default)]
        order_id: u64,
        #[serde(default)]
        side: S,
        #[serde(default)]
        price: S,
        #[serde(default)]
        quantity: S,
        #[serde(default)]
        fee: S,
        #[serde(default)]
        liquidity: S,
        #[serde(default)]
        position: S,
        #[serde(default)]
        realized_pnl: S,
        /// The venue's id of the execution (Injective: `"{height}_{n}"`), when it gives one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trade_id: Option<S>,
    },
    /// An order the bot did not send or the venue refused (as asked, before rounding).
    OrderRejected {
        #[serde(default)]
        bot_id: S,
        #[serde(default)]
        side: S,
        #[serde(default)]
        price: S,
        #[serde(default)]
        quantity: S,
        #[serde(default)]
        reason: S,
    },
    /// A risk limit was breached: `rule` names it, `message` gives the numbers.
    RiskHalt {
        #[serde(default)]
        bot_id: S,
        #[serde(default)]
        rule: S,
        #[serde(default)]
        message: S,
    },
    /// A start-up failure (class from docs/SECRETS.md) or `exchange`; never holds a secret.
    Error {
        #[serde(default)]
        bot_id: S,
        #[serde(default)]
        class: S,
        #[serde(default)]
        message: S,
    },
    /// A TWAP's schedule is over: `reason` is `completed` (all executed) or `schedule_ended`
    /// (time is up, `executed` may be short of `target`); base quantities as decimal strings.
    /// The shutdown sequence follows, then `stopped` with reason `finished`.
    Finished {
        #[serde(default)]
        bot_id: S,
        #[serde(default)]
        reason: S,
        #[serde(default)]
        executed: S,
        #[serde(default)]
        target: S,
    },
    /// The last line: `reason` is `sigterm`, `sigint`, `end_of_data`, `exchange_error`,
    /// `finished` (a TWAP whose schedule is over), `repeated_rejections` (a stuck bot) or
    /// `permission_gone` (a delegated key whose grant or fee allowance is gone).
    Stopped {
        #[serde(default)]
        bot_id: S,
        #[serde(default)]
        reason: S,
    },
}

impl<S> Event<S> {
    /// The `event` tag of this kind, as written on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ready { .. } => "ready",
            Self::Status { .. } => "status",
            Self::OrdersCancelled { .. } => "orders_cancelled",
            Self::Fill { .. } => "fill",
            Self::OrderRejected { .. } => "order_rejected",
            Self::RiskHalt { .. } => "risk_halt",
            Self::Error { .. } => "error",
            Self::Finished { .. } => "finished",
            Self::Stopped { .. } => "stopped",
        }
    }
}

/// A whole line: the version, the wall-clock time (Unix milliseconds) and the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de> + Default"))]
pub struct EventLine<S = String> {
    pub v: u32,
    #[serde(default)]
    pub ts_ms: u64,
    #[serde(flatten)]
    pub event: Event<S>,
}

impl<S> EventLine<S> {
    /// A line of the current version ([`EVENTS_VERSION`]).
    pub fn new(ts_ms: u64, event: Event<S>) -> Self {
        Self {
            v: EVENTS_VERSION,
            ts_ms,
            event,
        }
    }
}

/// Why a stdout line is not an event this reader understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("not a JSON object")]
    NotJson,
    #[error("event format version {0:?} is not {EVENTS_VERSION}")]
    Version(Option<u64>),
    /// Kept to 40 characters; `None` when the line has no `event` text.
    #[error("unknown event kind {0:?}")]
    UnknownKind(Option<String>),
    #[error("malformed {kind} event: {reason}")]
    Malformed { kind: String, reason: String },
}

/// Parses one stdout line as a current-version event. Also returns the raw object, so a reader
/// may keep fields newer than this contract.
pub fn parse_line(line: &str) -> Result<(EventLine, serde_json::Value), LineError> {
    let raw: serde_json::Value =
        serde_json::from_str(line.trim()).map_err(|_| LineError::NotJson)?;
    if !raw.is_object() {
        return Err(LineError::NotJson);
    }
    let v = raw.get("v").and_then(serde_json::Value::as_u64);
    if v != Some(u64::from(EVENTS_VERSION)) {
        return Err(LineError::Version(v));
    }
    let kind = raw.get("event").and_then(serde_json::Value::as_str);
    let known = [
        "ready",
        "status",
        "orders_cancelled",
        "fill",
        "order_rejected",
        "risk_halt",
        "error",
        "finished",
        "stopped",
    ];
    let Some(kind) = kind.filter(|k| known.contains(k)) else {
        return Err(LineError::UnknownKind(
            kind.map(|k| k.chars().take(40).collect()),
        ));
    };
    let parsed = EventLine::deserialize(&raw).map_err(|e| LineError::Malformed {
        kind: kind.to_owned(),
        reason: e.to_string(),
    })?;
    Ok((parsed, raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_tagged_and_versioned() {
        let line = EventLine::new(
            5,
            Event::Stopped {
                bot_id: "b1",
                reason: "sigterm",
            },
        );
        let json = serde_json::to_value(&line).unwrap();
        assert_eq!(json["event"], "stopped");
        assert_eq!(json["v"], 1);
        assert_eq!(json["reason"], "sigterm");
        assert_eq!(json["ts_ms"], 5);
    }

    #[test]
    fn junk_old_versions_and_unknown_kinds_are_told_apart() {
        assert_eq!(parse_line("plain text").unwrap_err(), LineError::NotJson);
        assert_eq!(parse_line("[1]").unwrap_err(), LineError::NotJson);
        assert_eq!(
            parse_line(r#"{"v":2,"event":"ready"}"#).unwrap_err(),
            LineError::Version(Some(2))
        );
        assert_eq!(
            parse_line(r#"{"v":1,"event":"moon"}"#).unwrap_err(),
            LineError::UnknownKind(Some("moon".into()))
        );
        assert_eq!(
            parse_line(r#"{"v":1}"#).unwrap_err(),
            LineError::UnknownKind(None)
        );
        let err = parse_line(r#"{"v":1,"event":"fill","order_id":"x"}"#).unwrap_err();
        assert!(matches!(err, LineError::Malformed { ref kind, .. } if kind == "fill"));
    }

    #[test]
    fn missing_fields_default_and_unknown_fields_are_kept_in_the_raw_line() {
        let (line, raw) = parse_line(r#"{"v":1,"event":"ready","bot_id":"b","new":7}"#).unwrap();
        assert_eq!(
            line.event,
            Event::Ready {
                bot_id: "b".into(),
                wallet: String::new(),
                market: String::new(),
                bot_type: String::new(),
            }
        );
        assert_eq!(raw["new"], 7);
    }

    fn status(balances: Option<Vec<BalanceLine>>) -> Event<&'static str> {
        Event::Status {
            bot_id: "b",
            state: "running",
            open_orders: 0,
            position: "0",
            realized_pnl: "0",
            unrealized_pnl: "0",
            mid: None,
            fees: None,
            fills: None,
            orders: None,
            balances,
        }
    }

    #[test]
    fn balances_are_optional_both_ways() {
        // A bot without balances (a chain venue, an older bot): no field written, none read.
        let line = serde_json::to_string(&EventLine::new(1, status(None))).unwrap();
        assert!(!line.contains("balances"), "{line}");
        let (parsed, _) = parse_line(&line).unwrap();
        assert!(matches!(parsed.event, Event::Status { balances: None, .. }));
        // A newer bot's line with balances and fields this reader does not know yet parses.
        let line = r#"{"v":1,"event":"status","bot_id":"b","balances":[
            {"asset":"INJ","total":"249","available":"248.5","locked":"0.5"},{"asset":"USDT"}]}"#;
        let (parsed, raw) = parse_line(line).unwrap();
        let Event::Status { balances, .. } = parsed.event else {
            panic!("not a status");
        };
        let b = balances.unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].asset.as_str(), b[0].total.as_str()), ("INJ", "249"));
        assert_eq!(b[0].available, "248.5");
        assert_eq!((b[1].asset.as_str(), b[1].total.as_str()), ("USDT", ""));
        assert_eq!(raw["balances"][0]["locked"], "0.5");
        // Not a list: the line is malformed, not silently read as no balances.
        let err = parse_line(r#"{"v":1,"event":"status","balances":"9"}"#).unwrap_err();
        assert!(matches!(err, LineError::Malformed { ref kind, .. } if kind == "status"));
    }
}
