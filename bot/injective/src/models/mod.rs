//! Models of the chain LCD (exchange v2, human LegacyDec) and indexer (legacy chain format)
//! responses, each converted into one set of human-valued domain types. The two sources never
//! share a raw type, so one cannot be read with the other's units.
//!
//! Field names are accepted in both snake_case (LCD, Go) and camelCase (gRPC-gateway, Python).

mod cosmos;
mod indexer;
mod lcd;

pub use cosmos::{
    AccountResponse, Block, BlockHeader, GasInfo, GatewayDetail, GatewayError, LatestBlockResponse,
    SimulateResponse, TxResponse, TxResponseEnvelope,
};
pub use indexer::{
    IndexerDerivativeMarket, IndexerDerivativeMarketResponse, IndexerDerivativeTrade,
    IndexerPositionDelta, IndexerPriceLevel, IndexerSpotMarket, IndexerSpotMarketResponse,
    IndexerSpotTrade, IndexerTradesResponse, TokenMeta,
};
pub use lcd::{
    DerivativeMarketResponse, DerivativeMarketsResponse, EipBaseFee, EipBaseFeeResponse,
    FullDerivativeMarket, LcdDeposit, LcdDerivativeMarket, LcdDerivativePosition, LcdLevel,
    LcdPosition, LcdSpotMarket, LcdTrimmedOrder, OrderbookResponse, SpotMarketResponse,
    SpotMarketsResponse, SubaccountDepositsResponse, SubaccountPositionsResponse,
    TraderOrdersResponse,
};

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::legacy_dec::{self, DecError};
use crate::msgs::Side;

// ---------------------------------------------------------------- domain (human values)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub price: Decimal,
    pub quantity: Decimal,
}

/// Best first on both sides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderBook {
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    pub market_id: String,
    pub trade_id: String,
    pub order_hash: String,
    pub subaccount_id: String,
    pub cid: Option<String>,
    pub side: Side,
    pub price: Decimal,
    pub quantity: Decimal,
    /// Quote units; negative = rebate.
    pub fee: Decimal,
    pub executed_at_ms: i64,
    pub maker: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOrder {
    pub market_id: String,
    pub order_hash: String,
    pub cid: Option<String>,
    pub side: Side,
    pub price: Decimal,
    pub quantity: Decimal,
    pub fillable: Decimal,
}

/// A subaccount deposit in base units of its denom (the chain keeps deposits unscaled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub denom: String,
    pub available: Decimal,
    pub total: Decimal,
}

impl Balance {
    /// Human amount given the token's decimals.
    pub fn human(&self, decimals: u32) -> Result<(Decimal, Decimal), DecError> {
        let shift = -(decimals as i32);
        Ok((
            legacy_dec::shift(self.available, shift)?,
            legacy_dec::shift(self.total, shift)?,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub market_id: String,
    pub subaccount_id: String,
    pub is_long: bool,
    pub quantity: Decimal,
    pub entry_price: Decimal,
    pub margin: Decimal,
    pub cumulative_funding_entry: Decimal,
}

// ---------------------------------------------------------------- helpers

fn chain_dec<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(d)?;
    legacy_dec::from_chain_json(&text).map_err(serde::de::Error::custom)
}

fn opt_chain_dec<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(t) if !t.is_empty() => legacy_dec::from_chain_json(&t)
            .map(Some)
            .map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

/// Integers arrive as JSON numbers (Go) or strings (gRPC-gateway, Python).
fn int_or_str<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(i64),
        S(String),
    }
    match Raw::deserialize(d)? {
        Raw::N(n) => Ok(n),
        Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

fn side_from(text: &str) -> Result<Side, DecError> {
    match text {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        other => Err(DecError::Malformed(other.to_owned())),
    }
}
