//! Exchange v2 orders in human values, checked against the market's ticks, and turned into
//! `MsgBatchUpdateOrders` (LegacyDec wire strings) and back from its response.

use std::collections::HashSet;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::address::{Address, SubaccountId};
use crate::legacy_dec::{self, DecError};
use crate::proto;

mod outcome;

pub use outcome::{read_outcome, BatchOutcome, PlacedOrder, RejectedOrder};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Buy,
    Sell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarketKind {
    Spot,
    Derivative,
}

/// A market as read from the chain at start-up; never hard-coded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketMeta {
    pub market_id: String,
    pub kind: MarketKind,
    pub ticker: String,
    pub base_denom: Option<String>,
    pub quote_denom: String,
    /// Token decimals (spot base; derivatives have none).
    pub base_decimals: Option<u32>,
    pub quote_decimals: u32,
    pub price_tick: Decimal,
    pub quantity_tick: Decimal,
    /// Minimum price x quantity, in quote (human units).
    pub min_notional: Decimal,
    pub maker_fee_rate: Decimal,
    pub taker_fee_rate: Decimal,
    /// Derivatives only.
    pub initial_margin_ratio: Option<Decimal>,
    pub active: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OrderError {
    #[error("price {0} is not a positive multiple of the tick {1}")]
    PriceTick(Decimal, Decimal),
    #[error("quantity {0} is not a positive multiple of the tick {1}")]
    QuantityTick(Decimal, Decimal),
    #[error("notional {0} is below the market minimum {1}")]
    MinNotional(Decimal, Decimal),
    #[error("leverage {0} must be at least 1 and at most 1/initial margin ratio ({1})")]
    Leverage(Decimal, Decimal),
    #[error("derivative order needs a leverage and the market an initial margin ratio")]
    MissingLeverage,
    #[error("client order id must be 1..=36 printable ASCII characters and unique in a batch")]
    BadCid,
    #[error("a batch must create, cancel or cancel all at least one thing")]
    EmptyBatch,
    #[error("market {0} is named twice in cancel-all, or a cid is cancelled twice in it")]
    Duplicate(String),
    #[error("cancel by cid in market {0}, which the same batch also cancels all of")]
    CancelInCancelAll(String),
    #[error("order for market {0} that is not of the expected kind or not loaded")]
    UnknownMarket(String),
    #[error(transparent)]
    Decimal(#[from] DecError),
}

/// A limit order to create (human values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub market_id: String,
    pub side: Side,
    pub price: Decimal,
    pub quantity: Decimal,
    /// Post-only: rejected instead of crossing the book.
    pub post_only: bool,
    /// Client order id: how we cancel and how we learn the order's fate.
    pub cid: String,
    /// Derivatives: margin = notional / leverage (never below the initial margin ratio).
    pub leverage: Option<Decimal>,
}

/// An order to cancel, by client order id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOrder {
    pub market_id: String,
    pub cid: String,
}

fn is_multiple(value: Decimal, tick: Decimal) -> bool {
    !tick.is_zero() && value > Decimal::ZERO && (value % tick).is_zero()
}

fn valid_cid(cid: &str) -> bool {
    (1..=36).contains(&cid.len()) && cid.bytes().all(|b| b.is_ascii_graphic())
}

impl MarketMeta {
    /// Ticks and minimum notional: the chain rejects anything else, so we reject it first.
    pub fn check(&self, price: Decimal, quantity: Decimal) -> Result<(), OrderError> {
        if !is_multiple(price, self.price_tick) {
            return Err(OrderError::PriceTick(price, self.price_tick));
        }
        if !is_multiple(quantity, self.quantity_tick) {
            return Err(OrderError::QuantityTick(quantity, self.quantity_tick));
        }
        let notional = price * quantity;
        if notional < self.min_notional {
            return Err(OrderError::MinNotional(notional, self.min_notional));
        }
        Ok(())
    }

    /// Largest tick multiple not above `price` (buyers) or smallest not below (sellers).
    pub fn round_price(&self, price: Decimal, side: Side) -> Decimal {
        round_to(price, self.price_tick, side == Side::Sell)
    }

