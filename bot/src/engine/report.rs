//! Turning engine state into contract events (docs/BOT_EVENTS.md). Decimal strings are
//! rounded to 8 places and normalized so the dashboard shows "12.5", not "12.50000000".

use rust_decimal::Decimal;

use super::{Engine, State};
use crate::domain::Side;
use crate::events::{BalanceLine, Event, OrderLine, Sink, MAX_LISTED_ORDERS};
use crate::exchange::{Exchange, Fill, OrderId};
use crate::risk::Breach;
use crate::strategy::Completion;

fn s(d: Decimal) -> String {
    d.round_dp(8).normalize().to_string()
}

/// The numbers of a status event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub state: State,
    pub open_orders: usize,
    pub position: Decimal,
    pub realized_pnl: Decimal,
    pub unrealized_pnl: Decimal,
    pub fees: Decimal,
    pub fills: u64,
    pub mid: Option<Decimal>,
}

impl<E: Exchange, S: Sink> Engine<E, S> {
    pub fn snapshot(&self) -> Snapshot {
        let mid = self.mid();
        Snapshot {
            state: self.state,
            open_orders: self.open.len(),
            position: self.portfolio.position,
            realized_pnl: self.portfolio.realized,
            unrealized_pnl: mid.map_or(Decimal::ZERO, |m| self.portfolio.unrealized(m)),
            fees: self.portfolio.fees,
            fills: self.portfolio.fills,
            mid,
        }
    }

    pub fn report_status(&mut self) {
        if !self.sink.enabled() {
            return;
        }
        let snap = self.snapshot();
        let (pos, rpnl, upnl, fees) = (
            s(snap.position),
            s(snap.realized_pnl),
            s(snap.unrealized_pnl),
            s(snap.fees),
        );
        let mid = snap.mid.map(s);
        let orders: Vec<OrderLine> = self
            .open
            .iter()
            .take(MAX_LISTED_ORDERS)
            .map(|o| OrderLine {
                id: o.id.0,
                side: o.side.as_str().to_owned(),
                price: s(o.price),
                remaining: s(o.remaining),
            })
            .collect();
        // Exact (not rounded): the venue's account is a sum of exact fills.
        let balances = self.ex.kept_balances().map(|all| {
            all.iter()
                .map(|b| BalanceLine {
                    asset: b.asset.to_owned(),
                    total: b.total.normalize().to_string(),
                    available: b.available.normalize().to_string(),
                })
                .collect()
        });
        self.sink.emit(&Event::Status {
            bot_id: &self.bot_id,
            state: snap.state.as_str(),
            open_orders: u32::try_from(snap.open_orders).unwrap_or(u32::MAX),
            position: &pos,
            realized_pnl: &rpnl,
            unrealized_pnl: &upnl,
            mid: mid.as_deref(),
            fees: Some(&fees),
            fills: Some(snap.fills),
            orders: Some(orders),
            balances,
        });
    }

    pub(super) fn report_fill(&mut self, f: &Fill) {
        if !self.sink.enabled() {
            return;
        }
        let (price, qty, fee) = (s(f.price), s(f.qty), s(f.fee));
        let (pos, rpnl) = (s(self.portfolio.position), s(self.portfolio.realized));
        self.sink.emit(&Event::Fill {
            bot_id: &self.bot_id,
            order_id: f.order_id.0,
            side: f.side.as_str(),
            price: &price,
            quantity: &qty,
            fee: &fee,
            liquidity: f.liquidity.as_str(),
            position: &pos,
            realized_pnl: &rpnl,
            trade_id: self.ex.last_trade_id(),
        });
    }

    pub(super) fn report_rejected(
        &mut self,
        side: Side,
        price: Decimal,
        qty: Decimal,
        reason: &str,
    ) {
        tracing::debug!(reason, "order rejected");
        if !self.sink.enabled() {
            return;
        }
        let (price, qty) = (s(price), s(qty));
        self.sink.emit(&Event::OrderRejected {
            bot_id: &self.bot_id,
            side: side.as_str(),
            price: &price,
            quantity: &qty,
            reason,
        });
    }

    pub(super) fn report_halt(&mut self, b: &Breach) {
        self.sink.emit(&Event::RiskHalt {
            bot_id: &self.bot_id,
            rule: b.rule,
            message: &b.message,
        });
    }

    pub(super) fn report_cancelled(&mut self, reason: &str, ids: &[OrderId]) {
        let ids: Vec<u64> = ids.iter().map(|i| i.0).collect();
        self.sink.emit(&Event::OrdersCancelled {
            bot_id: &self.bot_id,
            reason,
            count: ids.len(),
            order_ids: ids,
        });
    }

    pub(super) fn report_finished(&mut self, done: &Completion) {
        let (executed, target) = (s(done.executed), s(done.target));
        tracing::info!(reason = done.reason, %executed, %target, "finished");
        self.sink.emit(&Event::Finished {
            bot_id: &self.bot_id,
            reason: done.reason,
            executed: &executed,
            target: &target,
        });
    }

    pub(super) fn report_stopped(&mut self, reason: &str) {
        self.sink.emit(&Event::Stopped {
            bot_id: &self.bot_id,
            reason,
        });
    }
}
