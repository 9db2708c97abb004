//! The alert watcher: one task that turns what the dashboard already records into alerts,
//! without a hook in the lifecycle. Every [`TICK`] it reads
//! - the audit log's new rows: `bot_ended` (a crash, or a halt with exit 20 / 21) and
//!   `kill_all` (the kill switch);
//! - the bots' states: a bot turning `failed` (out of restarts, or an ending relaunching cannot
//!   help), a bot whose status says `halted` (a risk limit);
//! - every [`HEALTH_EVERY`] ticks, the health probe: Vault or the socket proxy going down;
//! - every minute, the bot keys' grants (`super::grants`): one ending within
//!   `alerts.expiry_warning_days`.
//!
//! Each alert goes to every target subscribed to its rule, concurrently, each delivery
//! retried and audited by `crate::alerts::deliver`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Row;

use crate::alerts::{self, Alert, Rule};
use crate::bots::{BotState, BotView};
use crate::web::AppState;

/// How often the watcher looks.
pub const TICK: Duration = Duration::from_millis(500);
/// The health probe runs every this many ticks (5 s).
const HEALTH_EVERY: u32 = 10;

/// What the watcher remembers between ticks.
#[derive(Debug, Default)]
struct Seen {
    audit_id: i64,
    /// Per bot: (state, status said halted).
    bots: HashMap<String, (BotState, bool)>,
    vault_down: bool,
    proxy_down: bool,
}

/// Starts the watcher; it runs as long as the process.
pub fn spawn(app: Arc<AppState>, sender: alerts::Sender) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = Seen {
            audit_id: last_audit_id(&app).await,
            bots: states(&app.bots.list()),
            ..Seen::default()
        };
        let mut tick = 0u32;
        let mut losses = HashSet::new();
        let mut grants = super::grants::GrantWatch::default();
        let grants_every =
            u32::try_from(super::grants::EVERY.as_millis() / TICK.as_millis()).unwrap_or(120);
        loop {
            tokio::time::sleep(TICK).await;
            let mut found = from_audit(&app, &mut seen).await;
            found.extend(from_states(&app.bots.list(), &mut seen.bots));
            if tick.is_multiple_of(HEALTH_EVERY) {
                found.extend(from_health(&app, &mut seen).await);
                found.extend(super::losses::check(&app, &mut losses).await);
            }
            if tick.is_multiple_of(grants_every) {
                found.extend(grants.check(&app).await);
            }
            tick = tick.wrapping_add(1);
            for alert in found {
                dispatch(&app, &sender, alert).await;
            }
        }
    })
}

/// Sends `alert` to every target subscribed to its rule, each in its own task.
pub async fn dispatch(app: &Arc<AppState>, sender: &alerts::Sender, alert: Alert) {
    let targets = match alerts::targets::list(app.store.pool()).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the alert targets");
            return;
        }
    };
    tracing::info!(rule = alert.rule.as_str(), subject = %alert.subject, "alert");
    for target in targets
        .into_iter()
        .filter(|t| t.rules.contains(&alert.rule))
    {
        let (pool, sender, alert) = (app.store.pool().clone(), sender.clone(), alert.clone());
        tokio::spawn(async move {
            alerts::deliver(&pool, &sender, &target, &alert).await;
        });
    }
}

async fn last_audit_id(app: &AppState) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM audit")
        .fetch_one(app.store.pool())
        .await
        .unwrap_or(0)
}

async fn from_audit(app: &AppState, seen: &mut Seen) -> Vec<Alert> {
    let rows = sqlx::query(
        "SELECT id, ts_ms, actor, action, target, details FROM audit \
         WHERE id > ? ORDER BY id LIMIT 200",
    )
    .bind(seen.audit_id)
    .fetch_all(app.store.pool())
    .await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "alerts cannot read the audit log");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for r in rows {
        let (Ok(id), Ok(ts_ms), Ok(actor), Ok(action), Ok(target), Ok(details)) = (
            r.try_get::<i64, _>("id"),
            r.try_get::<i64, _>("ts_ms"),
            r.try_get::<String, _>("actor"),
            r.try_get::<String, _>("action"),
            r.try_get::<String, _>("target"),
            r.try_get::<String, _>("details"),
        ) else {
            continue;
        };
        seen.audit_id = id;
        let details: Value = serde_json::from_str(&details).unwrap_or(Value::Null);
        let bot = app.bots.get(&target);
        if let Some(a) = audit_alert(&action, &actor, &target, &details, ts_ms, bot.as_ref()) {
            out.push(a);
        }
    }
    out
}

