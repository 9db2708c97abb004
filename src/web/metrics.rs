//! Prometheus metrics at `/metrics`, for signed-in users and API tokens only (bot ids and
//! wallet names are business information). Written by hand: a handful of gauges and counters
//! and one latency histogram do not need a metrics framework. Every metric is documented in
//! docs/METRICS.md; the alert rules in ops/monitoring/ use them.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::auth::Viewer;
use crate::bots::{BotState, BotView, Counters};

/// Upper bounds (seconds) of the request latency buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// Request latency histogram (all routes together).
#[derive(Debug, Default)]
pub struct Latency {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Latency {
    fn observe(&self, secs: f64) {
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        // Saturating float-to-int cast: fine for a sum of microseconds.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        self.sum_micros
            .fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    }
}

/// Middleware: times every request.
pub async fn track(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(req).await;
    app.latency.observe(started.elapsed().as_secs_f64());
    response
}

pub async fn render(_: Viewer, State(app): State<Arc<AppState>>) -> Response {
    let mut out = String::new();
    let bots = app.bots.list();
    write_bots(&mut out, &bots);
    write_bot_figures(&mut out, &bots);
    write_counters(&mut out, app.bots.counters());
    match super::portfolio::pnl_today(&app, crate::clock::now_ms()).await {
        Ok(pnl) => write_wallet_pnl_today(&mut out, &pnl),
        Err(e) => tracing::warn!(error = %e, "metrics cannot read today's PnL"),
    }
    write_grant_expiries(&mut out, &app.grant_expiries.snapshot());
    write_dependencies(&mut out, &super::health::cached(&app).await);
    write_latency(&mut out, &app.latency);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        out,
    )
        .into_response()
}

/// `tradebot_bots{state}`: a gauge of the bots in each state, every state listed.
fn write_bots(out: &mut String, bots: &[BotView]) {
    let _ = writeln!(
        out,
        "# HELP tradebot_bots Bots by state.\n# TYPE tradebot_bots gauge"
    );
    for state in BotState::ALL {
        let n = bots.iter().filter(|b| b.state == state).count();
        let name = state.as_str();
        let _ = writeln!(out, "tradebot_bots{{state=\"{name}\"}} {n}");
    }
}

/// The per-bot gauges: name, help, and the field of the bot's last `status` event they read.
const BOT_FIGURES: [(&str, &str, &str); 6] = [
    (
        "tradebot_bot_realized_pnl",
        "Realized PnL since the bot's start, in quote units (last status event).",
        "realized_pnl",
    ),
    (
        "tradebot_bot_unrealized_pnl",
        "Unrealized PnL at the last mid price, in quote units (last status event).",
        "unrealized_pnl",
    ),
    (
        "tradebot_bot_position",
        "Net position in base units, negative when short (last status event).",
        "position",
    ),
    (
        "tradebot_bot_fees",
        "Fees paid since the bot's start, in quote units; negative for rebates.",
        "fees",
    ),
    (
        "tradebot_bot_fills",
        "Fills since the bot's start (last status event).",
        "fills",
    ),
    (
        "tradebot_bot_open_orders",
        "Resting orders of the bot (last status event).",
        "open_orders",
    ),
];

