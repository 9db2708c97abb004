//! Market maker parameters (spot and perpetual).

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
pub struct MarketMakerParams {
    /// Full distance between the innermost bid and ask, basis points of mid.
    pub spread_bps: Decimal,
    /// Orders per side.
    pub levels: u32,
    /// Extra distance between consecutive levels, basis points of mid.
    pub level_spacing_bps: Decimal,
    /// Base quantity per order; default: [`DEFAULT_ORDER_NOTIONAL`] worth at the first mid.
    pub order_size: Option<Decimal>,
    /// How far quotes shift against the inventory at the full position limit, basis points.
    pub inventory_skew_bps: Decimal,
    /// Quotes are replaced only when mid moved more than this since they were placed.
    pub refresh_tolerance_bps: Decimal,
    pub risk: RiskParams,
}

/// Quote units per order when `order_size` is not given (20 USDT: well above the 1 USDT minimum).
pub const DEFAULT_ORDER_NOTIONAL: Decimal = dec!(20);

impl Default for MarketMakerParams {
    fn default() -> Self {
        Self {
            spread_bps: dec!(20),
            levels: 2,
            level_spacing_bps: dec!(10),
            order_size: None,
            inventory_skew_bps: dec!(10),
            refresh_tolerance_bps: dec!(5),
            risk: RiskParams::default(),
        }
    }
}

impl MarketMakerParams {
    pub fn check(&self, m: &MarketParams) -> Result<(), String> {
        ensure(
            self.spread_bps > Decimal::ZERO && self.spread_bps <= dec!(5000),
            || format!("spread_bps must be in (0, 5000], got {}", self.spread_bps),
        )?;
        ensure((1..=20).contains(&self.levels), || {
            format!("levels must be between 1 and 20, got {}", self.levels)
        })?;
        let bps = |d: Decimal| d >= Decimal::ZERO && d <= dec!(1000);
        ensure(bps(self.level_spacing_bps), || {
            "level_spacing_bps must be in [0, 1000]".into()
        })?;
        ensure(bps(self.inventory_skew_bps), || {
            "inventory_skew_bps must be in [0, 1000]".into()
        })?;
        ensure(bps(self.refresh_tolerance_bps), || {
            "refresh_tolerance_bps must be in [0, 1000]".into()
        })?;
        if let Some(size) = self.order_size {
            check_size("order_size", size, m.reference_price, m)?;
        }
        self.risk.check()
    }
}

/// The form schema (JSON Schema subset: type, default, minimum, maximum, description per
/// field) of the market maker's parameters, risk limits included.
pub fn schema() -> Value {
    let mut properties = quoting_props();
    properties.extend(sizing_props());
    properties.push(("risk", risk::schema()));
    object(
        "Market maker",
        "Quotes both sides around mid; skews against its inventory; spot and perpetual markets.",
        properties,
    )
}

/// Where the quotes sit: spread, levels per side and their spacing.
fn quoting_props() -> Vec<(&'static str, Value)> {
    vec![
        (
            "spread_bps",
            prop(
                "number",
                json!(20),
                Some(0.0),
                Some(5000.0),
                "Distance between best bid and best ask quotes, basis points of mid",
            ),
        ),
        (
            "levels",
            prop(
                "integer",
                json!(2),
                Some(1.0),
                Some(20.0),
                "Orders per side",
            ),
        ),
        (
            "level_spacing_bps",
            prop(
                "number",
                json!(10),
                Some(0.0),
                Some(1000.0),
                "Extra distance between levels, basis points",
            ),
        ),
    ]
}

/// How much is quoted and when it moves: order size, inventory skew, requote tolerance.
fn sizing_props() -> Vec<(&'static str, Value)> {
    vec![
        (
            "order_size",
            prop(
                "number",
                Value::Null,
                Some(0.0),
                None,
                "Base quantity per order (default: 20 USDT worth)",
            ),
        ),
        (
            "inventory_skew_bps",
            prop(
                "number",
                json!(10),
                Some(0.0),
                Some(1000.0),
                "Quote shift against inventory at the position limit, basis points",
            ),
        ),
        (
            "refresh_tolerance_bps",
            prop(
                "number",
                json!(5),
                Some(0.0),
                Some(1000.0),
                "Requote only when mid moved more than this, basis points",
            ),
        ),
    ]
}
