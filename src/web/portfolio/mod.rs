//! The portfolio (docs/DASHBOARD.md, "Portfolio"): totals per wallet and for the team, from the
//! bots' figures (`figures.rs`), PnL over time windows (`windows.rs`) and the recorded fills
//! (`crate::fills`), and each paper bot's own paper balances (`balances.rs`). `GET /api/portfolio` (JSON) and `GET /portfolio` (the page), any viewer.

mod balances;
mod figures;
pub mod windows;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use rust_decimal::Decimal;

pub use balances::paper_balances;
pub use figures::{aggregate, bot_figures, Figures, Portfolio};
use windows::{day_start, pnl_since, week_start, Point, RunSpan};

use super::error::WebError;
use super::AppState;
use crate::auth::Viewer;
use crate::bots::BotView;

/// Ended runs read per bot (newest first).
const RUNS_PER_BOT: i64 = 1000;

/// The runs of `b`: its archived runs and, while it is active, its current one.
fn spans(b: &BotView, runs: &[crate::store::Run]) -> Vec<RunSpan> {
    let mut out: Vec<RunSpan> = runs
        .iter()
        .map(|r| RunSpan {
            launch_id: r.launch_id.clone(),
            started_ms: r.started_ms,
            ended_ms: Some(r.ended_ms),
            final_pnl: r
                .final_pnl
                .as_deref()
                .and_then(|p| p.parse().ok())
                .unwrap_or_default(),
        })
        .collect();
    if b.state.is_active() {
        out.push(RunSpan {
            launch_id: b.launch_id.clone(),
            started_ms: b.started_ms,
            ended_ms: None,
            final_pnl: Decimal::ZERO,
        });
    }
    out
}

/// Every bot with its figures and its PnL windows at `now_ms` (no volume or fees yet).
async fn bots_with_pnl(app: &AppState, now_ms: i64) -> anyhow::Result<Vec<(BotView, Figures)>> {
    let mut rows = Vec::new();
    for b in app.bots.list() {
        let runs = app.store.runs(&b.bot_id, RUNS_PER_BOT).await?;
        let finals: Vec<Option<String>> = runs.iter().map(|r| r.final_pnl.clone()).collect();
        let mut f = bot_figures(&b, &finals);
        let spans = spans(&b, &runs);
        for (w, t) in [
            (&mut f.windows.today, day_start(now_ms)),
            (&mut f.windows.days_7, week_start(now_ms)),
        ] {
            let point =
                app.store
                    .pnl_point_at(&b.bot_id, t)
                    .await?
                    .and_then(|(ts_ms, launch_id, pnl)| {
                        Some(Point {
                            ts_ms,
                            launch_id,
                            pnl: pnl.parse().ok()?,
                        })
                    });
            w.pnl = pnl_since(f.total, &spans, point.as_ref(), t);
        }
        rows.push((b, f));
    }
    Ok(rows)
}

/// The whole portfolio at `now_ms`: every bot, every recorded fill.
pub async fn load_at(app: &AppState, now_ms: i64) -> anyhow::Result<Portfolio> {
    let rows = bots_with_pnl(app, now_ms).await?;
    let flows = crate::fills::flows(app.store.pool(), 0).await?;
    let mut p = aggregate(&rows, &flows, (day_start(now_ms), week_start(now_ms)));
    p.as_of_ms = now_ms;
    p.paper_balances = paper_balances(rows.iter().map(|(b, _)| b));
    Ok(p)
}

/// Each wallet's PnL since 00:00 UTC of `now_ms`'s day (realized + unrealized, quote units),
/// without reading the fills (the daily-loss alert).
pub async fn pnl_today(app: &AppState, now_ms: i64) -> anyhow::Result<BTreeMap<String, Decimal>> {
    let rows = bots_with_pnl(app, now_ms).await?;
    let p = aggregate(&rows, &[], (day_start(now_ms), week_start(now_ms)));
    Ok(p.wallets
        .into_iter()
        .map(|(w, f)| (w, f.windows.today.pnl))
        .collect())
}

async fn load(app: &AppState) -> Result<Portfolio, WebError> {
    load_at(app, crate::clock::now_ms())
        .await
        .map_err(|e| WebError::internal(&e))
}

/// `GET /api/portfolio`.
pub async fn api(_: Viewer, State(app): State<Arc<AppState>>) -> Result<Json<Portfolio>, WebError> {
    Ok(Json(load(&app).await?))
}

#[derive(askama::Template)]
#[template(path = "portfolio.html")]
struct Page {
    chrome: super::view::Chrome,
    p: Portfolio,
    day: String,
}

/// `GET /portfolio`.
pub async fn page(
    user: Viewer,
    State(app): State<Arc<AppState>>,
) -> Result<axum::response::Response, WebError> {
    let p = load(&app).await.map_err(|e| e.page_for(&user))?;
    Ok(super::view::render(&Page {
        chrome: super::view::Chrome::new(&user, "portfolio"),
        day: crate::clock::format_ms(p.day_start_ms, false),
        p,
    }))
}

#[cfg(test)]
mod tests;