/// One line per bot: `tradebot_bot_info` (value 1, the state as a label), the crash restarts
/// in a row, and the figures of its last status event (a bot that has sent none has none).
fn write_bot_figures(out: &mut String, bots: &[BotView]) {
    let _ = writeln!(
        out,
        "# HELP tradebot_bot_info A bot the dashboard knows, with its state.\n# TYPE tradebot_bot_info gauge"
    );
    for b in bots {
        let _ = writeln!(
            out,
            "tradebot_bot_info{{{},state=\"{}\"}} 1",
            bot_labels(b),
            b.state.as_str()
        );
    }
    let _ = writeln!(
        out,
        "# HELP tradebot_bot_restarts Crash restarts in a row of the bot.\n# TYPE tradebot_bot_restarts gauge"
    );
    for b in bots {
        let _ = writeln!(
            out,
            "tradebot_bot_restarts{{{}}} {}",
            bot_labels(b),
            b.restarts
        );
    }
    let _ = writeln!(
        out,
        "# HELP tradebot_bot_halted 1 when the bot runs but halted itself on a risk limit (it quotes no more), else 0.\n# TYPE tradebot_bot_halted gauge"
    );
    for b in bots {
        let _ = writeln!(
            out,
            "tradebot_bot_halted{{{}}} {}",
            bot_labels(b),
            u8::from(crate::bots::risk_halted(b.state, b.last_status.as_ref()))
        );
    }
    for (name, help, field) in BOT_FIGURES {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for b in bots {
            if let Some(v) = status_number(b, field) {
                let _ = writeln!(out, "{name}{{{}}} {v}", bot_labels(b));
            }
        }
    }
}

/// `bot_id`, `wallet`, `market` and `bot_type` labels, escaped as the exposition format says.
fn bot_labels(b: &BotView) -> String {
    format!(
        "bot_id=\"{}\",wallet=\"{}\",market=\"{}\",bot_type=\"{}\"",
        escape(&b.bot_id),
        escape(&b.wallet),
        escape(&b.market),
        escape(&b.bot_type)
    )
}

/// A label value with `\`, `"` and newlines escaped (Prometheus text format 0.0.4).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A figure of the last status event as exposition text: the bot sends decimals as strings
/// (exact) and counts as numbers. Anything that is not a plain decimal number is left out
/// rather than written as a broken sample.
fn status_number(b: &BotView, field: &str) -> Option<String> {
    let value = b.last_status.as_ref()?.get(field)?;
    let text = match value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => return None,
    };
    text.parse::<rust_decimal::Decimal>()
        .ok()
        .map(|d| d.normalize().to_string())
}

/// `tradebot_wallet_pnl_today{wallet}`: each wallet's PnL since 00:00 UTC (realized +
/// unrealized over its bots' runs, quote units), the figure the `daily_loss` alert reads.
fn write_wallet_pnl_today(
    out: &mut String,
    pnl: &std::collections::BTreeMap<String, rust_decimal::Decimal>,
) {
    let _ = writeln!(
        out,
        "# HELP tradebot_wallet_pnl_today PnL of the wallet's bots since 00:00 UTC (realized + unrealized, quote units).\n# TYPE tradebot_wallet_pnl_today gauge"
    );
    for (wallet, v) in pnl {
        let _ = writeln!(
            out,
            "tradebot_wallet_pnl_today{{wallet=\"{}\"}} {}",
            escape(wallet),
            v.normalize()
        );
    }
}

/// `tradebot_bot_key_grant_expiry_timestamp_seconds{wallet,market}`: when each live bot key's
/// trade grant ends (Unix seconds), as the alert watcher last read it from Vault (every
/// minute; none before its first read, and none for a grant revoked on purpose).
fn write_grant_expiries(
    out: &mut String,
    expiries: &std::collections::BTreeMap<(String, String), i64>,
) {
    let _ = writeln!(
        out,
        "# HELP tradebot_bot_key_grant_expiry_timestamp_seconds When the live bot key's trade grant ends (Unix seconds).\n# TYPE tradebot_bot_key_grant_expiry_timestamp_seconds gauge"
    );
    for ((wallet, market), secs) in expiries {
        let _ = writeln!(
            out,
            "tradebot_bot_key_grant_expiry_timestamp_seconds{{wallet=\"{}\",market=\"{}\"}} {secs}",
            escape(wallet),
            escape(market)
        );
    }
}

