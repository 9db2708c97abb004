//! The paper subaccount: balances, a perpetual position with margin, and the funds check an
//! order must pass before it may rest. Spot buys spend quote and receive base; perpetual fills
//! move only the position, realizing PnL into the quote collateral as it shrinks.

use rust_decimal::Decimal;

use crate::domain::{OrderRequest, Side};
use crate::exchange::{Fill, Order, Position};
use crate::markets::MarketParams;

#[derive(Debug, Clone)]
pub struct Account {
    pub base: Decimal,
    pub quote: Decimal,
    /// Perpetual position (signed) and its average entry price.
    pub pos_qty: Decimal,
    pub entry_price: Decimal,
    perpetual: bool,
    leverage: Decimal,
}

impl Account {
    pub fn new(market: &MarketParams, base: Decimal, quote: Decimal) -> Self {
        let perpetual = market.is_perpetual();
        Self {
            base: if perpetual { Decimal::ZERO } else { base },
            quote,
            pos_qty: Decimal::ZERO,
            entry_price: Decimal::ZERO,
            perpetual,
            leverage: market.max_leverage,
        }
    }

    pub fn position(&self) -> Option<Position> {
        (self.perpetual && !self.pos_qty.is_zero()).then(|| Position {
            qty: self.pos_qty,
            entry_price: self.entry_price,
            margin: self.margin_of(self.pos_qty.abs() * self.entry_price),
        })
    }

    fn margin_of(&self, notional: Decimal) -> Decimal {
        notional / self.leverage
    }

    /// What a new order may still use next to `open`: (base, quote). Spot: each balance less
    /// what resting orders hold (sells their remaining base; buys price × remaining × (1 +
    /// `fee_rate`) of quote). Perpetual: base 0, and the free margin = collateral + unrealized
    /// PnL at `mark` − the margin of the position and of the resting orders.
    pub fn available(
        &self,
        open: &[Order],
        fee_rate: Decimal,
        mark: Decimal,
    ) -> (Decimal, Decimal) {
        if self.perpetual {
            let open_margin: Decimal = open
                .iter()
                .map(|o| self.margin_of(o.price * o.remaining))
                .sum();
            let upnl = (mark - self.entry_price) * self.pos_qty;
            let used = self.margin_of(self.pos_qty.abs() * self.entry_price) + open_margin;
            return (Decimal::ZERO, self.quote + upnl - used);
        }
        let held = |side: Side| -> Decimal {
            open.iter()
                .filter(|o| o.side == side)
                .map(|o| match side {
                    Side::Buy => o.price * o.remaining * (Decimal::ONE + fee_rate),
                    Side::Sell => o.remaining,
                })
                .sum()
        };
        (self.base - held(Side::Sell), self.quote - held(Side::Buy))
    }

    /// Whether `order` can rest next to `open` without overdrawing the account.
    /// `fee_rate` is the worst case (taker) so a crossing order is covered too.
    pub fn check(
        &self,
        order: &OrderRequest,
        open: &[Order],
        fee_rate: Decimal,
        mark: Decimal,
    ) -> Result<(), String> {
        let (p, q) = (order.price().get(), order.qty().get());
        let (base_free, quote_free) = self.available(open, fee_rate, mark);
        if self.perpetual {
            let need = self.margin_of(p * q) + p * q * fee_rate;
            return if need <= quote_free {
                Ok(())
            } else {
                Err(format!(
                    "insufficient margin: need {need}, free {}",
                    quote_free.round_dp(6)
                ))
            };
        }
        match order.side() {
            Side::Buy => {
                let need = p * q * (Decimal::ONE + fee_rate);
                if need <= quote_free {
                    Ok(())
                } else {
                    Err(format!("insufficient quote balance: need {need}"))
                }
            }
            Side::Sell => {
                if q <= base_free {
                    Ok(())
                } else {
                    Err(format!("insufficient base balance: need {q}"))
                }
            }
        }
    }

    pub fn is_perpetual(&self) -> bool {
        self.perpetual
    }

    pub fn apply(&mut self, fill: &Fill) {
        let notional = fill.price * fill.qty;
        self.quote -= fill.fee;
        if !self.perpetual {
            match fill.side {
                Side::Buy => {
                    self.base += fill.qty;
                    self.quote -= notional;
                }
                Side::Sell => {
                    self.base -= fill.qty;
                    self.quote += notional;
                }
            }
            return;
        }
        let signed = fill.side.sign() * fill.qty;
        let same_direction = self.pos_qty.is_zero()
            || (self.pos_qty.is_sign_positive() == signed.is_sign_positive());
        if same_direction {
            let new_qty = self.pos_qty + signed;
            self.entry_price = (self.entry_price * self.pos_qty.abs() + notional) / new_qty.abs();
            self.pos_qty = new_qty;
            return;
        }
        let closing = fill.qty.min(self.pos_qty.abs());
        // Realized PnL of the closed part goes straight into the collateral.
        self.quote += (fill.price - self.entry_price) * closing * sign(self.pos_qty);
        self.pos_qty += signed;
        if self.pos_qty.is_zero() {
            self.entry_price = Decimal::ZERO;
        } else if self.pos_qty.is_sign_positive() == signed.is_sign_positive() {
            // Flipped through zero: the remainder opened at this fill's price.
            self.entry_price = fill.price;
        }
    }
}

fn sign(d: Decimal) -> Decimal {
    if d.is_sign_negative() {
        Decimal::NEGATIVE_ONE
    } else {
        Decimal::ONE
    }
}
