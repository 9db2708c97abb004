//! The adapter's book of our orders: local ids <-> client order ids <-> chain order hashes, and
//! our fills derived from the indexer's trade history.
//!
//! The connector has no own-fills query, so fills come from the public trades of the market
//! filtered on our subaccount and on order hashes we placed, each trade id once. Conservative by
//! construction: nothing is reported that the indexer did not print. Trades of our subaccount for
//! orders we did not place (a predecessor's, before the start-up cancel-all) are logged, not
//! reported, and a poll that misses trades (more than the query's limit between two polls) loses
//! them: the engine's inventory can then lag the chain's (see docs/INJECTIVE.md).

use std::collections::{HashMap, HashSet, VecDeque};

use rust_decimal::Decimal;
use tradebot_injective::models::{OpenOrder, Trade};
use tradebot_injective::msgs::Side as ChainSide;

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
    /// one `Trade` per match (its taker record) and a `Fill` for each record of ours.
    pub fn on_trades(&mut self, trades: &[Trade], out: &mut VecDeque<MarketEvent>) {
        for t in trades.iter().rev() {
            if t.executed_at_ms < self.since_ms || !self.first_sight(&t.trade_id) {
                continue;
            }
            let ts_ms = u64::try_from(t.executed_at_ms).unwrap_or(0);
            if !t.maker {
                out.push_back(MarketEvent::Trade {
                    ts_ms,
                    price: t.price,
                    qty: t.quantity,
                });
            }
            if !t.subaccount_id.eq_ignore_ascii_case(&self.subaccount) {
                continue;
            }
            let Some(&order_id) = self.by_hash.get(&t.order_hash.to_ascii_lowercase()) else {
                tracing::warn!(trade_id = %t.trade_id, "trade of our subaccount for an order this run did not place; not reported as a fill");
                continue;
            };
            let done = match self.live.get_mut(&order_id) {
                Some(l) => {
                    l.remaining -= t.quantity;
                    l.remaining <= Decimal::ZERO
                }
                // Already cancelled or adopted: the engine no longer holds it open.
                None => true,
            };
            if done {
                self.live.remove(&order_id);
            }
            let fill = Fill {
                order_id,
                side: side(t.side),
                price: t.price,
                qty: t.quantity,
                fee: t.fee,
                liquidity: if t.maker {
                    Liquidity::Maker
                } else {
                    Liquidity::Taker
                },
                done,
            };
            out.push_back(MarketEvent::Fill { ts_ms, fill });
        }
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
        l.on_trades(&page, &mut out);
        l.on_trades(&page, &mut out);
        let fills: Vec<Fill> = out
            .iter()
            .filter_map(|e| match e {
                MarketEvent::Fill { fill, .. } => Some(*fill),
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
            .filter(|e| matches!(e, MarketEvent::Trade { .. }))
            .count();
        assert_eq!(trades, 3, "each taker record once");
        l.on_trades(&[trade("t5", "0xAA", SUB, 3_000, dec!(0.4))], &mut out);
        assert!(matches!(out.back(), Some(MarketEvent::Fill { fill, .. }) if fill.done));
        assert_eq!(l.cid(id), None, "a filled order is no longer live");
    }
}
