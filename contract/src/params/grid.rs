//! Grid parameters: buy low and sell one level higher, across a price range.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;
use serde_json::{json, Value};

use super::risk::{self, RiskParams};
use super::schema_util::{object, prop};
use super::{check_size, ensure};
use crate::markets::MarketParams;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GridParams {
    /// Bottom of the range; with `upper_price`, or neither (then `range_pct` around the first mid).
    pub lower_price: Option<Decimal>,
    pub upper_price: Option<Decimal>,
    /// Half-width of the range around the first mid, percent, when no prices are given.
    pub range_pct: Decimal,
    /// Price levels in the range, ends included.
    pub levels: u32,
    /// Base quantity per level; default: 20 quote units' worth at the first mid.
    pub size_per_level: Option<Decimal>,
    pub risk: RiskParams,
}

impl Default for GridParams {
    fn default() -> Self {
        Self {
            lower_price: None,
            upper_price: None,
            range_pct: dec!(1),
            levels: 10,
            size_per_level: None,
            risk: RiskParams::default(),
        }
    }
}

impl GridParams {
    /// The lowest level's price at start: `lower_price`, or `range_pct` below the reference
    /// price (the first mid is not known before the bot runs).
    pub fn lowest_price(&self, m: &MarketParams) -> Decimal {
        self.lower_price.unwrap_or_else(|| {
            m.reference_price * (Decimal::ONE_HUNDRED - self.range_pct) / Decimal::ONE_HUNDRED
        })
    }

    pub fn check(&self, m: &MarketParams) -> Result<(), String> {
        match (self.lower_price, self.upper_price) {
            (None, None) => {}
            (Some(lo), Some(hi)) => {
                ensure(lo > Decimal::ZERO, || "lower_price must be > 0".into())?;
                ensure(lo < hi, || {
                    format!("price range inverted: lower_price {lo} must be below upper_price {hi}")
                })?;
            }
            _ => return Err("give both lower_price and upper_price, or neither".into()),
        }
        ensure(
            self.range_pct > Decimal::ZERO && self.range_pct <= dec!(50),
            || "range_pct must be in (0, 50]".into(),
        )?;
        ensure((2..=100).contains(&self.levels), || {
            format!("levels must be between 2 and 100, got {}", self.levels)
        })?;
        if let Some(size) = self.size_per_level {
            check_size("size_per_level", size, self.lowest_price(m), m)?;
        }
        self.risk.check()
    }
}

pub fn schema() -> Value {
    object(
        "Grid",
        "Rests buys below and sells above the price on a grid; a filled buy becomes a sell one level up and vice versa.",
        vec![
            ("lower_price", prop("number", Value::Null, Some(0.0), None, "Bottom of the range (default: range_pct below the first mid)")),
            ("upper_price", prop("number", Value::Null, Some(0.0), None, "Top of the range (default: range_pct above the first mid)")),
            ("range_pct", prop("number", json!(1), Some(0.0), Some(50.0), "Half-width of the default range, percent of mid")),
            ("levels", prop("integer", json!(10), Some(2.0), Some(100.0), "Price levels, ends included")),
            ("size_per_level", prop("number", Value::Null, Some(0.0), None, "Base quantity per level (default: 20 USDT worth)")),
            ("risk", risk::schema()),
        ],
    )
}
