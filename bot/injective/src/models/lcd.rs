//! Chain LCD (exchange v2, human LegacyDec) response models: markets, orderbooks, orders,
//! deposits, positions and the EIP base fee.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use super::{chain_dec, opt_chain_dec, Balance, Level, OpenOrder, OrderBook, Position};
use crate::msgs::{MarketKind, MarketMeta, Side};

#[derive(Debug, Clone, Deserialize)]
pub struct SpotMarketResponse {
    pub market: LcdSpotMarket,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SpotMarketsResponse {
    pub markets: Vec<LcdSpotMarket>,
}

/// `status` 1 = active (the v2 LCD prints the enum number; some renderings print its name).
fn status_active<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(
        matches!(&v, serde_json::Value::Number(n) if n.as_u64() == Some(1))
            || matches!(&v, serde_json::Value::String(s) if s == "Active" || s == "1"),
    )
}

#[derive(Debug, Clone, Deserialize)]
pub struct LcdSpotMarket {
    pub ticker: String,
    #[serde(alias = "baseDenom")]
    pub base_denom: String,
    #[serde(alias = "quoteDenom")]
    pub quote_denom: String,
    #[serde(alias = "marketId")]
    pub market_id: String,
    #[serde(deserialize_with = "status_active")]
    pub status: bool,
    #[serde(alias = "makerFeeRate", deserialize_with = "chain_dec")]
    pub maker_fee_rate: Decimal,
    #[serde(alias = "takerFeeRate", deserialize_with = "chain_dec")]
    pub taker_fee_rate: Decimal,
    #[serde(alias = "minPriceTickSize", deserialize_with = "chain_dec")]
    pub min_price_tick_size: Decimal,
    #[serde(alias = "minQuantityTickSize", deserialize_with = "chain_dec")]
    pub min_quantity_tick_size: Decimal,
    #[serde(alias = "minNotional", deserialize_with = "chain_dec")]
    pub min_notional: Decimal,
    #[serde(alias = "baseDecimals")]
    pub base_decimals: u32,
    #[serde(alias = "quoteDecimals")]
    pub quote_decimals: u32,
}