/// The alert an audit row stands for, if any (pure: unit-tested).
pub fn audit_alert(
    action: &str,
    actor: &str,
    target: &str,
    details: &Value,
    ts_ms: i64,
    bot: Option<&BotView>,
) -> Option<Alert> {
    match action {
        "kill_all" => {
            let n = details["results"].as_array().map_or(0, Vec::len);
            Some(Alert {
                rule: Rule::KillSwitch,
                subject: "*".into(),
                text: format!("{actor} used the kill switch: {n} bot(s) stopped"),
                ts_ms,
                details: json!({ "by": actor, "bots": n }),
            })
        }
        "bot_ended" => {
            let kind = details["kind"].as_str().unwrap_or_default();
            let rule = match (kind, details["next"].as_str()) {
                ("stuck" | "permission_gone", _) => Rule::BotHalted,
                (_, Some("restart")) => Rule::BotCrashed,
                // `fail`: the state watch sends bot_failed.
                _ => return None,
            };
            let says = details["says"].as_str().unwrap_or_default();
            Some(Alert {
                rule,
                subject: target.to_owned(),
                text: format!("{}: {says}", where_(target, bot)),
                ts_ms,
                details: bot_details(bot, kind, details["exit_code"].as_i64()),
            })
        }
        _ => None,
    }
}

fn where_(bot_id: &str, bot: Option<&BotView>) -> String {
    match bot {
        Some(b) => format!(
            "{bot_id} ({} on {}, wallet {})",
            b.bot_type, b.market, b.wallet
        ),
        None => bot_id.to_owned(),
    }
}

fn bot_details(bot: Option<&BotView>, kind: &str, exit_code: Option<i64>) -> Value {
    json!({
        "wallet": bot.map(|b| b.wallet.as_str()),
        "market": bot.map(|b| b.market.as_str()),
        "bot_type": bot.map(|b| b.bot_type.as_str()),
        "kind": kind,
        "exit_code": exit_code,
    })
}

/// The same test as the bot's `halted` badge ([`crate::bots::risk_halted`]).
fn halted(b: &BotView) -> bool {
    crate::bots::risk_halted(b.state, b.last_status.as_ref())
}

fn states(bots: &[BotView]) -> HashMap<String, (BotState, bool)> {
    bots.iter()
        .map(|b| (b.bot_id.clone(), (b.state, halted(b))))
        .collect()
}

/// Bots that turned `failed`, or whose status turned `halted`, since the last look (pure).
pub fn from_states(bots: &[BotView], seen: &mut HashMap<String, (BotState, bool)>) -> Vec<Alert> {
    let mut out = Vec::new();
    let now = crate::clock::now_ms();
    for b in bots {
        let was = seen.get(&b.bot_id).copied();
        let is_halted = halted(b);
        let reason = b.reason.clone().unwrap_or_default();
        if b.state == BotState::Failed && was.is_none_or(|w| w.0 != BotState::Failed) {
            out.push(Alert {
                rule: Rule::BotFailed,
                subject: b.bot_id.clone(),
                text: format!("{}: failed: {reason}", where_(&b.bot_id, Some(b))),
                ts_ms: now,
                details: bot_details(Some(b), "failed", None),
            });
        }
        if is_halted && was.is_none_or(|w| !w.1) {
            out.push(Alert {
                rule: Rule::BotHalted,
                subject: b.bot_id.clone(),
                text: format!(
                    "{}: halted by a risk limit; it quotes no more",
                    where_(&b.bot_id, Some(b))
                ),
                ts_ms: now,
                details: bot_details(Some(b), "risk_halt", None),
            });
        }
    }
    *seen = states(bots);
    out
}

