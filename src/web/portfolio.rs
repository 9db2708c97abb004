//! The portfolio: totals per wallet and for the team, from the bots' figures (docs/DASHBOARD.md,
//! "Portfolio"). Per bot: the current run's realized and unrealized PnL and fees (its last
//! status event) plus the final PnL of its earlier runs (the run archive), each an exact
//! decimal. Sums are exact too (`rust_decimal`), so the page's totals equal the sum of the
//! bots' figures from the API to the last digit.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use rust_decimal::Decimal;
use serde::Serialize;

use super::error::WebError;
use super::AppState;
use crate::auth::Viewer;
use crate::bots::{BotState, BotView};

/// One bot's figures, or a sum of them. Decimals as strings (normalized).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Realized PnL of the current runs (quote units).
    pub realized: Decimal,
    /// Unrealized PnL of the current runs.
    pub unrealized: Decimal,
    /// Final PnL of ended runs (restarts, earlier starts of the same bot).
    pub earlier_runs: Decimal,
    /// realized + unrealized + earlier_runs.
    pub total: Decimal,
    /// Fees paid by the current runs (negative: rebates).
    pub fees: Decimal,
    pub bots_running: u32,
    pub bots_failed: u32,
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.realized += o.realized;
        self.unrealized += o.unrealized;
        self.earlier_runs += o.earlier_runs;
        self.total += o.total;
        self.fees += o.fees;
        self.bots_running += o.bots_running;
        self.bots_failed += o.bots_failed;
    }
}

/// `{wallets: {name: Figures}, team: Figures, bots: {id: Figures}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Portfolio {
    pub bots: BTreeMap<String, Figures>,
    pub wallets: BTreeMap<String, Figures>,
    pub team: Figures,
}

fn dec(v: Option<&serde_json::Value>) -> Decimal {
    match v {
        Some(serde_json::Value::String(s)) => s.parse().unwrap_or_default(),
        Some(serde_json::Value::Number(n)) => n.to_string().parse().unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

/// One bot's figures from its view and its ended runs' final PnL strings (pure).
pub fn bot_figures(b: &BotView, ended_runs: &[Option<String>]) -> Figures {
    let s = b.last_status.as_ref();
    let get = |k: &str| dec(s.and_then(|s| s.get(k)));
    let live = b.state.is_active();
    let (realized, unrealized, fees) = if live {
        (get("realized_pnl"), get("unrealized_pnl"), get("fees"))
    } else {
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO)
    };
    let earlier_runs: Decimal = ended_runs
        .iter()
        .flatten()
        .filter_map(|p| p.parse::<Decimal>().ok())
        .sum();
    Figures {
        realized: realized.normalize(),
        unrealized: unrealized.normalize(),
        earlier_runs: earlier_runs.normalize(),
        total: (realized + unrealized + earlier_runs).normalize(),
        fees: fees.normalize(),
        bots_running: u32::from(b.state == BotState::Running),
        bots_failed: u32::from(b.state == BotState::Failed),
    }
}

/// Sums per wallet and for the team (pure).
pub fn aggregate(bots: &[(BotView, Figures)]) -> Portfolio {
    let mut p = Portfolio::default();
    for (b, f) in bots {
        p.wallets.entry(b.wallet.clone()).or_default().add(f);
        p.team.add(f);
        p.bots.insert(b.bot_id.clone(), f.clone());
    }
    for f in p.wallets.values_mut().chain(std::iter::once(&mut p.team)) {
        for d in [
            &mut f.realized,
            &mut f.unrealized,
            &mut f.earlier_runs,
            &mut f.total,
            &mut f.fees,
        ] {
            *d = d.normalize();
        }
    }
    p
}

/// Everyone's bots, their ended runs read from the archive (the last 1000 per bot).
pub async fn load(app: &AppState) -> Result<Portfolio, WebError> {
    let mut rows = Vec::new();
    for b in app.bots.list() {
        let runs = app
            .store
            .runs(&b.bot_id, 1000)
            .await
            .map_err(|e| WebError::internal(&e))?;
        let finals: Vec<Option<String>> = runs.into_iter().map(|r| r.final_pnl).collect();
        let f = bot_figures(&b, &finals);
        rows.push((b, f));
    }
    Ok(aggregate(&rows))
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
}

/// `GET /portfolio`.
pub async fn page(
    user: Viewer,
    State(app): State<Arc<AppState>>,
) -> Result<axum::response::Response, WebError> {
    let p = load(&app).await.map_err(|e| e.page_for(&user))?;
    Ok(super::view::render(&Page {
        chrome: super::view::Chrome::new(&user, "portfolio"),
        p,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(id: &str, wallet: &str, state: BotState, status: serde_json::Value) -> BotView {
        let shown_state = crate::bots::shown_state(state, Some(&status));
        BotView {
            bot_id: id.into(),
            wallet: wallet.into(),
            market: "INJ/USDT".into(),
            bot_type: "grid".into(),
            operator: "otto".into(),
            launch_id: "l".into(),
            state,
            reason: None,
            started_ms: 0,
            ready_ms: None,
            restarts: 0,
            last_status: Some(status),
            pnl: None,
            container_id: None,
            ended: None,
            shown_state,
        }
    }

    #[test]
    fn sums_are_exact_over_runs_restarts_and_wallets() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let a = view(
            "a",
            "w1",
            BotState::Running,
            json!({"realized_pnl": "0.1", "unrealized_pnl": "0.2", "fees": "0.00000001"}),
        );
        // Restarted twice: the earlier runs' final PnL adds to the current run's.
        let fa = bot_figures(&a, &[Some("1.05".into()), Some("-0.35".into()), None]);
        assert_eq!(fa.total, d("1.0"));
        assert_eq!(fa.earlier_runs, d("0.7"));
        let b = view(
            "b",
            "w1",
            BotState::Failed,
            json!({"realized_pnl": "5", "unrealized_pnl": "5", "fees": "1"}),
        );
        // A failed bot's last status is not a live figure; its runs are archived.
        let fb = bot_figures(&b, &[Some("-0.30000000000000000001".into())]);
        assert_eq!((fb.realized, fb.fees), (Decimal::ZERO, Decimal::ZERO));
        let c = view(
            "c",
            "w2",
            BotState::Running,
            json!({"realized_pnl": 2, "unrealized_pnl": "-0.5", "fees": "-0.01"}),
        );
        let fc = bot_figures(&c, &[]);
        let p = aggregate(&[(a, fa), (b, fb), (c, fc)]);
        assert_eq!(p.wallets["w1"].total, d("0.69999999999999999999"));
        assert_eq!(p.wallets["w1"].fees, d("0.00000001"));
        assert_eq!(
            (p.wallets["w1"].bots_running, p.wallets["w1"].bots_failed),
            (1, 1)
        );
        assert_eq!(p.wallets["w2"].total, d("1.5"));
        assert_eq!(p.team.total, d("2.19999999999999999999"));
        assert_eq!(p.team.realized, d("2.1"));
        assert_eq!(p.team.unrealized, d("-0.3"));
        assert_eq!(p.team.fees, d("-0.00999999"));
        assert_eq!(p.team.bots_running, 2);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["team"]["total"], "2.19999999999999999999");
    }
}