/// `tradebot_dependency_up{dependency}`: 1 when Vault (a token self-lookup) or the Docker
/// engine (a ping through the socket proxy) answers the dashboard, 0 otherwise. The probe is
/// the one the page banner uses, at most 2 s old.
fn write_dependencies(out: &mut String, health: &super::health::Health) {
    let _ = writeln!(
        out,
        "# HELP tradebot_dependency_up Whether Vault and the Docker engine (through the socket proxy) answer the dashboard.\n# TYPE tradebot_dependency_up gauge"
    );
    for (name, problem) in [("vault", &health.vault), ("docker", &health.docker)] {
        let _ = writeln!(
            out,
            "tradebot_dependency_up{{dependency=\"{name}\"}} {}",
            u8::from(problem.is_none())
        );
    }
}

/// The manager's launch, failure, crash and token counters.
fn write_counters(out: &mut String, c: &Counters) {
    for (name, help, v) in [
        (
            "tradebot_bot_starts_total",
            "Bot launches attempted.",
            &c.starts,
        ),
        (
            "tradebot_bot_start_failures_total",
            "Bot launches that failed.",
            &c.start_failures,
        ),
        (
            "tradebot_bot_crashes_total",
            "Bot containers that died unasked.",
            &c.crashes,
        ),
        (
            "tradebot_kill_switch_total",
            "Uses of the kill switch (stop every bot).",
            &c.kill_switches,
        ),
        (
            "tradebot_token_issues_total",
            "Wrapped bot tokens issued by Vault.",
            &c.token_issues,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
            v.load(Ordering::Relaxed)
        );
    }
}

