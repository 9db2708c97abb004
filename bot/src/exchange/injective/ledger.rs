//! The adapter's book of our orders: local ids <-> client order ids <-> chain order hashes, and
//! our fills, from the chain stream ([`Ledger::on_chain`]) or, without one, from the indexer's
//! trade history ([`Ledger::on_trades`]).
//!
//! Either way a fill is reported once per trade id, only for an order hash this run placed.
//! Trades of our subaccount for orders we did not place (a predecessor's, before the start-up
//! cancel-all) are logged, not reported. The chain stream misses nothing (it backfills after a
//! reconnect); the indexer path is conservative: a poll that misses trades (more than the
//! query's limit between two polls) loses them (see docs/INJECTIVE.md).

use std::collections::{HashMap, HashSet, VecDeque};

use rust_decimal::Decimal;
use tradebot_injective::models::{OpenOrder, Trade};
use tradebot_injective::msgs::Side as ChainSide;
use tradebot_injective::stream::{self as chain, ChainEvent, OrderStatus};

use crate::clock::now_ms;
use crate::domain::Side;
use crate::exchange::{Fill, Liquidity, MarketEvent, OrderId};

/// How many order hashes and trade ids are remembered (late fills of old orders, dedup).
const REMEMBER: usize = 4096;

#[derive(Debug, Clone)]
struct Live {
    cid: String,
    remaining: Decimal,
}

#[derive(Debug)]
pub struct Ledger {
    subaccount: String,
    cid_prefix: String,
    next_id: u64,
    /// Orders we believe open, by local id.
    live: HashMap<OrderId, Live>,
    /// Every order hash we placed or adopted (bounded), for fills that arrive after a cancel.
    by_hash: HashMap<String, OrderId>,
    hashes: VecDeque<String>,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    /// Trades before this are history, not news (they would also look like stale data).
    since_ms: i64,
}

pub fn side(s: ChainSide) -> Side {
    match s {
        ChainSide::Buy => Side::Buy,
        ChainSide::Sell => Side::Sell,
    }
}

impl Ledger {
    /// `subaccount` as the chain prints it (0x hex); `start_ms` also makes cids unique per run.
    pub fn new(subaccount: &str, start_ms: u64) -> Self {
        Self {
            subaccount: subaccount.to_ascii_lowercase(),
            cid_prefix: format!("tb{start_ms:x}-"),
            next_id: 1,
            live: HashMap::new(),
            by_hash: HashMap::new(),
            hashes: VecDeque::new(),
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            since_ms: i64::try_from(start_ms).unwrap_or(i64::MAX),
        }
    }

    /// A fresh local id and its client order id (at most 36 printable characters).
    pub fn next(&mut self) -> (OrderId, String) {
        let id = OrderId(self.next_id);
        self.next_id += 1;
        (id, format!("{}{}", self.cid_prefix, id.0))
    }

    pub fn placed(&mut self, id: OrderId, cid: String, hash: &str, qty: Decimal) {
        self.live.insert(
            id,
            Live {
                cid,
                remaining: qty,
            },
        );
        self.remember(hash, id);
    }

    pub fn cid(&self, id: OrderId) -> Option<&str> {
        self.live.get(&id).map(|l| l.cid.as_str())
    }

    pub fn id_of_cid(&self, cid: &str) -> Option<OrderId> {
        self.live
            .iter()
            .find(|(_, l)| l.cid == cid)
            .map(|(id, _)| *id)
    }

    /// The local id of a chain order hash; a fresh one for an order this run did not place.
    pub fn id_for_hash(&mut self, hash: &str) -> OrderId {
        match self.by_hash.get(&hash.to_ascii_lowercase()) {
            Some(id) => *id,
            None => {
                let (id, _) = self.next();
                self.remember(hash, id);
                id
            }
        }
    }

    pub fn closed(&mut self, id: OrderId) {
        self.live.remove(&id);
    }

