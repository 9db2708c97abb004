//! What the bot's orders become on chain: the connector's [`NewOrder`] of an engine request,
//! and the leverage of perpetual orders.

use rust_decimal::Decimal;
use tradebot_injective::msgs::Side as ChainSide;
use tradebot_injective::msgs::{MarketKind as ChainKind, NewOrder};

use super::InjectiveExchange;
use crate::domain::{OrderRequest, Side};
use crate::exchange::ExchangeError;

impl InjectiveExchange {
    /// Sets the leverage of perpetual orders (margin = price x quantity / leverage). Refused
    /// (one line) below 1 or above the market's 1 / initial margin ratio on chain.
    pub fn set_leverage(&mut self, leverage: Decimal) -> Result<(), ExchangeError> {
        let cap = match self.meta.initial_margin_ratio {
            Some(imr) if imr > Decimal::ZERO => Decimal::ONE / imr,
            _ => Decimal::ONE,
        };
        if leverage < Decimal::ONE || leverage > cap {
            return Err(ExchangeError::Refused(format!(
                "injective.leverage {leverage} is outside 1..={} (1 / the market's initial margin ratio on chain)",
                cap.normalize()
            )));
        }
        self.leverage = leverage;
        Ok(())
    }

    pub(super) fn new_order(&self, o: &OrderRequest, cid: String) -> NewOrder {
        NewOrder {
            market_id: self.market_ref.id.clone(),
            side: match o.side() {
                Side::Buy => ChainSide::Buy,
                Side::Sell => ChainSide::Sell,
            },
            price: o.price().get(),
            quantity: o.qty().get(),
            // Same semantics as the paper venue: a crossing order takes liquidity.
            post_only: false,
            cid,
            // Perpetuals: the spec's leverage (default 1, fully margined).
            leverage: (self.meta.kind == ChainKind::Derivative).then_some(self.leverage),
        }
    }
}
