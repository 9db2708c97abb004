//! Strategies decide; the engine acts. A strategy sees a [`View`] of the market and its own
//! orders and pushes [`Intent`]s; the engine quantizes them into orders (ticks, minimum
//! notional), runs the risk checks and talks to the venue. Strategies hold no I/O, so each is
//! unit-tested with scripted views.
//!
//! The hot path matters (one call per market-data event): strategies return at once when
//! nothing they care about changed.

pub mod grid;
pub mod market_maker;
pub mod twap;

use rust_decimal::Decimal;

use crate::domain::Side;
use crate::exchange::{BookTop, Fill, Order, OrderId};
use crate::markets::MarketParams;
use crate::params::BotParams;

/// What a strategy sees on each market-data event.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub market: &'a MarketParams,
    pub ts_ms: u64,
    pub top: BookTop,
    pub mid: Decimal,
    /// Signed position in base units (spot: net bought since start).
    pub position: Decimal,
    /// The risk manager's position limit, base units.
    pub max_position: Decimal,
    pub open: &'a [Order],
}

/// What a strategy wants; prices and quantities are raw (the engine quantizes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Place {
        side: Side,
        price: Decimal,
        qty: Decimal,
    },
    Cancel(OrderId),
}

pub trait Strategy {
    /// Called on every book update.
    fn on_book(&mut self, view: &View<'_>, out: &mut Vec<Intent>);

    /// Called on each fill of ours, before the next book update.
    fn on_fill(&mut self, _fill: &Fill) {}

    /// `Some` once the strategy has nothing left to do at `now_ms` (a TWAP that executed its
    /// target or whose schedule is over); quoting strategies never finish.
    fn finished(&self, _now_ms: u64) -> Option<Completion> {
        None
    }
}

/// How a strategy with an end finished: why, and what it executed of its target (base units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    /// `completed` (all executed) or `schedule_ended` (time is up).
    pub reason: &'static str,
    pub executed: Decimal,
    pub target: Decimal,
}

/// Builds the strategy for validated parameters.
pub fn build(params: &BotParams) -> Box<dyn Strategy> {
    match params {
        BotParams::MarketMaker(p) => Box::new(market_maker::MarketMaker::new(p.clone())),
        BotParams::Grid(p) => Box::new(grid::Grid::new(p.clone())),
        BotParams::Twap(p) => Box::new(twap::Twap::new(p.clone())),
    }
}

/// Turns a desired set of quotes into cancels and places: an open order is kept when a desired
/// quote on its side is within `tolerance` of its price with the same remaining quantity.
pub fn reconcile(
    desired: &[(Side, Decimal, Decimal)],
    open: &[Order],
    tolerance: Decimal,
    out: &mut Vec<Intent>,
) {
    let mut kept = vec![false; desired.len()];
    for o in open {
        let hit = desired.iter().enumerate().position(|(i, (side, px, qty))| {
            !kept[i] && *side == o.side && (*px - o.price).abs() <= tolerance && *qty == o.remaining
        });
        match hit {
            Some(i) => kept[i] = true,
            None => out.push(Intent::Cancel(o.id)),
        }
    }
    for (i, (side, price, qty)) in desired.iter().enumerate() {
        if !kept[i] {
            out.push(Intent::Place {
                side: *side,
                price: *price,
                qty: *qty,
            });
        }
    }
}

/// `bps` basis points of `value`.
pub fn bps_of(value: Decimal, bps: Decimal) -> Decimal {
    value * bps / Decimal::from(10_000)
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;
    use rust_decimal_macros::dec;

    /// A book 1 tick either side of `mid` on INJ/USDT.
    pub fn view<'a>(
        m: &'a MarketParams,
        ts_ms: u64,
        mid: Decimal,
        position: Decimal,
        open: &'a [Order],
    ) -> View<'a> {
        View {
            market: m,
            ts_ms,
            top: BookTop {
                bid: mid - dec!(0.001),
                ask: mid + dec!(0.001),
            },
            mid,
            position,
            max_position: dec!(50),
            open,
        }
    }

    pub fn places(out: &[Intent]) -> Vec<(Side, Decimal, Decimal)> {
        out.iter()
            .filter_map(|i| match i {
                Intent::Place { side, price, qty } => Some((*side, *price, *qty)),
                Intent::Cancel(_) => None,
            })
            .collect()
    }
}
