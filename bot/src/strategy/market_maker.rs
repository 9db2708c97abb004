//! Market maker: quotes `levels` orders per side around mid, shifted against its inventory,
//! and requotes only when mid moved past the refresh tolerance or one of its orders filled.

use rust_decimal::Decimal;

use super::{bps_of, reconcile, Intent, Strategy, View};
use crate::domain::Side;
use crate::exchange::Fill;
use crate::params::MarketMakerParams;
use crate::params::DEFAULT_ORDER_NOTIONAL;

#[derive(Debug)]
pub struct MarketMaker {
    p: MarketMakerParams,
    size: Option<Decimal>,
    /// Mid range inside which the current quotes stand (set at each requote).
    band: Option<(Decimal, Decimal)>,
    dirty: bool,
    desired: Vec<(Side, Decimal, Decimal)>,
}

impl MarketMaker {
    pub fn new(p: MarketMakerParams) -> Self {
        Self {
            size: p.order_size,
            p,
            band: None,
            dirty: true,
            desired: Vec::new(),
        }
    }

    fn quotes(&mut self, v: &View<'_>, size: Decimal) {
        self.desired.clear();
        let Some(qty) = v.market.quantize_qty(size) else {
            return;
        };
        let qty = qty.get();
        // Long inventory lowers both quotes (sell sooner, buy later); short raises them.
        let fill_ratio = if v.max_position > Decimal::ZERO {
            (v.position / v.max_position).clamp(Decimal::NEGATIVE_ONE, Decimal::ONE)
        } else {
            Decimal::ZERO
        };
        let center = v.mid - bps_of(v.mid, self.p.inventory_skew_bps * fill_ratio);
        let tick = v.market.price_tick;
        for level in 0..self.p.levels {
            let off = bps_of(
                center,
                self.p.spread_bps / Decimal::TWO + self.p.level_spacing_bps * Decimal::from(level),
            );
            // Post-only in effect: never quote through the book (that would be a taker fill).
            if v.position < v.max_position {
                let bid = (center - off).min(v.top.ask - tick);
                if let Some(px) = v.market.quantize_price(Side::Buy, bid) {
                    self.desired.push((Side::Buy, px.get(), qty));
                }
            }
            if v.position > -v.max_position {
                let ask = (center + off).max(v.top.bid + tick);
                if let Some(px) = v.market.quantize_price(Side::Sell, ask) {
                    self.desired.push((Side::Sell, px.get(), qty));
                }
            }
        }
    }
}

impl Strategy for MarketMaker {
    fn on_book(&mut self, v: &View<'_>, out: &mut Vec<Intent>) {
        // Hot path: two comparisons when nothing changed.
        if !self.dirty && self.band.is_some_and(|(lo, hi)| lo <= v.mid && v.mid <= hi) {
            return;
        }
        let tolerance = bps_of(v.mid, self.p.refresh_tolerance_bps);
        let size = *self
            .size
            .get_or_insert_with(|| DEFAULT_ORDER_NOTIONAL / v.mid);
        self.quotes(v, size);
        reconcile(&self.desired, v.open, tolerance, out);
        self.band = Some((v.mid - tolerance, v.mid + tolerance));
        self.dirty = false;
    }

    fn on_fill(&mut self, _fill: &Fill) {
        self.dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::exchange::{Liquidity, Order, OrderId};
    use crate::markets::market;
    use crate::strategy::test_util::{places, view};

    fn mm(json: serde_json::Value) -> MarketMaker {
        MarketMaker::new(serde_json::from_value(json).unwrap())
    }

    #[test]
    fn quotes_levels_around_mid_and_holds_within_tolerance() {
        let m = market("INJ/USDT").unwrap();
        let mut s = mm(
            serde_json::json!({"spread_bps": 20, "levels": 2, "level_spacing_bps": 10, "order_size": 1}),
        );
        let mut out = Vec::new();
        s.on_book(&view(&m, 0, dec!(20), dec!(0), &[]), &mut out);
        assert_eq!(
            places(&out),
            vec![
                (Side::Buy, dec!(19.980), dec!(1.000)),
                (Side::Sell, dec!(20.020), dec!(1.000)),
                (Side::Buy, dec!(19.960), dec!(1.000)),
                (Side::Sell, dec!(20.040), dec!(1.000)),
            ]
        );
        let open: Vec<Order> = places(&out)
            .iter()
            .enumerate()
            .map(|(i, (side, price, qty))| Order {
                id: OrderId(i as u64),
                side: *side,
                price: *price,
                remaining: *qty,
            })
            .collect();
        out.clear();
        s.on_book(&view(&m, 1, dec!(20.005), dec!(0), &open), &mut out);
        assert!(out.is_empty(), "2.5 bps move is inside the 5 bps tolerance");
        s.on_book(&view(&m, 2, dec!(20.05), dec!(0), &open), &mut out);
        assert_eq!(
            out.iter()
                .filter(|i| matches!(i, Intent::Cancel(_)))
                .count(),
            4
        );
        assert_eq!(places(&out).len(), 4);
    }

    #[test]
    fn inventory_skews_quotes_and_the_limit_stops_one_side() {
        let m = market("INJ/USDT").unwrap();
        let mut s = mm(serde_json::json!({"levels": 1, "order_size": 1, "inventory_skew_bps": 10}));
        let mut out = Vec::new();
        s.on_book(&view(&m, 0, dec!(20), dec!(25), &[]), &mut out);
        // Half the limit long: center 5 bps lower (19.99), quotes 10 bps either side.
        assert_eq!(
            places(&out),
            vec![
                (Side::Buy, dec!(19.970), dec!(1)),
                (Side::Sell, dec!(20.010), dec!(1))
            ]
        );
        s.on_fill(&Fill {
            order_id: OrderId(1),
            side: Side::Buy,
            price: dec!(19.97),
            qty: dec!(1),
            fee: dec!(0),
            liquidity: Liquidity::Maker,
            done: true,
        });
        out.clear();
        s.on_book(&view(&m, 1, dec!(20), dec!(50), &[]), &mut out);
        assert!(
            places(&out).iter().all(|(side, _, _)| *side == Side::Sell),
            "at the limit: no more bids"
        );
    }

    #[test]
    fn default_size_is_twenty_quote_units() {
        let m = market("TIA/USDT").unwrap();
        let mut s = mm(serde_json::json!({}));
        let mut out = Vec::new();
        s.on_book(&view(&m, 0, dec!(5), dec!(0), &[]), &mut out);
        assert!(places(&out).iter().all(|(_, _, q)| *q == dec!(4.0)));
    }
}
