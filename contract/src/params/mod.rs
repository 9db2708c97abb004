//! Bot parameters: typed, validated, with defaults for an empty `{}` (the dashboard's quick
//! start) and a JSON schema the dashboard renders as a form.
//!
//! The dashboard checks a start request with [`validate`] and draws forms from [`schema_for`];
//! the bot runs the very same check at start, before any order, so the form and the bot never
//! disagree.

pub(crate) mod grid;
pub(crate) mod market_maker;
pub(crate) mod risk;
mod schema_util;
pub(crate) mod twap;

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use grid::GridParams;
pub use market_maker::{MarketMakerParams, DEFAULT_ORDER_NOTIONAL};
pub use risk::{RiskParams, DEFAULT_MAX_POSITION_NOTIONAL};
pub use twap::TwapParams;

use crate::markets::{require_market, MarketParams};
use crate::BotType;

/// Every bot type this build can run, by wire name (the order of [`BotType::ALL`]).
pub fn bot_types() -> [&'static str; 3] {
    BotType::names()
}

/// Checks parameters exactly as the bot does at start. `Err` is one human line.
pub fn validate(bot_type: &str, market: &str, params: &Value) -> Result<(), String> {
    BotParams::parse(bot_type, market, params).map(drop)
}

/// The form of a bot type: a JSON-schema-like object whose `properties` carry `type`,
/// `minimum`, `maximum`, `default` and `description`.
pub fn schema_for(bot_type: BotType) -> Value {
    match bot_type {
        BotType::MarketMaker => market_maker::schema(),
        BotType::Grid => grid::schema(),
        BotType::Twap => twap::schema(),
    }
}

/// [`schema_for`] by wire name; `None` for an unknown bot type.
pub fn schema(bot_type: &str) -> Option<Value> {
    BotType::parse(bot_type).ok().map(schema_for)
}

/// Parsed, validated parameters of one bot.
#[derive(Debug, Clone, PartialEq)]
pub enum BotParams {
    MarketMaker(MarketMakerParams),
    Grid(GridParams),
    Twap(TwapParams),
}

impl BotParams {
    /// Parses and checks `params` of a bot type (wire name) on a market (name). `null` and
    /// `{}` mean every default. `Err` is one human line.
    pub fn parse(bot_type: &str, market: &str, params: &Value) -> Result<Self, String> {
        let m = require_market(market)?;
        let parsed = match BotType::parse(bot_type).map_err(|e| e.to_string())? {
            BotType::MarketMaker => Self::MarketMaker(from_json(bot_type, params)?),
            BotType::Grid => Self::Grid(from_json(bot_type, params)?),
            BotType::Twap => Self::Twap(from_json(bot_type, params)?),
        };
        parsed.check(&m).map_err(|e| format!("{bot_type}: {e}"))?;
        Ok(parsed)
    }

    fn check(&self, m: &MarketParams) -> Result<(), String> {
        match self {
            Self::MarketMaker(p) => p.check(m),
            Self::Grid(p) => p.check(m),
            Self::Twap(p) => p.check(m),
        }
    }

    pub fn risk(&self) -> &RiskParams {
        match self {
            Self::MarketMaker(p) => &p.risk,
            Self::Grid(p) => &p.risk,
            Self::Twap(p) => &p.risk,
        }
    }
}

/// `null` and `{}` both mean "all defaults"; serde's message is already one line, prefixed
/// with the field it is about (`spread_bps: invalid value ...`, `risk.max_open_orders: ...`).
fn from_json<T: DeserializeOwned>(bot_type: &str, params: &Value) -> Result<T, String> {
    let empty = Value::Object(serde_json::Map::new());
    let v = if params.is_null() { &empty } else { params };
    if !v.is_object() {
        return Err(format!("{bot_type}: params must be a JSON object"));
    }
    serde_path_to_error::deserialize(v).map_err(|e| {
        let field = e.path().to_string();
        match field.as_str() {
            // The object itself: an unknown field, named by serde's own message.
            "." => format!("{bot_type}: invalid params: {}", e.into_inner()),
            _ => format!("{bot_type}: invalid params: {field}: {}", e.into_inner()),
        }
    })
}

/// Checks one order size of a strategy against the market's rules at start: at least one
/// quantity tick, and worth at least the market's minimum notional at `price` (quote units per
/// base unit: the reference price, or the lowest price the strategy will quote). The venue
/// refuses anything smaller, so a bot started with it would only collect rejections.
fn check_size(field: &str, size: Decimal, price: Decimal, m: &MarketParams) -> Result<(), String> {
    ensure(size >= m.qty_tick, || {
        format!("{field} must be at least the quantity tick {}", m.qty_tick)
    })?;
    let notional = size * price;
    ensure(notional >= m.min_notional, || {
        format!(
            "{field} {size} is worth {} at price {price}, under the market's minimum order value {} {}",
            notional.round_dp(6).normalize(),
            m.min_notional,
            m.quote
        )
    })
}

/// `Err(msg)` unless `ok`: keeps the checks one line each.
fn ensure(ok: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(msg())
    }
}

#[cfg(test)]
mod boundary_tests;
#[cfg(test)]
mod tests;