    /// Largest tick multiple not above `quantity`.
    pub fn round_quantity(&self, quantity: Decimal) -> Decimal {
        round_to(quantity, self.quantity_tick, false)
    }

    /// Margin for a derivative order: notional / leverage, and at least notional x initial
    /// margin ratio; rounded up so the chain's margin check cannot fail on the last digit.
    pub fn margin(
        &self,
        price: Decimal,
        quantity: Decimal,
        leverage: Decimal,
    ) -> Result<Decimal, OrderError> {
        let imr = self
            .initial_margin_ratio
            .ok_or(OrderError::MissingLeverage)?;
        let max_leverage = if imr.is_zero() {
            Decimal::MAX
        } else {
            Decimal::ONE / imr
        };
        if leverage < Decimal::ONE || leverage > max_leverage {
            return Err(OrderError::Leverage(leverage, max_leverage.round_dp(2)));
        }
        let notional = price * quantity;
        let margin = (notional / leverage).max(notional * imr);
        Ok(margin
            .round_dp_with_strategy(self.quote_decimals.min(18), RoundingStrategy::AwayFromZero))
    }
}

fn round_to(value: Decimal, tick: Decimal, up: bool) -> Decimal {
    if tick.is_zero() {
        return value;
    }
    let steps = value / tick;
    let steps = if up { steps.ceil() } else { steps.floor() };
    (steps * tick).normalize()
}

/// One batch: cancels and creates of one subaccount, applied atomically per message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub creates: Vec<NewOrder>,
    pub cancels: Vec<CancelOrder>,
    /// Markets whose every order of the subaccount is cancelled.
    pub cancel_all: Vec<String>,
}

/// Builds the v2 message. `markets` must hold every market the batch names.
///
/// The chain's `MsgBatchUpdateOrders.ValidateBasic` (injective-core
/// `exchange/types/v2/msgs.go`) refuses the whole message (exchange code 58) when the top-level
/// `subaccount_id` is set without a cancel-all market or missing with one, when a cancel-all
/// market repeats, when an order is cancelled twice, when a cancel by cid names a market that is
/// also in cancel-all, and when the message is empty. Each of those is refused here first, with
/// an [`OrderError`], so nothing we send can fail that way; per-order checks (ticks, minimum
/// notional, cid) follow the same rule.
pub fn batch_update(
    sender: Address,
    subaccount: SubaccountId,
    batch: &Batch,
    markets: &[MarketMeta],
) -> Result<proto::MsgBatchUpdateOrders, OrderError> {
    check_shape(batch)?;
    let subaccount_hex = subaccount.to_hex();
    let mut msg = proto::MsgBatchUpdateOrders {
        sender: sender.to_bech32(),
        // Set only with cancel-all markets: the chain reads it as "cancel all for this one".
        subaccount_id: if batch.cancel_all.is_empty() {
            String::new()
        } else {
            subaccount_hex.clone()
        },
        ..Default::default()
    };
    push_cancel_all(&mut msg, &batch.cancel_all, markets)?;
    push_cancels(&mut msg, &batch.cancels, markets, &subaccount_hex)?;
    for o in &batch.creates {
        let market = find_market(markets, &o.market_id)?;
        push_create(&mut msg, market, o, sender, &subaccount_hex)?;
    }
    Ok(msg)
}

/// The market `id` among `markets`; [`OrderError::UnknownMarket`] when absent.
fn find_market<'a>(markets: &'a [MarketMeta], id: &str) -> Result<&'a MarketMeta, OrderError> {
    markets
        .iter()
        .find(|m| m.market_id == id)
        .ok_or_else(|| OrderError::UnknownMarket(id.to_owned()))
}

/// Adds the cancel-all markets to the spot or derivative list by the market's kind.
fn push_cancel_all(
    msg: &mut proto::MsgBatchUpdateOrders,
    ids: &[String],
    markets: &[MarketMeta],
) -> Result<(), OrderError> {
    for id in ids {
        match find_market(markets, id)?.kind {
            MarketKind::Spot => msg.spot_market_ids_to_cancel_all.push(id.clone()),
            MarketKind::Derivative => msg.derivative_market_ids_to_cancel_all.push(id.clone()),
        }
    }
    Ok(())
}