async fn from_health(app: &AppState, seen: &mut Seen) -> Vec<Alert> {
    let h = crate::web::health::cached(app).await;
    let now = crate::clock::now_ms();
    let mut out = Vec::new();
    for (down, was, rule, subject) in [
        (&h.vault, &mut seen.vault_down, Rule::VaultDown, "vault"),
        (&h.docker, &mut seen.proxy_down, Rule::ProxyDown, "proxy"),
    ] {
        if let Some(message) = down {
            if !*was {
                out.push(Alert {
                    rule,
                    subject: subject.into(),
                    text: message.clone(),
                    ts_ms: now,
                    details: json!({}),
                });
            }
        }
        *was = down.is_some();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: &str, state: BotState, status: Option<Value>) -> BotView {
        let shown_state = crate::bots::shown_state(state, status.as_ref());
        BotView {
            bot_id: id.into(),
            wallet: "w1".into(),
            market: "INJ/USDT".into(),
            bot_type: "grid".into(),
            operator: "otto".into(),
            launch_id: "l".into(),
            state,
            reason: Some("crashed 6 times".into()),
            started_ms: 0,
            ready_ms: None,
            restarts: 0,
            last_status: status,
            pnl: None,
            container_id: None,
            ended: None,
            shown_state,
        }
    }

    #[test]
    fn audit_rows_map_to_rules() {
        let b = view("g1", BotState::Starting, None);
        let ended = |kind: &str, next: &str| json!({"kind": kind, "next": next, "exit_code": 137, "says": "killed"});
        let a = audit_alert(
            "bot_ended",
            "engine",
            "g1",
            &ended("signal", "restart"),
            5,
            Some(&b),
        )
        .unwrap();
        assert_eq!(a.rule, Rule::BotCrashed);
        assert_eq!(a.text, "g1 (grid on INJ/USDT, wallet w1): killed");
        assert_eq!(a.details["exit_code"], 137);
        for kind in ["stuck", "permission_gone"] {
            let a =
                audit_alert("bot_ended", "engine", "g1", &ended(kind, "fail"), 5, None).unwrap();
            assert_eq!(a.rule, Rule::BotHalted);
        }
        assert_eq!(
            audit_alert(
                "bot_ended",
                "engine",
                "g1",
                &ended("tampering", "fail"),
                5,
                None
            ),
            None
        );
        assert_eq!(
            audit_alert(
                "bot_ended",
                "engine",
                "g1",
                &ended("finished", "stay_stopped"),
                5,
                None
            ),
            None
        );
        let k = audit_alert("kill_all", "ada", "*", &json!({"results": [1, 2]}), 5, None).unwrap();
        assert_eq!(
            (k.rule, k.text.as_str()),
            (
                Rule::KillSwitch,
                "ada used the kill switch: 2 bot(s) stopped"
            )
        );
        assert_eq!(
            audit_alert("alert_delivery", "alerts", "ops", &json!({}), 5, None),
            None
        );
    }

    #[test]
    fn failed_and_halted_fire_once_on_the_transition() {
        let mut seen = HashMap::new();
        let running = [view(
            "g1",
            BotState::Running,
            Some(json!({"state": "running"})),
        )];
        assert!(from_states(&running, &mut seen).is_empty());
        let halted = [view(
            "g1",
            BotState::Running,
            Some(json!({"state": "halted"})),
        )];
        let a = from_states(&halted, &mut seen);
        assert_eq!(
            a.iter().map(|a| a.rule).collect::<Vec<_>>(),
            vec![Rule::BotHalted]
        );
        assert!(from_states(&halted, &mut seen).is_empty(), "once");
        let failed = [view("g1", BotState::Failed, None)];
        let a = from_states(&failed, &mut seen);
        assert_eq!(
            a.iter().map(|a| a.rule).collect::<Vec<_>>(),
            vec![Rule::BotFailed]
        );
        assert!(
            a[0].text.ends_with("failed: crashed 6 times"),
            "{}",
            a[0].text
        );
        assert!(from_states(&failed, &mut seen).is_empty(), "once");
    }
}
