//! TWAP executor parameters: work one order into equal slices over a duration.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

use super::risk::{self, RiskParams};
use super::schema_util::{object, prop};
use super::{check_size, ensure};
use crate::markets::MarketParams;
use crate::money::Side;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TwapParams {
    pub side: Side,
    /// Base quantity to execute; default: 100 quote units' worth at the first mid.
    pub total_quantity: Option<Decimal>,
    pub duration_secs: u64,
    pub slices: u32,
    /// Worst price accepted (buy: at most, sell: at least); none = follow the market.
    pub limit_price: Option<Decimal>,
    pub risk: RiskParams,
}

impl Default for TwapParams {
    fn default() -> Self {
        Self {
            side: Side::Buy,
            total_quantity: None,
            duration_secs: 300,
            slices: 10,
            limit_price: None,
            risk: RiskParams::default(),
        }
    }
}

impl TwapParams {
    pub fn check(&self, m: &MarketParams) -> Result<(), String> {
        ensure((1..=604_800).contains(&self.duration_secs), || {
            "duration_secs must be between 1 and 604800".into()
        })?;
        ensure((1..=10_000).contains(&self.slices), || {
            format!("slices must be between 1 and 10000, got {}", self.slices)
        })?;
        if let Some(q) = self.total_quantity {
            // Each slice is an order: it, not the total, must pass the venue's rules.
            let slice = q / Decimal::from(self.slices);
            check_size("each slice of total_quantity", slice, m.reference_price, m)?;
        }
        ensure(self.limit_price.is_none_or(|p| p > Decimal::ZERO), || {
            "limit_price must be > 0".into()
        })?;
        self.risk.check()
    }
}

pub fn schema() -> Value {
    let mut side = prop("string", json!("buy"), None, None, "Buy or sell");
    side["enum"] = json!(["buy", "sell"]);
    object(
        "TWAP executor",
        "Executes a total quantity in equal slices over a duration, crossing the spread up to a limit price.",
        vec![
            ("side", side),
            ("total_quantity", prop("number", Value::Null, Some(0.0), None, "Base quantity to execute (default: 100 USDT worth)")),
            ("duration_secs", prop("integer", json!(300), Some(1.0), Some(604800.0), "Time to spread the execution over")),
            ("slices", prop("integer", json!(10), Some(1.0), Some(10000.0), "Number of child orders")),
            ("limit_price", prop("number", Value::Null, Some(0.0), None, "Worst acceptable price (empty: none)")),
            ("risk", risk::schema()),
        ],
    )
}
