//! Reading the bots' stdout: versioned JSON event lines, parsed with the bot contract's
//! `Event` (docs/BOT_EVENTS.md), the very type the bot writes. Anything else on stdout is
//! ignored; unknown event kinds are kept as `Other` so a newer bot does not break an older
//! dashboard.

use serde_json::Value;
use tradebot_contract::events::{self, LineError};
use tradebot_contract::Event;

/// Event format versions this dashboard understands.
pub const SUPPORTED_VERSION: u64 = events::EVENTS_VERSION as u64;

/// What the lifecycle acts on. Status and fill lines are kept as sent (the raw object), so
/// fields newer than this contract still reach the bot page.
#[derive(Debug, Clone, PartialEq)]
pub enum BotEvent {
    Ready,
    /// A status snapshot (position, PnL, open orders), kept as sent.
    Status(Value),
    Error {
        class: String,
        message: String,
    },
    Stopped {
        reason: String,
    },
    /// The bot halted itself on a risk limit: `rule` is the limit's stable name
    /// (`max_position`, `max_loss`, ...), `message` a sentence; it stays up without orders.
    RiskHalt {
        rule: String,
        message: String,
    },
    /// A fill, kept as sent (side, price, quantity, fee, ...).
    Fill(Value),
    /// Any other kind, known to the contract or newer (at most 40 characters).
    Other(String),
}

/// Parses one stdout line; `None` for lines that are not events of a supported version, and
/// for known kinds that do not match the contract.
pub fn parse_line(line: &str) -> Option<BotEvent> {
    let (parsed, raw) = match events::parse_line(line) {
        Ok(ok) => ok,
        Err(LineError::UnknownKind(Some(kind))) => return Some(BotEvent::Other(kind)),
        Err(_) => return None,
    };
    let text = |s: String| s.chars().take(500).collect::<String>();
    Some(match parsed.event {
        Event::Ready { .. } => BotEvent::Ready,
        Event::Status { .. } => BotEvent::Status(raw),
        Event::Error { class, message, .. } => BotEvent::Error {
            class: text(class),
            message: text(message),
        },
        Event::Stopped { reason, .. } => BotEvent::Stopped {
            reason: text(reason),
        },
        Event::Fill { .. } => BotEvent::Fill(raw),
        Event::RiskHalt { rule, message, .. } => BotEvent::RiskHalt {
            rule: text(rule),
            message: text(message),
        },
        other @ (Event::OrdersCancelled { .. }
        | Event::OrderRejected { .. }
        | Event::Finished { .. }) => BotEvent::Other(other.kind().to_owned()),
    })
}

/// Realized + unrealized PnL of a status event, as a decimal string when both are present.
pub fn total_pnl(status: &Value) -> Option<String> {
    let get = |k: &str| {
        status
            .get(k)
            .and_then(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .or_else(|| x.as_f64().map(|f| f.to_string()))
            })
            .and_then(|s| s.parse::<rust_decimal::Decimal>().ok())
    };
    Some(
        (get("realized_pnl")? + get("unrealized_pnl")?)
            .normalize()
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_and_junk_is_ignored() {
        assert_eq!(
            parse_line(r#"{"v":1,"ts_ms":1,"event":"ready","bot_id":"b"}"#),
            Some(BotEvent::Ready)
        );
        assert_eq!(
            parse_line(r#"{"v":1,"event":"stopped","reason":"sigterm"}"#),
            Some(BotEvent::Stopped {
                reason: "sigterm".into()
            })
        );
        assert!(matches!(
            parse_line(r#"{"v":1,"event":"fill","px":"1"}"#),
            Some(BotEvent::Fill(v)) if v["px"] == "1"
        ));
        assert_eq!(
            parse_line(r#"{"v":1,"event":"risk_halt","rule":"max_loss","message":"lost 5"}"#),
            Some(BotEvent::RiskHalt {
                rule: "max_loss".into(),
                message: "lost 5".into()
            })
        );
        assert!(matches!(
            parse_line(r#"{"v":1,"event":"orders_cancelled","reason":"startup"}"#),
            Some(BotEvent::Other(k)) if k == "orders_cancelled"
        ));
        assert_eq!(parse_line(r#"{"v":2,"event":"ready"}"#), None);
        assert_eq!(parse_line("plain text"), None);
        assert_eq!(parse_line(r#"{"v":1}"#), None);
    }

    #[test]
    fn pnl_adds_realized_and_unrealized_exactly() {
        let s = serde_json::json!({"realized_pnl": "1.10", "unrealized_pnl": "-0.2"});
        assert_eq!(total_pnl(&s).as_deref(), Some("0.9"));
        assert_eq!(total_pnl(&serde_json::json!({"realized_pnl": "1"})), None);
    }
}
