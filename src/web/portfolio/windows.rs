//! PnL, volume and fees over time windows (pure; docs/DASHBOARD.md, "Portfolio").
//!
//! A bot's *cumulative* PnL at time `t` (quote units, realized + unrealized) is the final PnL
//! of its runs that ended at or before `t`, plus the PnL of the run active at `t` as its last
//! PnL point at or before `t` says (0 when that run has no point yet: every run starts at 0).
//! Its PnL over a window starting at `t` is its cumulative PnL now minus that at `t`, so a
//! restart inside the window neither loses the ended run's result nor counts it twice.

use rust_decimal::Decimal;
use serde::Serialize;

/// One UTC day, in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// 00:00 UTC of the day of `now_ms` (Unix ms).
pub fn day_start(now_ms: i64) -> i64 {
    now_ms.div_euclid(DAY_MS) * DAY_MS
}

/// The start of the last 7 days: exactly 7 × 24 h before `now_ms`.
pub fn week_start(now_ms: i64) -> i64 {
    now_ms - 7 * DAY_MS
}

/// One run of a bot: `ended_ms` `None` for the current run; `final_pnl` its realized +
/// unrealized PnL when it ended (0 when unknown, and for the current run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpan {
    pub launch_id: String,
    pub started_ms: i64,
    pub ended_ms: Option<i64>,
    pub final_pnl: Decimal,
}

/// A stored PnL point: the run's realized + unrealized PnL at `ts_ms`. `launch_id` `None`:
/// a point from before runs were named; it belongs to the run whose span holds its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub ts_ms: i64,
    pub launch_id: Option<String>,
    pub pnl: Decimal,
}

impl Point {
    fn of(&self, run: &RunSpan) -> bool {
        match &self.launch_id {
            Some(l) => *l == run.launch_id,
            None => self.ts_ms >= run.started_ms && run.ended_ms.is_none_or(|e| self.ts_ms < e),
        }
    }
}

/// The bot's cumulative PnL at `t`, given all its runs and its last PnL point at or before `t`
/// (see the module's docs).
pub fn cumulative_at(runs: &[RunSpan], last_point: Option<&Point>, t: i64) -> Decimal {
    let ended: Decimal = runs
        .iter()
        .filter(|r| r.ended_ms.is_some_and(|e| e <= t))
        .map(|r| r.final_pnl)
        .sum();
    let active = runs
        .iter()
        .find(|r| r.started_ms <= t && r.ended_ms.is_none_or(|e| t < e));
    let open = match (active, last_point) {
        (Some(run), Some(p)) if p.ts_ms <= t && p.of(run) => p.pnl,
        _ => Decimal::ZERO,
    };
    ended + open
}

/// The bot's PnL since `t`: `total_now` (its cumulative PnL now: ended runs' final PnL plus
/// the current run's) minus its cumulative PnL at `t`.
pub fn pnl_since(
    total_now: Decimal,
    runs: &[RunSpan],
    last_point: Option<&Point>,
    t: i64,
) -> Decimal {
    (total_now - cumulative_at(runs, last_point, t)).normalize()
}

/// Figures over one window, quote units: PnL (realized + unrealized), volume (sum of price ×
/// quantity of the fills) and fees (of the fills; negative: rebates).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Window {
    pub pnl: Decimal,
    pub volume: Decimal,
    pub fees: Decimal,
}

/// The three windows: since 00:00 UTC, the last 7 × 24 h, since the first run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Windows {
    pub today: Window,
    pub days_7: Window,
    pub since_start: Window,
}

impl Windows {
    /// Adds `o` to these windows.
    pub fn add(&mut self, o: &Windows) {
        for (a, b) in self.each_mut().into_iter().zip(o.each()) {
            a.pnl += b.pnl;
            a.volume += b.volume;
            a.fees += b.fees;
        }
    }

    /// Adds one fill (at `ts_ms`, `notional` and `fee` in quote units) to the windows that hold
    /// it; `starts` = (today, 7 days) window starts (inclusive).
    pub fn add_fill(&mut self, ts_ms: i64, notional: Decimal, fee: Decimal, starts: (i64, i64)) {
        let (today, week) = starts;
        for (w, start) in [
            (&mut self.today, today),
            (&mut self.days_7, week),
            (&mut self.since_start, i64::MIN),
        ] {
            if ts_ms >= start {
                w.volume += notional;
                w.fees += fee;
            }
        }
    }

    /// Every decimal in its shortest form.
    pub fn normalize(&mut self) {
        for w in self.each_mut() {
            w.pnl = w.pnl.normalize();
            w.volume = w.volume.normalize();
            w.fees = w.fees.normalize();
        }
    }

    fn each(&self) -> [&Window; 3] {
        [&self.today, &self.days_7, &self.since_start]
    }

    fn each_mut(&mut self) -> [&mut Window; 3] {
        [&mut self.today, &mut self.days_7, &mut self.since_start]
    }
}

#[cfg(test)]
mod tests;