impl From<LcdSpotMarket> for MarketMeta {
    fn from(m: LcdSpotMarket) -> Self {
        MarketMeta {
            market_id: m.market_id,
            kind: MarketKind::Spot,
            ticker: m.ticker,
            base_denom: Some(m.base_denom),
            quote_denom: m.quote_denom,
            base_decimals: Some(m.base_decimals),
            quote_decimals: m.quote_decimals,
            price_tick: m.min_price_tick_size,
            quantity_tick: m.min_quantity_tick_size,
            min_notional: m.min_notional,
            maker_fee_rate: m.maker_fee_rate,
            taker_fee_rate: m.taker_fee_rate,
            initial_margin_ratio: None,
            active: m.status,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DerivativeMarketResponse {
    pub market: FullDerivativeMarket,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DerivativeMarketsResponse {
    pub markets: Vec<FullDerivativeMarket>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FullDerivativeMarket {
    pub market: LcdDerivativeMarket,
    #[serde(default, alias = "markPrice", deserialize_with = "opt_chain_dec")]
    pub mark_price: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LcdDerivativeMarket {
    pub ticker: String,
    #[serde(alias = "quoteDenom")]
    pub quote_denom: String,
    #[serde(alias = "marketId")]
    pub market_id: String,
    #[serde(alias = "initialMarginRatio", deserialize_with = "chain_dec")]
    pub initial_margin_ratio: Decimal,
    #[serde(alias = "maintenanceMarginRatio", deserialize_with = "chain_dec")]
    pub maintenance_margin_ratio: Decimal,
    #[serde(alias = "makerFeeRate", deserialize_with = "chain_dec")]
    pub maker_fee_rate: Decimal,
    #[serde(alias = "takerFeeRate", deserialize_with = "chain_dec")]
    pub taker_fee_rate: Decimal,
    #[serde(deserialize_with = "status_active")]
    pub status: bool,
    #[serde(alias = "minPriceTickSize", deserialize_with = "chain_dec")]
    pub min_price_tick_size: Decimal,
    #[serde(alias = "minQuantityTickSize", deserialize_with = "chain_dec")]
    pub min_quantity_tick_size: Decimal,
    #[serde(alias = "minNotional", deserialize_with = "chain_dec")]
    pub min_notional: Decimal,
    #[serde(alias = "quoteDecimals")]
    pub quote_decimals: u32,
}

impl From<LcdDerivativeMarket> for MarketMeta {
    fn from(m: LcdDerivativeMarket) -> Self {
        MarketMeta {
            market_id: m.market_id,
            kind: MarketKind::Derivative,
            ticker: m.ticker,
            base_denom: None,
            quote_denom: m.quote_denom,
            base_decimals: None,
            quote_decimals: m.quote_decimals,
            price_tick: m.min_price_tick_size,
            quantity_tick: m.min_quantity_tick_size,
            min_notional: m.min_notional,
            maker_fee_rate: m.maker_fee_rate,
            taker_fee_rate: m.taker_fee_rate,
            initial_margin_ratio: Some(m.initial_margin_ratio),
            active: m.status,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LcdLevel {
    #[serde(deserialize_with = "chain_dec")]
    pub p: Decimal,
    #[serde(deserialize_with = "chain_dec")]
    pub q: Decimal,
}

/// Spot and derivative orderbook queries share this shape.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderbookResponse {
    #[serde(default, alias = "buysPriceLevel")]
    pub buys_price_level: Vec<LcdLevel>,
    #[serde(default, alias = "sellsPriceLevel")]
    pub sells_price_level: Vec<LcdLevel>,
}

impl From<OrderbookResponse> for OrderBook {
    fn from(r: OrderbookResponse) -> Self {
        let conv = |v: Vec<LcdLevel>| {
            v.into_iter()
                .map(|l| Level {
                    price: l.p,
                    quantity: l.q,
                })
                .collect()
        };
        OrderBook {
            bids: conv(r.buys_price_level),
            asks: conv(r.sells_price_level),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TraderOrdersResponse {
    #[serde(default)]
    pub orders: Vec<LcdTrimmedOrder>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LcdTrimmedOrder {
    #[serde(deserialize_with = "chain_dec")]
    pub price: Decimal,
    #[serde(deserialize_with = "chain_dec")]
    pub quantity: Decimal,
    #[serde(deserialize_with = "chain_dec")]
    pub fillable: Decimal,
    #[serde(alias = "isBuy")]
    pub is_buy: bool,
    #[serde(alias = "orderHash")]
    pub order_hash: String,
    #[serde(default)]
    pub cid: Option<String>,
}

impl TraderOrdersResponse {
    pub fn into_orders(self, market_id: &str) -> Vec<OpenOrder> {
        self.orders
            .into_iter()
            .map(|o| OpenOrder {
                market_id: market_id.to_owned(),
                order_hash: o.order_hash,
                cid: o.cid.filter(|c| !c.is_empty()),
                side: if o.is_buy { Side::Buy } else { Side::Sell },
                price: o.price,
                quantity: o.quantity,
                fillable: o.fillable,
            })
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SubaccountDepositsResponse {
    #[serde(default)]
    pub deposits: BTreeMap<String, LcdDeposit>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LcdDeposit {
    #[serde(alias = "availableBalance", deserialize_with = "chain_dec")]
    pub available_balance: Decimal,
    #[serde(alias = "totalBalance", deserialize_with = "chain_dec")]
    pub total_balance: Decimal,
}

impl SubaccountDepositsResponse {
    pub fn into_balances(self) -> Vec<Balance> {
        self.deposits
            .into_iter()
            .map(|(denom, d)| Balance {
                denom,
                available: d.available_balance,
                total: d.total_balance,
            })
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SubaccountPositionsResponse {
    #[serde(default)]
    pub state: Vec<LcdDerivativePosition>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LcdDerivativePosition {
    #[serde(alias = "subaccountId")]
    pub subaccount_id: String,
    #[serde(alias = "marketId")]
    pub market_id: String,
    pub position: LcdPosition,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LcdPosition {
    /// Omitted when false (proto3 JSON drops default bools).
    #[serde(default, alias = "isLong")]
    pub is_long: bool,
    #[serde(deserialize_with = "chain_dec")]
    pub quantity: Decimal,
    #[serde(alias = "entryPrice", deserialize_with = "chain_dec")]
    pub entry_price: Decimal,
    #[serde(deserialize_with = "chain_dec")]
    pub margin: Decimal,
    #[serde(alias = "cumulativeFundingEntry", deserialize_with = "chain_dec")]
    pub cumulative_funding_entry: Decimal,
}

impl SubaccountPositionsResponse {
    pub fn into_positions(self) -> Vec<Position> {
        self.state
            .into_iter()
            .map(|s| Position {
                market_id: s.market_id,
                subaccount_id: s.subaccount_id,
                is_long: s.position.is_long,
                quantity: s.position.quantity,
                entry_price: s.position.entry_price,
                margin: s.position.margin,
                cumulative_funding_entry: s.position.cumulative_funding_entry,
            })
            .collect()
    }
}

/// `/injective/txfees/v1beta1/cur_eip_base_fee`: gas price in fee-denom base units per gas.
#[derive(Debug, Clone, Deserialize)]
pub struct EipBaseFeeResponse {
    #[serde(alias = "baseFee")]
    pub base_fee: EipBaseFee,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EipBaseFee {
    #[serde(alias = "baseFee", deserialize_with = "chain_dec")]
    pub base_fee: Decimal,
}