    /// Ids for the chain's open orders (ours, or a predecessor's given a fresh id), forgetting
    /// them as live: used right before a cancel-all.
    pub fn adopt_all(&mut self, open: &[OpenOrder]) -> Vec<OrderId> {
        let ids = open
            .iter()
            .map(|o| self.id_for_hash(&o.order_hash))
            .collect();
        self.live.clear();
        ids
    }

    fn remember(&mut self, hash: &str, id: OrderId) {
        let hash = hash.to_ascii_lowercase();
        if self.by_hash.insert(hash.clone(), id).is_none() {
            self.hashes.push_back(hash);
        }
        while self.hashes.len() > REMEMBER {
            if let Some(old) = self.hashes.pop_front() {
                self.by_hash.remove(&old);
            }
        }
    }

    fn first_sight(&mut self, trade_id: &str) -> bool {
        if !self.seen.insert(trade_id.to_owned()) {
            return false;
        }
        self.seen_order.push_back(trade_id.to_owned());
        while self.seen_order.len() > REMEMBER {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }

    /// Turns a trades page (newest first, as the indexer serves it) into events, oldest first:
    /// one `Trade` per match (its taker record) and, when `fills` (no chain stream), a `Fill`
    /// for each record of ours.
    pub fn on_trades(
        &mut self,
        trades: &[Trade],
        fills: bool,
        out: &mut VecDeque<(MarketEvent, Option<String>)>,
    ) {
        for t in trades.iter().rev() {
            if t.executed_at_ms < self.since_ms || !self.first_sight(&t.trade_id) {
                continue;
            }
            let ts_ms = u64::try_from(t.executed_at_ms).unwrap_or(0);
            if !t.maker {
                let (price, qty) = (t.price, t.quantity);
                out.push_back((MarketEvent::Trade { ts_ms, price, qty }, None));
            }
            if !fills || !t.subaccount_id.eq_ignore_ascii_case(&self.subaccount) {
                continue;
            }
            let liquidity = if t.maker {
                Liquidity::Maker
            } else {
                Liquidity::Taker
            };
            let amounts = (t.price, t.quantity, t.fee);
            if let Some(fill) = self.fill(&t.trade_id, &t.order_hash, t.side, liquidity, amounts) {
                out.push_back((MarketEvent::Fill { ts_ms, fill }, Some(t.trade_id.clone())));
            }
        }
    }

    /// One event of the chain stream (already filtered on our subaccount and market). Fills
    /// become `Fill` events; a cancel or a refusal closes the order here (the engine learns it
    /// at its next cancel, which then finds the order gone).
    pub fn on_chain(
        &mut self,
        event: ChainEvent,
        out: &mut VecDeque<(MarketEvent, Option<String>)>,
    ) {
        match event {
            ChainEvent::Fill(f) => {
                if !f.subaccount_id.eq_ignore_ascii_case(&self.subaccount)
                    || !self.first_sight(&f.trade_id)
                {
                    return;
                }
                // The stream names the execution: a resting order of ours was the maker.
                let liquidity = if f.execution_type.contains("RestingOrder") {
                    Liquidity::Maker
                } else {
                    Liquidity::Taker
                };
                let amounts = (f.price, f.quantity, f.fee);
                if let Some(fill) =
                    self.fill(&f.trade_id, &f.order_hash, f.side, liquidity, amounts)
                {
                    tracing::info!(trade_id = %f.trade_id, height = f.height, order_hash = %f.order_hash,
                        order_id = fill.order_id.0, price = %f.price, quantity = %f.quantity, fee = %f.fee,
                        "fill from the chain stream");
                    let ts_ms = now_ms();
                    out.push_back((MarketEvent::Fill { ts_ms, fill }, Some(f.trade_id)));
                }
            }
            ChainEvent::Order(u) => {
                tracing::debug!(status = ?u.status, order_hash = %u.order_hash, height = u.height, "order update");
                if u.status == OrderStatus::Cancelled {
                    if let Some(&id) = self.by_hash.get(&u.order_hash) {
                        self.live.remove(&id);
                    }
                }
            }
            ChainEvent::Failure(f) => self.on_failure(&f),
        }
    }

    fn on_failure(&mut self, f: &chain::OrderFailure) {
        let id = f.cid.as_deref().and_then(|c| self.id_of_cid(c));
        tracing::warn!(code = f.code, cid = ?f.cid, order_id = ?id.map(|i| i.0), height = f.height,
            "order refused by the chain");
        if let Some(id) = id {
            self.live.remove(&id);
        }
    }

    /// A fill of an order this run placed (`None`, logged, for anyone else's).
    fn fill(
        &mut self,
        trade_id: &str,
        order_hash: &str,
        chain_side: ChainSide,
        liquidity: Liquidity,
        (price, qty, fee): (Decimal, Decimal, Decimal),
    ) -> Option<Fill> {
        let Some(&order_id) = self.by_hash.get(&order_hash.to_ascii_lowercase()) else {
            tracing::warn!(%trade_id, "trade of our subaccount for an order this run did not place; not reported as a fill");
            return None;
        };
        let done = match self.live.get_mut(&order_id) {
            Some(l) => {
                l.remaining -= qty;
                l.remaining <= Decimal::ZERO
            }
            // Already cancelled or adopted: the engine no longer holds it open.
            None => true,
        };
        if done {
            self.live.remove(&order_id);
        }
        Some(Fill {
            order_id,
            side: side(chain_side),
            price,
            qty,
            fee,
            liquidity,
            done,
        })
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    const SUB: &str = "0xAB00000000000000000000000000000000000000000000000000000000000000";

    fn trade(id: &str, hash: &str, sub: &str, at: i64, qty: Decimal) -> Trade {
        Trade {
            market_id: "0x01".into(),
            trade_id: id.into(),
            order_hash: hash.into(),
            subaccount_id: sub.into(),
            cid: None,
            side: ChainSide::Sell,
            price: dec!(20),
            quantity: qty,
            fee: dec!(0.01),
            executed_at_ms: at,
            maker: false,
        }
    }

    #[test]
    fn fills_only_for_our_orders_once_and_after_start() {
        let mut l = Ledger::new(SUB, 1_000);
        let (id, cid) = l.next();
        assert!(cid.starts_with("tb3e8-") && cid.len() <= 36);
        l.placed(id, cid, "0xAA", dec!(1));
        let page = [
            trade("t4", "0xaa", SUB, 2_000, dec!(0.6)),
            trade("t3", "0xbb", SUB, 2_000, dec!(1)),
            trade("t2", "0xaa", "0xother", 2_000, dec!(1)),
            trade("t1", "0xaa", SUB, 999, dec!(1)),
        ];
        let mut out = VecDeque::new();
        l.on_trades(&page, true, &mut out);
        l.on_trades(&page, true, &mut out);
        let fills: Vec<Fill> = out
            .iter()
            .filter_map(|e| match e {
                (MarketEvent::Fill { fill, .. }, _) => Some(*fill),
                _ => None,
            })
            .collect();
        // t1 predates the start, t2 is someone else's, t3 an order we did not place.
        assert_eq!(fills.len(), 1);
        assert_eq!(
            (fills[0].order_id, fills[0].qty, fills[0].done),
            (id, dec!(0.6), false)
        );
        assert_eq!(fills[0].side, Side::Sell);
        let trades = out
            .iter()
            .filter(|e| matches!(e, (MarketEvent::Trade { .. }, None)))
            .count();
        assert_eq!(trades, 3, "each taker record once");
        l.on_trades(
            &[trade("t5", "0xAA", SUB, 3_000, dec!(0.4))],
            true,
            &mut out,
        );
        assert!(
            matches!(out.back(), Some((MarketEvent::Fill { fill, .. }, Some(t))) if fill.done && t == "t5")
        );
        assert_eq!(l.cid(id), None, "a filled order is no longer live");
    }

    fn chain_fill(trade_id: &str, hash: &str, execution: &str, qty: Decimal) -> ChainEvent {
        ChainEvent::Fill(chain::Fill {
            height: 7,
            trade_id: trade_id.into(),
            market_id: "0x01".into(),
            side: ChainSide::Buy,
            execution_type: execution.into(),
            price: dec!(9.99),
            quantity: qty,
            fee: dec!(-0.001),
            subaccount_id: SUB.to_ascii_lowercase(),
            order_hash: hash.into(),
            cid: None,
        })
    }

    #[test]
    fn chain_fills_once_per_trade_id_with_the_chains_numbers() {
        let mut l = Ledger::new(SUB, 1_000);
        let (id, cid) = l.next();
        l.placed(id, cid, "0xAA", dec!(1));
        let mut out = VecDeque::new();
        let maker = chain_fill("7_0", "0xaa", "LimitMatchRestingOrder", dec!(0.4));
        l.on_chain(maker.clone(), &mut out);
        l.on_chain(maker, &mut out);
        l.on_chain(
            chain_fill("7_1", "0xbb", "LimitMatchNewOrder", dec!(1)),
            &mut out,
        );
        let fills: Vec<Fill> = out
            .iter()
            .filter_map(|e| match e {
                (MarketEvent::Fill { fill, .. }, _) => Some(*fill),
                _ => None,
            })
            .collect();
        assert_eq!(fills.len(), 1, "a trade id once, a stranger's order never");
        let f = fills[0];
        assert_eq!((f.order_id, f.side), (id, Side::Buy));
        assert_eq!(
            (f.price, f.qty, f.fee),
            (dec!(9.99), dec!(0.4), dec!(-0.001))
        );
        assert_eq!((f.liquidity, f.done), (Liquidity::Maker, false));
        l.on_chain(
            chain_fill("8_0", "0xaa", "LimitMatchNewOrder", dec!(0.6)),
            &mut out,
        );
        assert!(
            matches!(out.back(), Some((MarketEvent::Fill { fill, .. }, Some(t))) if fill.done && fill.liquidity == Liquidity::Taker && t == "8_0")
        );
    }

    #[test]
    fn a_refusal_or_a_cancel_on_chain_closes_the_order() {
        let mut l = Ledger::new(SUB, 1_000);
        let (a, cid_a) = l.next();
        let (b, cid_b) = l.next();
        l.placed(a, cid_a.clone(), "0xaa", dec!(1));
        l.placed(b, cid_b.clone(), "0xbb", dec!(1));
        let mut out = VecDeque::new();
        l.on_chain(
            ChainEvent::Failure(chain::OrderFailure {
                height: 3,
                order_hash: "0xaa".into(),
                cid: Some(cid_a),
                code: 59,
            }),
            &mut out,
        );
        l.on_chain(
            ChainEvent::Order(chain::OrderUpdate {
                height: 3,
                market_id: "0x01".into(),
                order_hash: "0xbb".into(),
                cid: Some(cid_b.clone()),
                status: OrderStatus::Booked,
            }),
            &mut out,
        );
        assert_eq!(l.cid(a), None, "refused");
        assert_eq!(l.cid(b), Some(cid_b.as_str()), "booked stays live");
        l.on_chain(
            ChainEvent::Order(chain::OrderUpdate {
                height: 4,
                market_id: "0x01".into(),
                order_hash: "0xbb".into(),
                cid: Some(cid_b),
                status: OrderStatus::Cancelled,
            }),
            &mut out,
        );
        assert_eq!(l.cid(b), None, "cancelled");
        assert!(out.is_empty(), "no market event for order updates");
    }
}
