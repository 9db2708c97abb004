//! What has been delivered: the highest height fully delivered, the trade ids seen (the dedupe
//! key) and the events queued for the caller. No I/O, so the rules are unit-tested.

use std::collections::{BTreeSet, VecDeque};

use super::fill::{self, ChainEvent, Fill};
use super::proto;
use super::StreamError;

/// Trade ids of blocks this many heights below the last delivered one are forgotten: such a
/// block cannot come back (a backfill starts after the last delivered height, and the stream
/// only moves forward).
const KEEP: u64 = 1_000;

#[derive(Debug, Default)]
pub(super) struct Ledger {
    /// Every height up to this one has been delivered (stream or backfill).
    pub last_height: Option<u64>,
    /// (height, trade id) of the fills delivered in the last [`KEEP`] heights.
    seen: BTreeSet<(u64, String)>,
    pending: VecDeque<ChainEvent>,
}

impl Ledger {
    pub fn starting_after(last_height: Option<u64>) -> Self {
        Self {
            last_height,
            ..Self::default()
        }
    }

    pub fn pop(&mut self) -> Option<ChainEvent> {
        self.pending.pop_front()
    }

    /// Queues backfilled fills of heights up to `through` and marks them delivered.
    pub fn backfilled(&mut self, fills: Vec<Fill>, through: u64) {
        for f in fills {
            self.push_fill(f);
        }
        self.last_height = Some(self.last_height.map_or(through, |l| l.max(through)));
        self.forget_old();
    }

    /// Queues one streamed block's events. Fills are queued unless their trade id was seen;
    /// order updates and failures only for a block above the last delivered height. Nothing is
    /// queued when any trade of the block is undecodable.
    pub fn absorb(&mut self, block: &proto::StreamResponse) -> Result<(), StreamError> {
        let h = block.block_height;
        let mut fills = Vec::new();
        for t in &block.spot_trades {
            fills.push(fill::from_spot(h, t)?);
        }
        for t in &block.derivative_trades {
            fills.push(fill::from_derivative(h, t)?);
        }
        for f in fills {
            self.push_fill(f);
        }
        if self.last_height.is_none_or(|last| h > last) {
            let orders = block.spot_orders.iter().chain(&block.derivative_orders);
            self.pending.extend(
                orders
                    .filter_map(|u| fill::order_update(h, u))
                    .map(ChainEvent::Order),
            );
            let failures = block.order_failures.iter();
            self.pending
                .extend(failures.map(|f| ChainEvent::Failure(fill::failure(h, f))));
            self.last_height = Some(h);
            self.forget_old();
        }
        Ok(())
    }

    fn push_fill(&mut self, fill: Fill) {
        if self.seen.insert((fill.height, fill.trade_id.clone())) {
            self.pending.push_back(ChainEvent::Fill(fill));
        }
    }

    fn forget_old(&mut self) {
        if let Some(last) = self.last_height {
            let floor = last.saturating_sub(KEEP);
            self.seen = self.seen.split_off(&(floor, String::new()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(id: &str) -> proto::SpotTrade {
        proto::SpotTrade {
            market_id: "0xaa".into(),
            quantity: "1000000000000000000".into(),
            price: "2000000000000000000".into(),
            trade_id: id.into(),
            ..Default::default()
        }
    }

    fn block(h: u64, ids: &[&str]) -> proto::StreamResponse {
        proto::StreamResponse {
            block_height: h,
            spot_trades: ids.iter().map(|i| trade(i)).collect(),
            order_failures: vec![proto::OrderFailureUpdate {
                cid: format!("c{h}"),
                error_code: 59,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn drain(l: &mut Ledger) -> Vec<ChainEvent> {
        std::iter::from_fn(|| l.pop()).collect()
    }

    fn ids(events: &[ChainEvent]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                ChainEvent::Fill(f) => Some(f.trade_id.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_block_seen_twice_delivers_its_fills_and_failures_once() {
        let mut l = Ledger::default();
        l.absorb(&block(10, &["10_0", "10_1"])).unwrap();
        l.absorb(&block(10, &["10_0", "10_1"])).unwrap();
        let events = drain(&mut l);
        assert_eq!(ids(&events), ["10_0", "10_1"]);
        assert_eq!(events.len(), 3, "two fills and one failure: {events:?}");
        assert_eq!(l.last_height, Some(10));
    }

    #[test]
    fn a_backfilled_fill_is_not_delivered_again_by_the_stream() {
        let mut l = Ledger::starting_after(Some(4));
        let fill = fill::from_spot(5, &trade("5_0")).unwrap();
        l.backfilled(vec![fill], 6);
        assert_eq!(l.last_height, Some(6));
        l.absorb(&block(5, &["5_0"])).unwrap();
        l.absorb(&block(7, &["7_0"])).unwrap();
        let events = drain(&mut l);
        assert_eq!(ids(&events), ["5_0", "7_0"]);
        let failures = events
            .iter()
            .filter(|e| matches!(e, ChainEvent::Failure(_)));
        assert_eq!(
            failures.count(),
            1,
            "block 5 was already delivered: only 7's failure"
        );
    }

    #[test]
    fn an_undecodable_trade_queues_nothing_of_its_block() {
        let mut l = Ledger::default();
        let mut b = block(3, &["3_0", "3_1"]);
        b.spot_trades[1].price = "1.5".into();
        assert!(l.absorb(&b).is_err());
        assert!(l.pop().is_none());
        assert_eq!(l.last_height, None);
    }

    #[test]
    fn the_dedupe_set_forgets_only_heights_far_below_the_last() {
        let mut l = Ledger::default();
        for h in 1..=KEEP + 5 {
            l.absorb(&block(h, &[&format!("{h}_0")])).unwrap();
        }
        let heights: Vec<u64> = l.seen.iter().map(|(h, _)| *h).collect();
        assert_eq!(
            heights.first(),
            Some(&5),
            "heights below last - KEEP are gone"
        );
        assert_eq!(heights.last(), Some(&(KEEP + 5)));
        assert_eq!(heights.len() as u64, KEEP + 1);
    }
}
