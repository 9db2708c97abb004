//! Money types: prices and quantities that can only be built by quantizing against a market's
//! ticks, and orders that can only be built once they pass the market's minimum notional.
//! Everything that leaves the bot is an [`OrderRequest`], so a skipped check cannot compile.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::markets::MarketParams;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn opposite(self) -> Self {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// +1 for buys, -1 for sells: the sign of a fill's effect on the position.
    pub fn sign(self) -> Decimal {
        match self {
            Side::Buy => Decimal::ONE,
            Side::Sell => Decimal::NEGATIVE_ONE,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

/// A limit price: a positive exact multiple of the market's price tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Price(Decimal);

/// An order quantity: a positive exact multiple of the market's quantity tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Quantity(Decimal);

impl Price {
    pub fn get(self) -> Decimal {
        self.0
    }
}

impl Quantity {
    pub fn get(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why an order was refused before leaving the bot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("price {0} is not positive after rounding to the tick")]
    BadPrice(Decimal),
    #[error("quantity {0} is below one quantity tick")]
    BadQuantity(Decimal),
    #[error("notional {notional} is below the market minimum {min}")]
    BelowMinNotional { notional: Decimal, min: Decimal },
}

impl MarketParams {
    /// Rounds a price to the tick away from the other side of the book: bids down, asks up,
    /// so quantizing never makes an order more aggressive than asked.
    pub fn quantize_price(&self, side: Side, raw: Decimal) -> Option<Price> {
        let steps = raw / self.price_tick;
        let steps = match side {
            Side::Buy => steps.floor(),
            Side::Sell => steps.ceil(),
        };
        let p = steps * self.price_tick;
        (p > Decimal::ZERO).then_some(Price(p))
    }

    /// Rounds a quantity down to the tick (never more than asked).
    pub fn quantize_qty(&self, raw: Decimal) -> Option<Quantity> {
        let q = (raw / self.qty_tick).floor() * self.qty_tick;
        (q > Decimal::ZERO).then_some(Quantity(q))
    }

    /// The only way to build an order: quantize, then check the minimum notional.
    pub fn order(
        &self,
        side: Side,
        price: Decimal,
        qty: Decimal,
    ) -> Result<OrderRequest, OrderError> {
        let p = self
            .quantize_price(side, price)
            .ok_or(OrderError::BadPrice(price))?;
        let q = self.quantize_qty(qty).ok_or(OrderError::BadQuantity(qty))?;
        let notional = p.0 * q.0;
        if notional < self.min_notional {
            return Err(OrderError::BelowMinNotional {
                notional,
                min: self.min_notional,
            });
        }
        Ok(OrderRequest {
            side,
            price: p,
            qty: q,
        })
    }
}

/// A limit order that passed tick and notional checks for its market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderRequest {
    side: Side,
    price: Price,
    qty: Quantity,
}

impl OrderRequest {
    pub fn side(&self) -> Side {
        self.side
    }
    pub fn price(&self) -> Price {
        self.price
    }
    pub fn qty(&self) -> Quantity {
        self.qty
    }
    pub fn notional(&self) -> Decimal {
        self.price.0 * self.qty.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markets::market;
    use rust_decimal_macros::dec;

    #[test]
    fn bids_round_down_asks_round_up() {
        let m = market("INJ/USDT").unwrap();
        assert_eq!(
            m.quantize_price(Side::Buy, dec!(20.0129)).unwrap().get(),
            dec!(20.012)
        );
        assert_eq!(
            m.quantize_price(Side::Sell, dec!(20.0121)).unwrap().get(),
            dec!(20.013)
        );
        assert_eq!(
            m.quantize_price(Side::Sell, dec!(20.012)).unwrap().get(),
            dec!(20.012)
        );
        assert!(m.quantize_price(Side::Buy, dec!(0.0009)).is_none());
    }

    #[test]
    fn small_orders_never_build() {
        let m = market("TIA/USDT").unwrap();
        assert_eq!(m.quantize_qty(dec!(0.19)).unwrap().get(), dec!(0.1));
        let err = m.order(Side::Buy, dec!(5), dec!(0.1)).unwrap_err();
        assert!(matches!(err, OrderError::BelowMinNotional { .. }));
        assert!(m.order(Side::Buy, dec!(5), dec!(0.2)).is_ok());
        assert!(matches!(
            m.order(Side::Buy, dec!(5), dec!(0.01)),
            Err(OrderError::BadQuantity(_))
        ));
    }
}
