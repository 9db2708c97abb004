//! What the stream yields: fills, order updates and order failures of one subaccount on one
//! market, in human units, built from the stream's messages or from CometBFT block results.

use rust_decimal::Decimal;

use super::proto;
use super::StreamError;
use crate::legacy_dec::{from_wire, DecError};
use crate::msgs::Side;

/// One execution of one of our orders.
///
/// Units: `price` in quote per base, `quantity` in base (spot) or contracts (derivative),
/// `fee` in quote, negative for a maker rebate; all human (`1.5` USDT, not 1.5e6 or 1.5e18).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fill {
    /// Block height of the execution.
    pub height: u64,
    /// `"{height}_{n}"`, n counting every trade of the block from 0 (the stream server's
    /// numbering, injective-core `stream/server/handlers.go`): unique on a chain.
    pub trade_id: String,
    /// `0x` + 64 hex chars.
    pub market_id: String,
    pub side: Side,
    /// e.g. `LimitMatchRestingOrder` (we were the maker) or `LimitMatchNewOrder` (taker).
    pub execution_type: String,
    pub price: Decimal,
    pub quantity: Decimal,
    pub fee: Decimal,
    /// `0x` + 64 lowercase hex chars.
    pub subaccount_id: String,
    /// `0x` + 64 lowercase hex chars.
    pub order_hash: String,
    /// The client order id we gave the order, if any.
    pub cid: Option<String>,
}

/// Lifecycle changes of a resting order. A fill is never an order update: it comes as a
/// [`Fill`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Booked,
    Matched,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderUpdate {
    pub height: u64,
    pub market_id: String,
    pub order_hash: String,
    pub cid: Option<String>,
    pub status: OrderStatus,
}

/// An order of a successful batch that the chain refused (e.g. code 59, post-only would cross).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFailure {
    pub height: u64,
    pub order_hash: String,
    pub cid: Option<String>,
    /// The exchange module's error code (injective-core `exchange/types/errors.go`).
    pub code: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEvent {
    Fill(Fill),
    Order(OrderUpdate),
    Failure(OrderFailure),
}

