//! The bot's own book-keeping from its fills: position, average entry, realized PnL (net of
//! fees) and unrealized PnL at a mark. Venue-independent, so status and risk read the same
//! numbers whether the venue is paper or real. Spot "position" is base bought minus sold.

use rust_decimal::Decimal;

use crate::exchange::Fill;

#[derive(Debug, Clone, Default)]
pub struct Portfolio {
    pub position: Decimal,
    pub avg_price: Decimal,
    /// Realized PnL after fees, quote units.
    pub realized: Decimal,
    pub fees: Decimal,
    pub fills: u64,
    pub volume: Decimal,
}

impl Portfolio {
    pub fn apply(&mut self, fill: &Fill) {
        self.fills += 1;
        self.fees += fill.fee;
        self.realized -= fill.fee;
        self.volume += fill.price * fill.qty;
        let signed = fill.side.sign() * fill.qty;
        if self.position.is_zero() || self.position.is_sign_positive() == signed.is_sign_positive()
        {
            let new_pos = self.position + signed;
            self.avg_price =
                (self.avg_price * self.position.abs() + fill.price * fill.qty) / new_pos.abs();
            self.position = new_pos;
            return;
        }
        let closing = fill.qty.min(self.position.abs());
        self.realized += (fill.price - self.avg_price)
            * closing
            * if self.position.is_sign_negative() {
                Decimal::NEGATIVE_ONE
            } else {
                Decimal::ONE
            };
        self.position += signed;
        if self.position.is_zero() {
            self.avg_price = Decimal::ZERO;
        } else if self.position.is_sign_positive() == signed.is_sign_positive() {
            self.avg_price = fill.price;
        }
    }

    pub fn unrealized(&self, mark: Decimal) -> Decimal {
        (mark - self.avg_price) * self.position
    }

    pub fn total_pnl(&self, mark: Decimal) -> Decimal {
        self.realized + self.unrealized(mark)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::domain::Side;
    use crate::exchange::{Liquidity, OrderId};

    fn f(side: Side, price: Decimal, qty: Decimal, fee: Decimal) -> Fill {
        Fill {
            order_id: OrderId(1),
            side,
            price,
            qty,
            fee,
            liquidity: Liquidity::Maker,
            done: true,
        }
    }

    #[test]
    fn average_cost_realizes_on_reduce_and_flips() {
        let mut p = Portfolio::default();
        p.apply(&f(Side::Buy, dec!(10), dec!(2), dec!(0.01)));
        p.apply(&f(Side::Buy, dec!(12), dec!(2), dec!(0.01)));
        assert_eq!(p.avg_price, dec!(11));
        assert_eq!(p.unrealized(dec!(13)), dec!(8));
        p.apply(&f(Side::Sell, dec!(13), dec!(5), dec!(0.01)));
        assert_eq!(p.realized, dec!(8) - dec!(0.03));
        assert_eq!(p.position, dec!(-1));
        assert_eq!(p.avg_price, dec!(13));
        assert_eq!(p.fees, dec!(0.03));
    }
}
