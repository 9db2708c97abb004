//! Grid: price levels across a range. Levels below the market rest buys, above rest sells, the
//! one at the market stays empty. A filled buy at level i becomes a sell at level i+1, a filled
//! sell at level i a buy at level i-1: each round trip earns one grid step.

use rust_decimal::Decimal;

use super::{reconcile, Intent, Strategy, View};
use crate::domain::Side;
use crate::exchange::Fill;
use crate::params::GridParams;
use crate::params::DEFAULT_ORDER_NOTIONAL;

#[derive(Debug)]
pub struct Grid {
    p: GridParams,
    /// (buy price, sell price) of each level, quantized by side; empty until the first book.
    levels: Vec<(Decimal, Decimal)>,
    slots: Vec<Option<Side>>,
    size: Decimal,
    dirty: bool,
    desired: Vec<(Side, Decimal, Decimal)>,
}

impl Grid {
    pub fn new(p: GridParams) -> Self {
        Self {
            p,
            levels: Vec::new(),
            slots: Vec::new(),
            size: Decimal::ZERO,
            dirty: true,
            desired: Vec::new(),
        }
    }

    fn init(&mut self, v: &View<'_>) {
        let half = v.mid * self.p.range_pct / Decimal::from(100);
        let lo = self.p.lower_price.unwrap_or(v.mid - half);
        let hi = self.p.upper_price.unwrap_or(v.mid + half);
        let n = self.p.levels.max(2);
        let step = (hi - lo) / Decimal::from(n - 1);
        let size = self
            .p
            .size_per_level
            .unwrap_or_else(|| DEFAULT_ORDER_NOTIONAL / v.mid);
        self.size = v
            .market
            .quantize_qty(size)
            .map_or(Decimal::ZERO, |q| q.get());
        for i in 0..n {
            let raw = lo + step * Decimal::from(i);
            let buy = v
                .market
                .quantize_price(Side::Buy, raw)
                .map_or(Decimal::ZERO, |p| p.get());
            let sell = v
                .market
                .quantize_price(Side::Sell, raw)
                .map_or(Decimal::ZERO, |p| p.get());
            self.levels.push((buy, sell));
            self.slots.push(if sell < v.top.bid {
                Some(Side::Buy)
            } else if buy > v.top.ask {
                Some(Side::Sell)
            } else {
                None
            });
        }
        // Keep one level empty so a round trip has somewhere to go.
        if self.slots.iter().all(Option::is_some) {
            if let Some(i) =
                (0..self.levels.len()).min_by_key(|i| (self.levels[*i].0 - v.mid).abs())
            {
                self.slots[i] = None;
            }
        }
    }

    pub fn slots(&self) -> &[Option<Side>] {
        &self.slots
    }
}

impl Strategy for Grid {
    fn on_book(&mut self, v: &View<'_>, out: &mut Vec<Intent>) {
        if self.levels.is_empty() {
            self.init(v);
        }
        if !self.dirty {
            return;
        }
        self.desired.clear();
        for (i, slot) in self.slots.iter().enumerate() {
            let (buy, sell) = self.levels[i];
            match slot {
                Some(Side::Buy) if buy > Decimal::ZERO => {
                    self.desired.push((Side::Buy, buy, self.size));
                }
                Some(Side::Sell) => self.desired.push((Side::Sell, sell, self.size)),
                _ => {}
            }
        }
        reconcile(&self.desired, v.open, Decimal::ZERO, out);
        self.dirty = false;
    }

    fn on_fill(&mut self, fill: &Fill) {
        if !fill.done {
            return;
        }
        let level = self.levels.iter().position(|(buy, sell)| match fill.side {
            Side::Buy => *buy == fill.price,
            Side::Sell => *sell == fill.price,
        });
        let Some(i) = level else { return };
        self.slots[i] = None;
        let next = match fill.side {
            Side::Buy => (i + 1 < self.slots.len()).then_some((i + 1, Side::Sell)),
            Side::Sell => i.checked_sub(1).map(|j| (j, Side::Buy)),
        };
        if let Some((j, side)) = next {
            self.slots[j] = Some(side);
        }
        self.dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::exchange::{Liquidity, OrderId};
    use crate::markets::market;
    use crate::strategy::test_util::{places, view};

    fn fill(side: Side, price: Decimal) -> Fill {
        Fill {
            order_id: OrderId(1),
            side,
            price,
            qty: dec!(1),
            fee: dec!(0),
            liquidity: Liquidity::Maker,
            done: true,
        }
    }

    #[test]
    fn buys_below_sells_above_and_fills_flip_one_level() {
        let m = market("INJ/USDT").unwrap();
        let p = serde_json::from_value(serde_json::json!({"lower_price": 19, "upper_price": 21, "levels": 5, "size_per_level": 1})).unwrap();
        let mut g = Grid::new(p);
        let mut out = Vec::new();
        g.on_book(&view(&m, 0, dec!(20), dec!(0), &[]), &mut out);
        assert_eq!(
            places(&out),
            vec![
                (Side::Buy, dec!(19), dec!(1)),
                (Side::Buy, dec!(19.5), dec!(1)),
                (Side::Sell, dec!(20.5), dec!(1)),
                (Side::Sell, dec!(21), dec!(1)),
            ]
        );
        out.clear();
        g.on_book(&view(&m, 1, dec!(20.1), dec!(0), &[]), &mut out);
        assert!(out.is_empty(), "no fill, no change");
        g.on_fill(&fill(Side::Buy, dec!(19.5)));
        assert_eq!(g.slots()[1], None);
        assert_eq!(g.slots()[2], Some(Side::Sell));
        g.on_fill(&fill(Side::Sell, dec!(21)));
        assert_eq!(g.slots()[3], Some(Side::Buy));
    }

    #[test]
    fn default_range_is_one_percent_around_the_first_mid() {
        let m = market("INJ/USDT").unwrap();
        let mut g = Grid::new(GridParams::default());
        let mut out = Vec::new();
        g.on_book(&view(&m, 0, dec!(20), dec!(0), &[]), &mut out);
        let p = places(&out);
        assert_eq!(p.len(), 9, "10 levels, the one nearest the market empty");
        assert_eq!(p[0], (Side::Buy, dec!(19.8), dec!(1)));
        assert_eq!(p[8], (Side::Sell, dec!(20.2), dec!(1)));
        assert_eq!(p.iter().filter(|(s, _, _)| *s == Side::Buy).count(), 5);
    }
}
