//! Reading the bots' stdout: versioned JSON event lines (docs/BOT_EVENTS.md). Anything else on
//! stdout is ignored; unknown event kinds are kept as `Other` so a newer bot does not break an
//! older dashboard.

use serde_json::Value;

/// Event format versions this dashboard understands.
pub const SUPPORTED_VERSION: u64 = 1;

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
    /// A fill, kept as sent (side, price, quantity, fee, ...).
    Fill(Value),
    Other(String),
}

/// Parses one stdout line; `None` for lines that are not events of a supported version.
pub fn parse_line(line: &str) -> Option<BotEvent> {
    let v: Value = serde_json::from_str(line.trim()).ok()?;
    if v.get("v").and_then(Value::as_u64) != Some(SUPPORTED_VERSION) {
        return None;
    }
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .chars()
            .take(500)
            .collect::<String>()
    };
    Some(match v.get("event").and_then(Value::as_str)? {
        "ready" => BotEvent::Ready,
        "status" => BotEvent::Status(v),
        "error" => BotEvent::Error {
            class: text("class"),
            message: text("message"),
        },
        "stopped" => BotEvent::Stopped {
            reason: text("reason"),
        },
        "fill" => BotEvent::Fill(v),
        other => BotEvent::Other(other.chars().take(40).collect()),
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
        assert!(matches!(
            parse_line(r#"{"v":1,"event":"risk_halt"}"#),
            Some(BotEvent::Other(k)) if k == "risk_halt"
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
