//! One bot's figures and their sums per wallet and for the team (pure). Per bot: the current
//! run's realized and unrealized PnL and fees (its last status event) plus the final PnL of
//! its earlier runs (the run archive); its windows (`windows.rs`); its open position and
//! exposure (position × the status's mid). Sums are exact (`rust_decimal`), so the totals
//! equal the sum of the bots' figures from the API to the last digit.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::windows::{Window, Windows};
use crate::bots::{BotState, BotView};
use crate::fills::Flow;

/// One bot's figures, or a sum of them. Decimals as strings (normalized), quote units unless
/// said otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Realized PnL of the current runs.
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
    /// PnL (realized + unrealized), volume and fees since 00:00 UTC, over the last 7 days and
    /// since start. Volume and fees are those of the recorded fills.
    pub windows: Windows,
    /// Open positions of the current runs, per market.
    pub markets: BTreeMap<String, Exposure>,
}

/// An open position: `position` in base units (signed: negative is short); `exposure` =
/// position × the last mid, quote units, signed; `None` while a bot holding a position has
/// not reported a mid yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Exposure {
    pub position: Decimal,
    pub exposure: Option<Decimal>,
}

impl Exposure {
    /// The exposure for a page: the decimal, or "no mid yet".
    pub fn text(&self) -> String {
        self.exposure
            .map_or_else(|| "no mid yet".to_owned(), |x| x.to_string())
    }
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
        self.windows.add(&o.windows);
        for (m, e) in &o.markets {
            let mine = self.markets.entry(m.clone()).or_insert(Exposure {
                position: Decimal::ZERO,
                exposure: Some(Decimal::ZERO),
            });
            mine.position += e.position;
            mine.exposure = mine.exposure.zip(e.exposure).map(|(a, b)| a + b);
        }
    }

    fn normalize(&mut self) {
        for d in [
            &mut self.realized,
            &mut self.unrealized,
            &mut self.earlier_runs,
            &mut self.total,
            &mut self.fees,
        ] {
            *d = d.normalize();
        }
        self.windows.normalize();
        for e in self.markets.values_mut() {
            e.position = e.position.normalize();
            e.exposure = e.exposure.map(|x| x.normalize());
        }
    }
}

/// `{wallets: {name: Figures}, team: Figures, bots: {id: Figures}}`, and the window starts
/// (Unix ms): `day_start_ms` (00:00 UTC today), `week_start_ms` (7 × 24 h ago), `as_of_ms`;
/// `paper_balances`: `{wallet: [PaperBalance]}`, per bot, never summed (`balances.rs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Portfolio {
    pub bots: BTreeMap<String, Figures>,
    pub wallets: BTreeMap<String, Figures>,
    pub team: Figures,
    pub as_of_ms: i64,
    pub day_start_ms: i64,
    pub week_start_ms: i64,
    pub paper_balances: BTreeMap<String, Vec<super::balances::PaperBalance>>,
}

fn dec(v: Option<&serde_json::Value>) -> Option<Decimal> {
    match v {
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        Some(serde_json::Value::Number(n)) => n.to_string().parse().ok(),
        _ => None,
    }
}

/// The status of the bot's current run: none when the bot is not active, or when its last
/// status is older than its current run (a restart whose new run has not reported yet; the
/// old run's result is in the archive then).
pub fn current_status(b: &BotView) -> Option<&serde_json::Value> {
    let s = b.last_status.as_ref().filter(|_| b.state.is_active());
    crate::bots::status_of_run(b.started_ms, s)
}

/// One bot's figures from its view and its ended runs' final PnL strings; `windows` only
/// carries `since_start.pnl` (= `total`): the caller sets the rest (pure).
pub fn bot_figures(b: &BotView, ended_runs: &[Option<String>]) -> Figures {
    let s = current_status(b);
    let get = |k: &str| dec(s.and_then(|s| s.get(k))).unwrap_or_default();
    let (realized, unrealized, fees) = (get("realized_pnl"), get("unrealized_pnl"), get("fees"));
    let earlier_runs: Decimal = ended_runs
        .iter()
        .flatten()
        .filter_map(|p| p.parse::<Decimal>().ok())
        .sum();
    let total = realized + unrealized + earlier_runs;
    let mut markets = BTreeMap::new();
    if let Some(position) = dec(s.and_then(|s| s.get("position"))) {
        let mid = dec(s.and_then(|s| s.get("mid")));
        let exposure = match mid {
            Some(m) => position.checked_mul(m),
            None if position.is_zero() => Some(Decimal::ZERO),
            None => None,
        };
        markets.insert(b.market.clone(), Exposure { position, exposure });
    }
    let mut f = Figures {
        realized,
        unrealized,
        earlier_runs,
        total,
        fees,
        bots_running: u32::from(b.state == BotState::Running),
        bots_failed: u32::from(b.state == BotState::Failed),
        windows: Windows::default(),
        markets,
    };
    f.windows.since_start.pnl = total;
    f.normalize();
    f
}

/// Sums per wallet and for the team (pure). Volume and fees of the windows come from `flows`
/// (every recorded fill, also of bots no longer listed), per bot, per wallet and for the
/// team; `starts` = (today, 7 days) window starts.
pub fn aggregate(bots: &[(BotView, Figures)], flows: &[Flow], starts: (i64, i64)) -> Portfolio {
    let mut p = Portfolio {
        day_start_ms: starts.0,
        week_start_ms: starts.1,
        ..Portfolio::default()
    };
    for (b, f) in bots {
        p.wallets.entry(b.wallet.clone()).or_default().add(f);
        p.team.add(f);
        p.bots.insert(b.bot_id.clone(), f.clone());
    }
    let mut by_bot: BTreeMap<&str, Windows> = BTreeMap::new();
    let mut by_wallet: BTreeMap<&str, Windows> = BTreeMap::new();
    let mut team = Windows::default();
    for x in flows {
        for w in [
            by_bot.entry(&x.bot_id).or_default(),
            by_wallet.entry(&x.wallet).or_default(),
            &mut team,
        ] {
            w.add_fill(x.ts_ms, x.notional, x.fee, starts);
        }
    }
    let set = |f: &mut Figures, w: Option<&Windows>| {
        let none = Windows::default();
        let w = w.unwrap_or(&none);
        let pairs: [(&mut Window, &Window); 3] = [
            (&mut f.windows.today, &w.today),
            (&mut f.windows.days_7, &w.days_7),
            (&mut f.windows.since_start, &w.since_start),
        ];
        for (mine, from) in pairs {
            mine.volume = from.volume;
            mine.fees = from.fees;
        }
    };
    for (id, f) in &mut p.bots {
        set(f, by_bot.get(id.as_str()));
    }
    for w in by_wallet.keys() {
        p.wallets.entry((*w).to_owned()).or_default();
    }
    for (name, f) in &mut p.wallets {
        set(f, by_wallet.get(name.as_str()));
    }
    set(&mut p.team, Some(&team));
    for f in p
        .wallets
        .values_mut()
        .chain(p.bots.values_mut())
        .chain(std::iter::once(&mut p.team))
    {
        f.normalize();
    }
    p
}
