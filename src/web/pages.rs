//! The operators' pages: bots overview, bot detail (live logs over server-sent
//! events, fills, PnL chart), wallets. Server-rendered with askama (auto-escaping); the few
//! live parts are static/app.js, which only calls the JSON API.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use super::detail::BotDetail;
use super::error::WebError;
use super::health::cached;
use super::view::{number_text, render, Chrome};
use super::{actions, chart, AppState};
use crate::auth::{Admin, ClientIp, CsrfChecked, Operator, Role, Viewer};
use crate::bots::{BotState, BotView};
use crate::store::Run;

const SCRIPT: &str = include_str!("../../static/app.js");

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(overview))
        .route("/bots/new", get(super::start_form::new_bot))
        .route("/bots/stop-all", post(stop_all))
        .route("/bots/{id}", get(detail))
        .route("/bots/{id}/stop", post(stop))
        .route("/bots/{id}/restart", post(restart))
        .route("/bots/{id}/logs/stream", get(super::live_log::stream))
        .route("/wallets", get(super::wallets_page::wallets))
        .route("/static/app.js", get(script))
}

/// One bot as a table row: everything preformatted, nothing for the template to compute.
#[derive(Debug)]
struct Row {
    id: String,
    state: String,
    wallet: String,
    market: String,
    bot_type: String,
    operator: String,
    uptime: String,
    position: String,
    pnl: String,
    pnl_class: &'static str,
    reason: String,
}

fn row(b: &BotView, now_ms: i64) -> Row {
    let status = b.last_status.as_ref();
    let text = |k: &str| {
        status
            .and_then(|s| s.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let pnl = b.pnl.clone().unwrap_or_default();
    Row {
        id: b.bot_id.clone(),
        state: b.shown_state.to_owned(),
        wallet: b.wallet.clone(),
        market: b.market.clone(),
        bot_type: b.bot_type.clone(),
        operator: b.operator.clone(),
        uptime: match (b.state, b.ready_ms) {
            (BotState::Running, Some(r)) => human_duration(now_ms - r),
            _ => String::new(),
        },
        position: text("position"),
        pnl_class: if pnl.starts_with('-') { "neg" } else { "pos" },
        pnl,
        reason: b.reason.clone().unwrap_or_default(),
    }
}

/// `3d 4h`, `2h 5m`, `4m 10s`, `12s`.
pub fn human_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {sec}s")
    } else {
        format!("{sec}s")
    }
}

#[derive(Template)]
#[template(path = "bots.html")]
struct OverviewPage {
    chrome: Chrome,
    rows: Vec<Row>,
    problems: Vec<String>,
    may_operate: bool,
    is_admin: bool,
    running: usize,
}

async fn overview(user: Viewer, State(app): State<Arc<AppState>>) -> Response {
    let now = crate::clock::now_ms();
    let bots = app.bots.list();
    let health = cached(&app).await;
    render(&OverviewPage {
        chrome: Chrome::new(&user, "bots"),
        running: bots.iter().filter(|b| b.state == BotState::Running).count(),
        rows: bots.iter().map(|b| row(b, now)).collect(),
        problems: health.problems(),
        may_operate: user.role >= Role::Operator,
        is_admin: user.role == Role::Admin,
    })
}

/// A resting order, from the bot's last status event.
#[derive(Debug)]
struct OrderRow {
    side: String,
    price: String,
    remaining: String,
}

#[derive(Debug)]
struct FillRow {
    time: String,
    side: String,
    price: String,
    quantity: String,
    fee: String,
    /// The venue's trade id (on Injective the chain's), empty for paper fills without one.
    trade_id: String,
    /// What the page's script matches live fills on: the trade id, else
    /// `ts_ms:order_id:quantity` (static/app.js builds the same).
    key: String,
}

#[derive(Template)]
#[template(path = "bot_detail.html")]
struct DetailPage {
    chrome: Chrome,
    bot: Row,
    launch_id: String,
    container: String,
    started: String,
    restarts: u32,
    active: bool,
    may_operate: bool,
    open_orders: String,
    realized: String,
    unrealized: String,
    params: String,
    orders: Vec<OrderRow>,
    fills: Vec<FillRow>,
    chart: chart::Chart,
    runs: Vec<RunRow>,
    last_run: Option<Run>,
    /// Why the last run ended, in the table's words, and what to do (empty while none ended).
    advice: String,
    /// The bot runs but its market has had no bid and ask at once (no `mid`): it places
    /// nothing until it has. The page's script hides the notice at the first status with a mid.
    waiting_for_book: bool,
    /// When the run became ready (ms since the epoch; 0 while not running): the uptime ticks.
    ready_ms: i64,
    /// The chart's samples as JSON `[[ts_ms, "pnl"], ...]`, for the live chart.
    history: String,
}

