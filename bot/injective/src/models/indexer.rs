//! Indexer response models (legacy chain format), converted to human values with the
//! market's decimals.

use serde::Deserialize;

use super::{int_or_str, side_from, Trade};
use crate::legacy_dec::{self, ChainFormat, DecError};
use crate::msgs::{MarketKind, MarketMeta};

#[derive(Debug, Clone, Deserialize)]
pub struct IndexerSpotMarketResponse {
    pub market: IndexerSpotMarket,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenMeta {
    pub decimals: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexerSpotMarket {
    #[serde(alias = "marketId")]
    pub market_id: String,
    #[serde(alias = "marketStatus")]
    pub market_status: String,
    pub ticker: String,
    #[serde(alias = "baseDenom")]
    pub base_denom: String,
    #[serde(alias = "quoteDenom")]
    pub quote_denom: String,
    #[serde(alias = "baseTokenMeta")]
    pub base_token_meta: TokenMeta,
    /// Sometimes absent: then the decimals must come from elsewhere (denom metadata).
    #[serde(default, alias = "quoteTokenMeta")]
    pub quote_token_meta: Option<TokenMeta>,
    #[serde(alias = "makerFeeRate")]
    pub maker_fee_rate: String,
    #[serde(alias = "takerFeeRate")]
    pub taker_fee_rate: String,
    #[serde(alias = "minPriceTickSize")]
    pub min_price_tick_size: String,
    #[serde(alias = "minQuantityTickSize")]
    pub min_quantity_tick_size: String,
    #[serde(default, alias = "minNotional")]
    pub min_notional: Option<String>,
}

impl IndexerSpotMarket {
    /// Chain-format scaling; without known quote decimals no value can be converted.
    pub fn format(&self) -> Result<ChainFormat, DecError> {
        let quote = self
            .quote_token_meta
            .as_ref()
            .ok_or_else(|| DecError::Malformed("quote token decimals missing".into()))?;
        Ok(ChainFormat::Spot {
            base_decimals: self.base_token_meta.decimals,
            quote_decimals: quote.decimals,
        })
    }

    /// Converts the chain-format ticks to human ones.
    pub fn to_meta(&self) -> Result<MarketMeta, DecError> {
        let f = self.format()?;
        let ChainFormat::Spot { quote_decimals, .. } = f else {
            return Err(DecError::Malformed("not a spot format".into()));
        };
        Ok(MarketMeta {
            market_id: self.market_id.clone(),
            kind: MarketKind::Spot,
            ticker: self.ticker.clone(),
            base_denom: Some(self.base_denom.clone()),
            quote_denom: self.quote_denom.clone(),
            base_decimals: Some(self.base_token_meta.decimals),
            quote_decimals,
            price_tick: f.price(&self.min_price_tick_size)?,
            quantity_tick: f.quantity(&self.min_quantity_tick_size)?,
            min_notional: f.quote_amount(self.min_notional.as_deref().unwrap_or("0"))?,
            maker_fee_rate: legacy_dec::from_human(&self.maker_fee_rate)?,
            taker_fee_rate: legacy_dec::from_human(&self.taker_fee_rate)?,
            initial_margin_ratio: None,
            active: self.market_status == "active",
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexerDerivativeMarketResponse {
    pub market: IndexerDerivativeMarket,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexerDerivativeMarket {
    #[serde(alias = "marketId")]
    pub market_id: String,
    #[serde(alias = "marketStatus")]
    pub market_status: String,
    pub ticker: String,
    #[serde(alias = "quoteDenom")]
    pub quote_denom: String,
    #[serde(alias = "quoteTokenMeta")]
    pub quote_token_meta: TokenMeta,
    #[serde(alias = "initialMarginRatio")]
    pub initial_margin_ratio: String,
    #[serde(alias = "makerFeeRate")]
    pub maker_fee_rate: String,
    #[serde(alias = "takerFeeRate")]
    pub taker_fee_rate: String,
    #[serde(alias = "minPriceTickSize")]
    pub min_price_tick_size: String,
    #[serde(alias = "minQuantityTickSize")]
    pub min_quantity_tick_size: String,
    #[serde(default, alias = "minNotional")]
    pub min_notional: Option<String>,
}

impl IndexerDerivativeMarket {
    pub fn to_meta(&self) -> Result<MarketMeta, DecError> {
        let f = ChainFormat::Derivative {
            quote_decimals: self.quote_token_meta.decimals,
        };
        Ok(MarketMeta {
            market_id: self.market_id.clone(),
            kind: MarketKind::Derivative,
            ticker: self.ticker.clone(),
            base_denom: None,
            quote_denom: self.quote_denom.clone(),
            base_decimals: None,
            quote_decimals: self.quote_token_meta.decimals,
            price_tick: f.price(&self.min_price_tick_size)?,
            quantity_tick: f.quantity(&self.min_quantity_tick_size)?,
            min_notional: f.quote_amount(self.min_notional.as_deref().unwrap_or("0"))?,
            maker_fee_rate: legacy_dec::from_human(&self.maker_fee_rate)?,
            taker_fee_rate: legacy_dec::from_human(&self.taker_fee_rate)?,
            initial_margin_ratio: Some(legacy_dec::from_human(&self.initial_margin_ratio)?),
            active: self.market_status == "active",
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexerTradesResponse<T> {
    #[serde(default = "Vec::new")]
    pub trades: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexerSpotTrade {
    #[serde(alias = "orderHash")]
    pub order_hash: String,
    #[serde(alias = "subaccountId")]
    pub subaccount_id: String,
    #[serde(alias = "marketId")]
    pub market_id: String,
    #[serde(alias = "tradeDirection")]
    pub trade_direction: String,
    pub price: IndexerPriceLevel,
    pub fee: String,
    #[serde(alias = "executedAt", deserialize_with = "int_or_str")]
    pub executed_at: i64,
    #[serde(alias = "tradeId")]
    pub trade_id: String,
    #[serde(alias = "executionSide")]
    pub execution_side: String,
    #[serde(default)]
    pub cid: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexerPriceLevel {
    pub price: String,
    pub quantity: String,
}

impl IndexerSpotTrade {
    pub fn to_trade(&self, format: ChainFormat) -> Result<Trade, DecError> {
        Ok(Trade {
            market_id: self.market_id.clone(),
            trade_id: self.trade_id.clone(),
            order_hash: self.order_hash.clone(),
            subaccount_id: self.subaccount_id.clone(),
            cid: self.cid.clone().filter(|c| !c.is_empty()),
            side: side_from(&self.trade_direction)?,
            price: format.price(&self.price.price)?,
            quantity: format.quantity(&self.price.quantity)?,
            fee: format.quote_amount(&self.fee)?,
            executed_at_ms: self.executed_at,
            maker: self.execution_side == "maker",
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexerDerivativeTrade {
    #[serde(alias = "orderHash")]
    pub order_hash: String,
    #[serde(alias = "subaccountId")]
    pub subaccount_id: String,
    #[serde(alias = "marketId")]
    pub market_id: String,
    #[serde(alias = "positionDelta")]
    pub position_delta: IndexerPositionDelta,
    pub fee: String,
    #[serde(alias = "executedAt", deserialize_with = "int_or_str")]
    pub executed_at: i64,
    #[serde(alias = "tradeId")]
    pub trade_id: String,
    #[serde(alias = "executionSide")]
    pub execution_side: String,
    #[serde(default)]
    pub cid: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexerPositionDelta {
    #[serde(alias = "tradeDirection")]
    pub trade_direction: String,
    #[serde(alias = "executionPrice")]
    pub execution_price: String,
    #[serde(alias = "executionQuantity")]
    pub execution_quantity: String,
}

impl IndexerDerivativeTrade {
    pub fn to_trade(&self, format: ChainFormat) -> Result<Trade, DecError> {
        Ok(Trade {
            market_id: self.market_id.clone(),
            trade_id: self.trade_id.clone(),
            order_hash: self.order_hash.clone(),
            subaccount_id: self.subaccount_id.clone(),
            cid: self.cid.clone().filter(|c| !c.is_empty()),
            side: side_from(&self.position_delta.trade_direction)?,
            price: format.price(&self.position_delta.execution_price)?,
            quantity: format.quantity(&self.position_delta.execution_quantity)?,
            fee: format.quote_amount(&self.fee)?,
            executed_at_ms: self.executed_at,
            maker: self.execution_side == "maker",
        })
    }
}
