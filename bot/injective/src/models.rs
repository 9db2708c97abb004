//! Models of the chain LCD (exchange v2, human LegacyDec) and indexer (legacy chain format)
//! responses, each converted into one set of human-valued domain types. The two sources never
//! share a raw type, so one cannot be read with the other's units.
//!
//! Field names are accepted in both snake_case (LCD, Go) and camelCase (gRPC-gateway, Python).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::legacy_dec::{self, ChainFormat, DecError};
use crate::msgs::{MarketKind, MarketMeta, Side};

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

// ---------------------------------------------------------------- chain LCD, exchange v2

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

// ---------------------------------------------------------------- indexer (chain format)

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

// ---------------------------------------------------------------- cosmos LCD (auth, tx)

#[derive(Debug, Clone, Deserialize)]
pub struct AccountResponse {
    pub account: serde_json::Value,
}

impl AccountResponse {
    /// (account number, sequence) of an EthAccount (`base_account` nested) or a BaseAccount.
    pub fn numbers(&self) -> Option<(u64, u64)> {
        let base = self.account.get("base_account").unwrap_or(&self.account);
        let num = |k: &str| -> Option<u64> {
            match base.get(k)? {
                serde_json::Value::String(s) => s.parse().ok(),
                serde_json::Value::Number(n) => n.as_u64(),
                _ => None,
            }
        };
        // proto3 JSON omits zero values.
        Some((
            num("account_number").unwrap_or(0),
            num("sequence").unwrap_or(0),
        ))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TxResponseEnvelope {
    pub tx_response: TxResponse,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TxResponse {
    #[serde(default)]
    pub txhash: String,
    #[serde(default, deserialize_with = "int_or_str_default")]
    pub height: i64,
    #[serde(default)]
    pub code: u32,
    #[serde(default)]
    pub codespace: String,
    #[serde(default)]
    pub raw_log: String,
    /// Hex TxMsgData.
    #[serde(default)]
    pub data: String,
    #[serde(default, deserialize_with = "int_or_str_default")]
    pub gas_wanted: i64,
    #[serde(default, deserialize_with = "int_or_str_default")]
    pub gas_used: i64,
}

fn int_or_str_default<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    int_or_str(d)
}

#[derive(Debug, Clone, Deserialize)]
pub struct SimulateResponse {
    pub gas_info: GasInfo,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GasInfo {
    #[serde(deserialize_with = "int_or_str")]
    pub gas_used: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LatestBlockResponse {
    pub block: Block,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Block {
    pub header: BlockHeader,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BlockHeader {
    #[serde(deserialize_with = "int_or_str")]
    pub height: i64,
}

/// A gRPC-gateway error body (`{"code":..,"message":..,"details":[..]}`), as failed broadcasts
/// and simulations return (HTTP 500). `code` is the gRPC status, not the ABCI code: that one is
/// in a `google.rpc.ErrorInfo` detail's metadata (`ABCICode`, `Codespace`).
#[derive(Debug, Clone, Deserialize)]
pub struct GatewayError {
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub details: Vec<GatewayDetail>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GatewayDetail {
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

impl GatewayError {
    /// `(codespace, ABCI code)` from the first ErrorInfo detail that carries them.
    pub fn abci(&self) -> Option<(String, u32)> {
        self.details.iter().find_map(|d| {
            let code = d.metadata.get("ABCICode")?.parse().ok()?;
            Some((d.metadata.get("Codespace")?.clone(), code))
        })
    }
}