#[derive(Debug)]
struct RunRow {
    ended: String,
    outcome: String,
    exit_code: String,
    reason: String,
}

async fn detail(
    user: Viewer,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let detail = BotDetail::load(&app, &id, 10)
        .await
        .map_err(|e| e.page_for(&user))?;
    let detail =
        detail.ok_or_else(|| WebError::not_found("there is no such bot").page_for(&user))?;
    Ok(render(&DetailPage::new(&user, &detail)))
}

impl DetailPage {
    /// The page's text, every figure preformatted from the one read model.
    fn new(user: &Viewer, d: &BotDetail) -> Self {
        let view = &d.bot;
        let status = view.last_status.clone().unwrap_or(Value::Null);
        let s = |k: &str| number_text(status.get(k));
        let active = view.state.is_active();
        Self {
            chrome: Chrome::new(user, "bots"),
            launch_id: view.launch_id.clone(),
            container: view
                .container_id
                .as_deref()
                .map(|c| c.chars().take(12).collect())
                .unwrap_or_default(),
            started: crate::clock::format_ms(view.started_ms, true),
            restarts: view.restarts,
            active,
            may_operate: user.role >= Role::Operator,
            open_orders: s("open_orders"),
            realized: s("realized_pnl"),
            unrealized: s("unrealized_pnl"),
            params: d
                .params
                .as_ref()
                .map(|p| serde_json::to_string(p).unwrap_or_default())
                .unwrap_or_default(),
            orders: order_rows(&status),
            fills: d.fills.iter().rev().map(fill_row).collect(),
            chart: chart::Chart::from_points(&d.pnl_history),
            ready_ms: match view.state {
                BotState::Running => view.ready_ms.unwrap_or(0),
                _ => 0,
            },
            history: serde_json::to_string(&d.pnl_history).unwrap_or_else(|_| "[]".into()),
            last_run: if active {
                None
            } else {
                d.runs.first().cloned()
            },
            runs: d.runs.iter().map(run_row).collect(),
            advice: view
                .ended
                .as_ref()
                .map(|e| format!("{} What to do: {}.", e.says, e.advice))
                .unwrap_or_default(),
            waiting_for_book: crate::bots::waiting_for_book(view.state, view.last_status.as_ref()),
            bot: row(view, crate::clock::now_ms()),
        }
    }
}

fn field(v: &Value, k: &str) -> String {
    number_text(v.get(k))
}

fn fill_row(f: &Value) -> FillRow {
    FillRow {
        time: f["ts_ms"]
            .as_i64()
            .map(|t| crate::clock::format_ms(t, true))
            .unwrap_or_default(),
        side: field(f, "side"),
        price: field(f, "price"),
        quantity: field(f, "quantity"),
        fee: field(f, "fee"),
        trade_id: field(f, "trade_id"),
        key: match f["trade_id"].as_str() {
            Some(t) if !t.is_empty() => t.to_owned(),
            _ => format!(
                "{}:{}:{}",
                f["ts_ms"].as_i64().unwrap_or(0),
                f["order_id"].as_u64().unwrap_or(0),
                field(f, "quantity")
            ),
        },
    }
}

/// The resting orders of the last status event.
fn order_rows(status: &Value) -> Vec<OrderRow> {
    status["orders"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| OrderRow {
                    side: field(o, "side"),
                    price: field(o, "price"),
                    remaining: field(o, "remaining"),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn run_row(r: &Run) -> RunRow {
    RunRow {
        ended: crate::clock::format_ms(r.ended_ms, true),
        outcome: r.outcome.clone(),
        exit_code: r.exit_code.map(|c| c.to_string()).unwrap_or_default(),
        reason: r.reason.clone(),
    }
}

/// The end of a form action: back to the bot's page, or the error page with the reason.
fn after(result: Result<(), WebError>, to: &str, user: &Operator) -> Response {
    match result {
        Ok(()) => Redirect::to(to).into_response(),
        Err(e) => e.page_for(user).into_response(),
    }
}

async fn stop(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    let result = actions::stop(&app, &op, &ip, &id).await.map(drop);
    after(result, &format!("/bots/{id}"), &op)
}

async fn restart(
    op: Operator,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    let result = actions::restart(&app, &op, &ip, &id).await.map(drop);
    after(result, &format!("/bots/{id}"), &op)
}

async fn stop_all(
    admin: Admin,
    _: CsrfChecked,
    ip: ClientIp,
    State(app): State<Arc<AppState>>,
) -> Response {
    actions::stop_all(&app, &admin, &ip).await;
    Redirect::to("/").into_response()
}

async fn script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        SCRIPT,
    )
        .into_response()
}

#[cfg(test)]
mod tests;
