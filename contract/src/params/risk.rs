//! Risk limits, shared by every bot type (the `risk` object of the params).

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;
use serde_json::{json, Value};

use super::ensure;
use super::schema_util::{object, prop};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskParams {
    /// Largest absolute position in base units; default: 1000 quote units' worth at start.
    pub max_position: Option<Decimal>,
    pub max_order_notional: Decimal,
    pub max_open_orders: u32,
    pub max_daily_loss: Decimal,
    pub max_orders_per_min: u32,
    pub stale_data_secs: u64,
    pub price_band_bps: Decimal,
    /// Halt when this many orders in a row are refused for the same reason (a stuck bot).
    pub max_repeated_rejections: u32,
}

impl Default for RiskParams {
    fn default() -> Self {
        Self {
            max_position: None,
            max_order_notional: dec!(500),
            max_open_orders: 50,
            max_daily_loss: dec!(200),
            max_orders_per_min: 600,
            stale_data_secs: 10,
            price_band_bps: dec!(500),
            max_repeated_rejections: 20,
        }
    }
}

/// Quote units' worth of base used for the default position limit.
pub const DEFAULT_MAX_POSITION_NOTIONAL: Decimal = dec!(1000);

impl RiskParams {
    pub fn check(&self) -> Result<(), String> {
        let pos = |d: Decimal| d > Decimal::ZERO;
        ensure(self.max_position.is_none_or(pos), || {
            "risk.max_position must be > 0".into()
        })?;
        ensure(pos(self.max_order_notional), || {
            "risk.max_order_notional must be > 0".into()
        })?;
        ensure((1..=1000).contains(&self.max_open_orders), || {
            "risk.max_open_orders must be between 1 and 1000".into()
        })?;
        ensure(pos(self.max_daily_loss), || {
            "risk.max_daily_loss must be > 0".into()
        })?;
        ensure((1..=60_000).contains(&self.max_orders_per_min), || {
            "risk.max_orders_per_min must be between 1 and 60000".into()
        })?;
        ensure((1..=3600).contains(&self.stale_data_secs), || {
            "risk.stale_data_secs must be between 1 and 3600".into()
        })?;
        ensure(
            pos(self.price_band_bps) && self.price_band_bps <= dec!(5000),
            || "risk.price_band_bps must be in (0, 5000]".into(),
        )?;
        ensure((1..=10_000).contains(&self.max_repeated_rejections), || {
            "risk.max_repeated_rejections must be between 1 and 10000".into()
        })
    }
}

pub fn schema() -> Value {
    object(
        "Risk limits",
        "A breach halts the bot: it cancels every order, stops quoting and reports why.",
        vec![
            ("max_position", prop("number", Value::Null, Some(0.0), None, "Largest absolute position, base units (default: 1000 USDT worth at start)")),
            ("max_order_notional", prop("number", json!(500), Some(0.0), None, "Largest order value, quote units")),
            ("max_open_orders", prop("integer", json!(50), Some(1.0), Some(1000.0), "Most orders open at once")),
            ("max_daily_loss", prop("number", json!(200), Some(0.0), None, "Halt when the day's PnL (realized + unrealized) falls below minus this, quote units")),
            ("max_orders_per_min", prop("integer", json!(600), Some(1.0), Some(60000.0), "Order rate limit")),
            ("stale_data_secs", prop("integer", json!(10), Some(1.0), Some(3600.0), "Halt when market data is older than this")),
            ("price_band_bps", prop("number", json!(500), Some(0.0), Some(5000.0), "Refuse orders further than this from mid, basis points")),
            ("max_repeated_rejections", prop("integer", json!(20), Some(1.0), Some(10000.0), "Halt and exit when this many orders in a row are refused for the same reason")),
        ],
    )
}
