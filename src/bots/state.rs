//! What the dashboard knows about a bot at any moment.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BotState {
    /// Token issued / container starting / waiting for `ready` (also between crash restarts).
    Starting,
    Running,
    Stopping,
    Stopped,
    /// Could not start, or crashed more often than the restart budget allows.
    Failed,
}

impl BotState {
    /// Every state, in lifecycle order (metrics list them all, zero or not).
    pub const ALL: [Self; 5] = [
        Self::Starting,
        Self::Running,
        Self::Stopping,
        Self::Stopped,
        Self::Failed,
    ];

    /// The name the API, pages and metrics use (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Failed => "failed",
        }
    }

    /// Holds its wallet (another bot on the wallet would collide on sequence numbers).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Starting | Self::Running | Self::Stopping)
    }
}

/// The public view of a bot (API, pages). Never holds a token or a key.
#[derive(Debug, Clone, Serialize)]
pub struct BotView {
    pub bot_id: String,
    pub wallet: String,
    pub market: String,
    pub bot_type: String,
    pub operator: String,
    pub launch_id: String,
    pub state: BotState,
    /// Why the bot is in its state, for humans (failures, stops, restarts).
    pub reason: Option<String>,
    pub started_ms: i64,
    pub ready_ms: Option<i64>,
    /// Crash restarts in a row.
    pub restarts: u32,
    /// The last status event, as the bot sent it.
    pub last_status: Option<serde_json::Value>,
    /// Realized + unrealized PnL from the last status event.
    pub pnl: Option<String>,
    pub container_id: Option<String>,
    /// Why its last run ended, what happens next and what to do (docs/DASHBOARD.md, "Why it
    /// stopped"); `None` while a run is up, or before the first one ended.
    pub ended: Option<super::ending::Verdict>,
    /// The state badge's word (see [`shown_state`]): `state`, or `halted` for a running bot
    /// that halted itself on a risk limit.
    pub shown_state: &'static str,
}

/// Whether a bot in `state` whose last status event is `last_status` halted itself on a risk
/// limit: its container runs (its last status says `halted`), it quotes no more and waits for
/// an operator to stop it.
pub fn risk_halted(state: BotState, last_status: Option<&serde_json::Value>) -> bool {
    state == BotState::Running
        && last_status.is_some_and(|s| s.get("state").and_then(|v| v.as_str()) == Some("halted"))
}

/// `last_status` if it was sent by the run that started at `started_ms` (its `ts_ms` is not
/// older; a status without `ts_ms` counts as current). A relaunched bot keeps its previous
/// run's last status on show until the new run reports: that status is not the new run's, and
/// its PnL must not be counted again as the new run's (the archive holds it already).
pub fn status_of_run(
    started_ms: i64,
    last_status: Option<&serde_json::Value>,
) -> Option<&serde_json::Value> {
    let s = last_status?;
    let ts = s.get("ts_ms").and_then(serde_json::Value::as_i64);
    ts.is_none_or(|t| t >= started_ms).then_some(s)
}

/// Whether a running bot has no prices to work with: its last status has no `mid`, because
/// the market's book has not had a bid and an ask at once since the bot started (an empty or
/// one-sided book; the bot waits and places nothing, docs/BOT_EVENTS.md). `false` before the
/// first status (the bot is still starting up) and for a bot that is not running.
pub fn waiting_for_book(state: BotState, last_status: Option<&serde_json::Value>) -> bool {
    state == BotState::Running
        && last_status.is_some_and(|s| s.get("mid").is_none_or(serde_json::Value::is_null))
}

/// The state badge's word: the lifecycle state, except `halted` for a bot that
/// [`risk_halted`]. The lifecycle state stays `running` (its container is up and holds its
/// wallet and market), so Stop and Restart work as for any running bot.
pub fn shown_state(state: BotState, last_status: Option<&serde_json::Value>) -> &'static str {
    if risk_halted(state, last_status) {
        "halted"
    } else {
        state.as_str()
    }
}

/// The one wall clock of the control plane (`crate::clock`), re-exported for the lifecycle.
pub use crate::clock::now_ms;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_names() {
        for state in BotState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
    }

    #[test]
    fn only_a_running_bot_whose_status_says_halted_shows_halted() {
        let halted = serde_json::json!({"state": "halted"});
        let quoting = serde_json::json!({"state": "running"});
        assert_eq!(shown_state(BotState::Running, Some(&halted)), "halted");
        assert_eq!(shown_state(BotState::Running, Some(&quoting)), "running");
        assert_eq!(shown_state(BotState::Running, None), "running");
        // A stopped or failed bot's last status may still say halted: its lifecycle state wins.
        for state in [
            BotState::Starting,
            BotState::Stopping,
            BotState::Stopped,
            BotState::Failed,
        ] {
            assert_eq!(shown_state(state, Some(&halted)), state.as_str());
            assert!(!risk_halted(state, Some(&halted)));
        }
        assert!(risk_halted(BotState::Running, Some(&halted)));
    }

    #[test]
    fn a_status_older_than_the_run_is_not_the_runs() {
        let at = |t: i64| serde_json::json!({"ts_ms": t, "realized_pnl": "1"});
        assert!(status_of_run(1000, Some(&at(999))).is_none());
        assert!(status_of_run(1000, Some(&at(1000))).is_some());
        assert!(status_of_run(1000, Some(&at(1001))).is_some());
        assert!(status_of_run(1000, Some(&serde_json::json!({"realized_pnl": "1"}))).is_some());
        assert!(status_of_run(1000, None).is_none());
    }

    #[test]
    fn a_running_bot_without_a_mid_waits_for_a_book() {
        let no_mid = serde_json::json!({"state": "running", "open_orders": 0});
        let null_mid = serde_json::json!({"state": "running", "mid": null});
        let mid = serde_json::json!({"state": "running", "mid": "10.5"});
        assert!(waiting_for_book(BotState::Running, Some(&no_mid)));
        assert!(waiting_for_book(BotState::Running, Some(&null_mid)));
        assert!(!waiting_for_book(BotState::Running, Some(&mid)));
        assert!(!waiting_for_book(BotState::Running, None), "no status yet");
        assert!(!waiting_for_book(BotState::Stopped, Some(&no_mid)));
        assert!(!waiting_for_book(BotState::Starting, Some(&no_mid)));
    }
}