/// The dashboard request latency histogram (seconds; buckets in [`BUCKETS`]).
fn write_latency(out: &mut String, l: &Latency) {
    let _ = writeln!(out, "# HELP tradebot_http_request_duration_seconds Dashboard request latency.\n# TYPE tradebot_http_request_duration_seconds histogram");
    for (i, le) in BUCKETS.iter().enumerate() {
        let _ = writeln!(
            out,
            "tradebot_http_request_duration_seconds_bucket{{le=\"{le}\"}} {}",
            l.buckets[i].load(Ordering::Relaxed)
        );
    }
    let count = l.count.load(Ordering::Relaxed);
    let _ = writeln!(
        out,
        "tradebot_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
    );
    #[allow(clippy::cast_precision_loss)] // a sum of microseconds, shown in seconds
    let sum = l.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = writeln!(out, "tradebot_http_request_duration_seconds_sum {sum}");
    let _ = writeln!(out, "tradebot_http_request_duration_seconds_count {count}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bot(status: Option<serde_json::Value>) -> BotView {
        let shown_state = crate::bots::shown_state(BotState::Running, status.as_ref());
        BotView {
            bot_id: "mm-1".into(),
            wallet: "demo".into(),
            market: "INJ/USDT".into(),
            bot_type: "market_maker".into(),
            operator: "otto".into(),
            launch_id: "l-1".into(),
            state: BotState::Running,
            reason: None,
            started_ms: 0,
            ready_ms: None,
            restarts: 2,
            last_status: status,
            pnl: None,
            container_id: None,
            ended: None,
            shown_state,
        }
    }

    #[test]
    fn a_bot_with_a_status_has_every_figure_labelled_with_its_identity() {
        let b = bot(Some(serde_json::json!({
            "realized_pnl": "1.50", "unrealized_pnl": "-0.25", "position": "-3",
            "fees": "0.0100", "fills": 7, "open_orders": 4
        })));
        let mut out = String::new();
        write_bot_figures(&mut out, &[b]);
        let l = r#"bot_id="mm-1",wallet="demo",market="INJ/USDT",bot_type="market_maker""#;
        for line in [
            format!("tradebot_bot_info{{{l},state=\"running\"}} 1"),
            format!("tradebot_bot_restarts{{{l}}} 2"),
            format!("tradebot_bot_halted{{{l}}} 0"),
            format!("tradebot_bot_realized_pnl{{{l}}} 1.5"),
            format!("tradebot_bot_unrealized_pnl{{{l}}} -0.25"),
            format!("tradebot_bot_position{{{l}}} -3"),
            format!("tradebot_bot_fees{{{l}}} 0.01"),
            format!("tradebot_bot_fills{{{l}}} 7"),
            format!("tradebot_bot_open_orders{{{l}}} 4"),
        ] {
            assert!(out.lines().any(|x| x == line), "missing {line:?} in\n{out}");
        }
    }

    #[test]
    fn a_running_bot_whose_status_says_halted_is_halted_and_others_are_not() {
        let halted = bot(Some(serde_json::json!({"state": "halted"})));
        let mut stopped = bot(Some(serde_json::json!({"state": "halted"})));
        stopped.state = BotState::Stopped;
        stopped.bot_id = "mm-2".into();
        let mut out = String::new();
        write_bot_figures(&mut out, &[halted, stopped]);
        let l = r#"wallet="demo",market="INJ/USDT",bot_type="market_maker""#;
        assert!(out.contains(&format!("tradebot_bot_halted{{bot_id=\"mm-1\",{l}}} 1\n")));
        assert!(out.contains(&format!("tradebot_bot_halted{{bot_id=\"mm-2\",{l}}} 0\n")));
    }

    #[test]
    fn figures_that_are_absent_or_not_decimal_are_left_out() {
        let none = bot(None);
        let odd = bot(Some(serde_json::json!({
            "realized_pnl": "NaN", "position": "12abc", "fees": true, "fills": "x", "open_orders": null
        })));
        let mut out = String::new();
        write_bot_figures(&mut out, &[none, odd]);
        let samples: Vec<&str> = out
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| {
                !l.starts_with("tradebot_bot_info")
                    && !l.starts_with("tradebot_bot_restarts")
                    && !l.starts_with("tradebot_bot_halted")
            })
            .collect();
        assert_eq!(samples, Vec::<&str>::new());
    }

    #[test]
    fn each_wallets_pnl_today_is_one_exact_line() {
        let pnl = std::collections::BTreeMap::from([
            ("w1".to_owned(), "-100.000000010".parse().unwrap()),
            ("w2".to_owned(), rust_decimal::Decimal::ZERO),
        ]);
        let mut out = String::new();
        write_wallet_pnl_today(&mut out, &pnl);
        assert!(out.contains("tradebot_wallet_pnl_today{wallet=\"w1\"} -100.00000001\n"));
        assert!(out.contains("tradebot_wallet_pnl_today{wallet=\"w2\"} 0\n"));
    }

    #[test]
    fn each_grant_expiry_is_one_line_in_unix_seconds() {
        let e = std::collections::BTreeMap::from([
            (("desk".to_owned(), "INJ/USDT".to_owned()), 1_796_774_400),
            (("desk".to_owned(), "TIA/USDT".to_owned()), 0),
        ]);
        let mut out = String::new();
        write_grant_expiries(&mut out, &e);
        let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                r#"tradebot_bot_key_grant_expiry_timestamp_seconds{wallet="desk",market="INJ/USDT"} 1796774400"#,
                r#"tradebot_bot_key_grant_expiry_timestamp_seconds{wallet="desk",market="TIA/USDT"} 0"#,
            ]
        );
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("a\nb"), r"a\nb");
        assert_eq!(escape("INJ/USDT"), "INJ/USDT");
    }

    #[test]
    fn dependencies_are_up_unless_the_probe_names_a_problem() {
        let mut out = String::new();
        write_dependencies(
            &mut out,
            &super::super::health::Health {
                vault: Some("sealed".into()),
                docker: None,
            },
        );
        assert!(
            out.contains("tradebot_dependency_up{dependency=\"vault\"} 0\n"),
            "{out}"
        );
        assert!(
            out.contains("tradebot_dependency_up{dependency=\"docker\"} 1\n"),
            "{out}"
        );
    }
}