pub(super) fn cid(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

pub(super) fn side(is_buy: bool) -> Side {
    if is_buy {
        Side::Buy
    } else {
        Side::Sell
    }
}

/// Proto3 drops zero values: an absent LegacyDec is zero.
fn wire(field: &'static str, text: &str) -> Result<Decimal, StreamError> {
    if text.is_empty() {
        return Ok(Decimal::ZERO);
    }
    from_wire(text).map_err(|e: DecError| StreamError::Decode(format!("{field}: {e}")))
}

pub(super) fn from_spot(height: u64, t: &proto::SpotTrade) -> Result<Fill, StreamError> {
    Ok(Fill {
        height,
        trade_id: t.trade_id.clone(),
        market_id: t.market_id.to_lowercase(),
        side: side(t.is_buy),
        execution_type: t.execution_type.clone(),
        price: wire("price", &t.price)?,
        quantity: wire("quantity", &t.quantity)?,
        fee: wire("fee", &t.fee)?,
        subaccount_id: t.subaccount_id.to_lowercase(),
        order_hash: t.order_hash.to_lowercase(),
        cid: cid(&t.cid),
    })
}

pub(super) fn from_derivative(
    height: u64,
    t: &proto::DerivativeTrade,
) -> Result<Fill, StreamError> {
    let delta = t.position_delta.clone().unwrap_or_default();
    Ok(Fill {
        height,
        trade_id: t.trade_id.clone(),
        market_id: t.market_id.to_lowercase(),
        side: side(t.is_buy),
        execution_type: t.execution_type.clone(),
        price: wire("execution_price", &delta.execution_price)?,
        quantity: wire("execution_quantity", &delta.execution_quantity)?,
        fee: wire("fee", &t.fee)?,
        subaccount_id: t.subaccount_id.to_lowercase(),
        order_hash: t.order_hash.to_lowercase(),
        cid: cid(&t.cid),
    })
}

pub(super) fn order_update(height: u64, u: &proto::OrderUpdate) -> Option<OrderUpdate> {
    let status = match u.status {
        1 => OrderStatus::Booked,
        2 => OrderStatus::Matched,
        3 => OrderStatus::Cancelled,
        _ => return None,
    };
    Some(OrderUpdate {
        height,
        market_id: u
            .order
            .as_ref()
            .map(|o| o.market_id.to_lowercase())
            .unwrap_or_default(),
        order_hash: u.order_hash.to_lowercase(),
        cid: cid(&u.cid),
        status,
    })
}

pub(super) fn failure(height: u64, f: &proto::OrderFailureUpdate) -> OrderFailure {
    OrderFailure {
        height,
        order_hash: f.order_hash.to_lowercase(),
        cid: cid(&f.cid),
        code: f.error_code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn spot() -> proto::SpotTrade {
        proto::SpotTrade {
            market_id: "0xABC".into(),
            is_buy: false,
            execution_type: "LimitMatchRestingOrder".into(),
            quantity: "1500000000000000000".into(),
            price: "30001000000000000000".into(),
            subaccount_id: "0xDEF".into(),
            fee: "-3000000000000000".into(),
            order_hash: "0x01".into(),
            cid: "c1".into(),
            trade_id: "109_0".into(),
        }
    }

    #[test]
    fn a_spot_trade_becomes_a_fill_in_human_units() {
        let f = from_spot(109, &spot()).unwrap();
        assert_eq!(f.price, d("30.001"));
        assert_eq!(f.quantity, d("1.5"));
        assert_eq!(f.fee, d("-0.003"), "a maker rebate stays negative");
        assert_eq!(f.side, Side::Sell);
        assert_eq!(f.trade_id, "109_0");
        assert_eq!(f.cid.as_deref(), Some("c1"));
        assert_eq!(
            (f.market_id.as_str(), f.subaccount_id.as_str()),
            ("0xabc", "0xdef")
        );
    }

    #[test]
    fn absent_fields_are_zero_or_none_and_garbage_is_an_error() {
        let mut t = spot();
        t.fee.clear();
        t.cid.clear();
        t.is_buy = true;
        let f = from_spot(1, &t).unwrap();
        assert_eq!((f.fee, f.cid, f.side), (Decimal::ZERO, None, Side::Buy));
        t.price = "30.5".into();
        assert!(matches!(from_spot(1, &t), Err(StreamError::Decode(m)) if m.starts_with("price")));
    }

    #[test]
    fn a_derivative_trade_takes_price_and_quantity_from_the_position_delta() {
        let t = proto::DerivativeTrade {
            market_id: "0x78".into(),
            is_buy: true,
            execution_type: "LimitMatchNewOrder".into(),
            subaccount_id: "0x11".into(),
            position_delta: Some(proto::PositionDelta {
                is_long: true,
                execution_quantity: "250000000000000000".into(),
                execution_margin: "5000000000000000000".into(),
                execution_price: "20123000000000000000".into(),
            }),
            fee: "5031000000000000".into(),
            order_hash: "0x02".into(),
            cid: String::new(),
            trade_id: "7_3".into(),
        };
        let f = from_derivative(7, &t).unwrap();
        assert_eq!(
            (f.price, f.quantity, f.fee),
            (d("20.123"), d("0.25"), d("0.005031"))
        );
        assert_eq!(f.side, Side::Buy);
    }

    #[test]
    fn order_statuses_map_and_unknown_ones_are_dropped() {
        let mut u = proto::OrderUpdate {
            status: 3,
            order_hash: "0xAA".into(),
            cid: "x".into(),
            order: Some(proto::OrderUpdateMarket {
                market_id: "0xBB".into(),
            }),
        };
        let o = order_update(5, &u).unwrap();
        assert_eq!(
            (o.status, o.market_id.as_str()),
            (OrderStatus::Cancelled, "0xbb")
        );
        u.status = 1;
        assert_eq!(order_update(5, &u).unwrap().status, OrderStatus::Booked);
        u.status = 0;
        assert_eq!(order_update(5, &u), None);
    }
}