/// Adds cancels by cid (any order mask) of the subaccount `subaccount_hex`, by market kind.
fn push_cancels(
    msg: &mut proto::MsgBatchUpdateOrders,
    cancels: &[CancelOrder],
    markets: &[MarketMeta],
    subaccount_hex: &str,
) -> Result<(), OrderError> {
    for c in cancels {
        let data = proto::OrderData {
            market_id: c.market_id.clone(),
            subaccount_id: subaccount_hex.to_owned(),
            order_hash: String::new(),
            order_mask: proto::ORDER_MASK_ANY,
            cid: c.cid.clone(),
        };
        match find_market(markets, &c.market_id)?.kind {
            MarketKind::Spot => msg.spot_orders_to_cancel.push(data),
            MarketKind::Derivative => msg.derivative_orders_to_cancel.push(data),
        }
    }
    Ok(())
}

/// The message-level rules of the chain's ValidateBasic that do not need the markets.
fn check_shape(batch: &Batch) -> Result<(), OrderError> {
    if batch.creates.is_empty() && batch.cancels.is_empty() && batch.cancel_all.is_empty() {
        return Err(OrderError::EmptyBatch);
    }
    let mut all = HashSet::new();
    for id in &batch.cancel_all {
        if !all.insert(id.to_ascii_lowercase()) {
            return Err(OrderError::Duplicate(id.clone()));
        }
    }
    let mut cancels = HashSet::new();
    for c in &batch.cancels {
        if !valid_cid(&c.cid) {
            return Err(OrderError::BadCid);
        }
        if all.contains(&c.market_id.to_ascii_lowercase()) {
            return Err(OrderError::CancelInCancelAll(c.market_id.clone()));
        }
        if !cancels.insert((c.market_id.to_ascii_lowercase(), c.cid.as_str())) {
            return Err(OrderError::Duplicate(c.market_id.clone()));
        }
    }
    let mut cids = HashSet::new();
    for o in &batch.creates {
        if !valid_cid(&o.cid) || !cids.insert(o.cid.as_str()) {
            return Err(OrderError::BadCid);
        }
    }
    Ok(())
}

fn push_create(
    msg: &mut proto::MsgBatchUpdateOrders,
    market: &MarketMeta,
    o: &NewOrder,
    sender: Address,
    subaccount_hex: &str,
) -> Result<(), OrderError> {
    market.check(o.price, o.quantity)?;
    let order_type = match (o.side, o.post_only) {
        (Side::Buy, false) => proto::OrderType::Buy,
        (Side::Sell, false) => proto::OrderType::Sell,
        (Side::Buy, true) => proto::OrderType::BuyPo,
        (Side::Sell, true) => proto::OrderType::SellPo,
    } as i32;
    let info = Some(proto::OrderInfo {
        subaccount_id: subaccount_hex.to_owned(),
        // Fee recipient = ourselves: the relayer share of our fees comes back to us.
        fee_recipient: sender.to_bech32(),
        price: legacy_dec::to_wire(o.price)?,
        quantity: legacy_dec::to_wire(o.quantity)?,
        cid: o.cid.clone(),
    });
    match market.kind {
        MarketKind::Spot => msg.spot_orders_to_create.push(proto::SpotOrder {
            market_id: o.market_id.clone(),
            order_info: info,
            order_type,
            ..Default::default()
        }),
        MarketKind::Derivative => {
            let leverage = o.leverage.ok_or(OrderError::MissingLeverage)?;
            let margin = market.margin(o.price, o.quantity, leverage)?;
            msg.derivative_orders_to_create
                .push(proto::DerivativeOrder {
                    market_id: o.market_id.clone(),
                    order_info: info,
                    order_type,
                    margin: legacy_dec::to_wire(margin)?,
                    ..Default::default()
                });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
