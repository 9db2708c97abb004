//! TWAP executor: the total quantity in equal slices, one per `duration / slices`. Each slice
//! crosses the spread at the touch (bounded by the limit price); a slice still open when the
//! next is due is cancelled and its remainder carried into the following slices.
//!
//! It finishes when the target is executed, or when its schedule is over: every slice sent and
//! the last one given its full interval (`slices` intervals after the first book). Slices the
//! venue refused are not retried; the finish says how much was executed.

use rust_decimal::Decimal;

use super::{Completion, Intent, Strategy, View};
use crate::domain::Side;
use crate::exchange::Fill;
use crate::params::TwapParams;

/// Quote units executed when `total_quantity` is not given.
pub const DEFAULT_TWAP_NOTIONAL: Decimal = rust_decimal_macros::dec!(100);

#[derive(Debug)]
pub struct Twap {
    p: TwapParams,
    start_ms: Option<u64>,
    total: Decimal,
    executed: Decimal,
    sent: u32,
}

impl Twap {
    pub fn new(p: TwapParams) -> Self {
        Self {
            p,
            start_ms: None,
            total: Decimal::ZERO,
            executed: Decimal::ZERO,
            sent: 0,
        }
    }

    pub fn executed(&self) -> Decimal {
        self.executed
    }

    fn slice_ms(&self) -> u64 {
        (self.p.duration_secs * 1000 / u64::from(self.p.slices)).max(1)
    }

    /// Slices due by `now_ms`: the first at once, then one per slice interval.
    fn due(&self, now_ms: u64, start_ms: u64) -> u32 {
        let n = (now_ms.saturating_sub(start_ms) / self.slice_ms()).saturating_add(1);
        u32::try_from(n).unwrap_or(u32::MAX).min(self.p.slices)
    }

    fn completed(&self) -> bool {
        self.executed >= self.total
    }

    /// Every slice sent and the last one's interval over.
    fn schedule_over(&self, now_ms: u64, start_ms: u64) -> bool {
        let end = start_ms.saturating_add(self.slice_ms() * u64::from(self.p.slices));
        self.sent >= self.p.slices && now_ms >= end
    }
}

impl Strategy for Twap {
    fn on_book(&mut self, v: &View<'_>, out: &mut Vec<Intent>) {
        let start = *self.start_ms.get_or_insert_with(|| {
            self.total = self
                .p
                .total_quantity
                .unwrap_or(DEFAULT_TWAP_NOTIONAL / v.mid);
            self.total = v
                .market
                .quantize_qty(self.total)
                .map_or(Decimal::ZERO, |q| q.get());
            v.ts_ms
        });
        if self.completed() || self.due(v.ts_ms, start) <= self.sent {
            return;
        }
        // A new slice is due: drop what is left of the previous one.
        out.extend(v.open.iter().map(|o| Intent::Cancel(o.id)));
        let left = self.total - self.executed;
        let slices_left = Decimal::from(self.p.slices - self.sent);
        let qty = (left / slices_left).max(v.market.qty_tick).min(left);
        let touch = match self.p.side {
            Side::Buy => v.top.ask,
            Side::Sell => v.top.bid,
        };
        let price = match (self.p.side, self.p.limit_price) {
            (Side::Buy, Some(limit)) => touch.min(limit),
            (Side::Sell, Some(limit)) => touch.max(limit),
            (_, None) => touch,
        };
        self.sent += 1;
        out.push(Intent::Place {
            side: self.p.side,
            price,
            qty,
        });
    }

    fn on_fill(&mut self, fill: &Fill) {
        self.executed += fill.qty;
    }

    fn finished(&self, now_ms: u64) -> Option<Completion> {
        let start = self.start_ms?;
        let reason = if self.completed() {
            "completed"
        } else if self.schedule_over(now_ms, start) {
            "schedule_ended"
        } else {
            return None;
        };
        Some(Completion {
            reason,
            executed: self.executed,
            target: self.total,
        })
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::exchange::{Liquidity, OrderId};
    use crate::markets::market;
    use crate::strategy::test_util::{places, view};

    #[test]
    fn slices_on_schedule_at_the_touch_capped_by_the_limit() {
        let m = market("INJ/USDT").unwrap();
        let p = serde_json::from_value(serde_json::json!({
            "side": "buy", "total_quantity": 10, "duration_secs": 10, "slices": 5, "limit_price": 20.0005
        }))
        .unwrap();
        let mut t = Twap::new(p);
        let mut out = Vec::new();
        t.on_book(&view(&m, 1_000, dec!(20), dec!(0), &[]), &mut out);
        assert_eq!(
            places(&out),
            vec![(Side::Buy, dec!(20.0005), dec!(2))],
            "ask 20.001 above the limit"
        );
        out.clear();
        t.on_book(&view(&m, 2_999, dec!(20), dec!(0), &[]), &mut out);
        assert!(out.is_empty(), "next slice due at 3 s");
        t.on_fill(&Fill {
            order_id: OrderId(1),
            side: Side::Buy,
            price: dec!(20),
            qty: dec!(1),
            fee: dec!(0),
            liquidity: Liquidity::Taker,
            done: false,
        });
        t.on_book(&view(&m, 3_000, dec!(19), dec!(0), &[]), &mut out);
        // 9 left over 4 slices.
        assert_eq!(places(&out), vec![(Side::Buy, dec!(19.001), dec!(2.25))]);
        out.clear();
        t.on_book(&view(&m, 60_000, dec!(19), dec!(0), &[]), &mut out);
        assert_eq!(places(&out).len(), 1, "one slice per event even when late");
        t.on_fill(&Fill {
            order_id: OrderId(2),
            side: Side::Buy,
            price: dec!(19),
            qty: dec!(9),
            fee: dec!(0),
            liquidity: Liquidity::Taker,
            done: true,
        });
        assert_eq!(
            t.finished(60_000).map(|c| (c.reason, c.executed, c.target)),
            Some(("completed", dec!(10), dec!(10)))
        );
        out.clear();
        t.on_book(&view(&m, 61_000, dec!(19), dec!(0), &[]), &mut out);
        assert!(out.is_empty());
    }
}
