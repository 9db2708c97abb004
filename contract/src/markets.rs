//! The markets a bot may trade and their parameters (ticks, minimum notional, decimals).
//!
//! Values are Injective mainnet's, from /work/shared/fixtures/injective/vectors.json
//! (`market_snapshots_2024_11`, taken from InjectiveLabs/sdk-python denoms_mainnet.ini, Nov 2024),
//! in human units. The paper exchange enforces them so a strategy that works on paper does not
//! fail on the chain's tick rules; a real adapter must re-read them live at start-up.
//! Fees, leverage and the reference price are paper-exchange defaults, not chain facts.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarketKind {
    Spot,
    Perpetual,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketParams {
    /// "INJ/USDT", "TIA/USDT-PERP", ...
    pub name: &'static str,
    pub base: &'static str,
    pub quote: &'static str,
    pub kind: MarketKind,
    pub price_tick: Decimal,
    pub qty_tick: Decimal,
    pub min_notional: Decimal,
    /// Token decimals on chain (spot base; quote). Perpetual quantities are human units.
    pub base_decimals: u32,
    pub quote_decimals: u32,
    /// Where the paper market starts (roughly the late-2024 price).
    pub reference_price: Decimal,
    /// Highest leverage the paper exchange allows on a perpetual (initial margin = 1/leverage).
    pub max_leverage: Decimal,
}

impl MarketParams {
    pub fn is_perpetual(&self) -> bool {
        self.kind == MarketKind::Perpetual
    }
}

/// Names of every known market, for messages and forms.
pub const MARKET_NAMES: &[&str] = &["INJ/USDT", "TIA/USDT", "INJ/USDT-PERP", "TIA/USDT-PERP"];

/// Parameters of a market by name; `None` for an unknown market.
pub fn market(name: &str) -> Option<MarketParams> {
    let spot = |name, base, qty_tick, base_decimals, reference_price| MarketParams {
        name,
        base,
        quote: "USDT",
        kind: MarketKind::Spot,
        price_tick: dec!(0.001),
        qty_tick,
        min_notional: dec!(1),
        base_decimals,
        quote_decimals: 6,
        reference_price,
        max_leverage: dec!(1),
    };
    let perp = |name, base, qty_tick, reference_price| MarketParams {
        kind: MarketKind::Perpetual,
        max_leverage: dec!(10),
        base_decimals: 0,
        ..spot(name, base, qty_tick, 0, reference_price)
    };
    Some(match name {
        "INJ/USDT" => spot("INJ/USDT", "INJ", dec!(0.001), 18, dec!(20)),
        "TIA/USDT" => spot("TIA/USDT", "TIA", dec!(0.1), 6, dec!(5)),
        "INJ/USDT-PERP" => perp("INJ/USDT-PERP", "INJ", dec!(0.001), dec!(20)),
        "TIA/USDT-PERP" => perp("TIA/USDT-PERP", "TIA", dec!(0.1), dec!(5)),
        _ => return None,
    })
}

/// Like [`market`], with the one-line refusal used at start-up.
pub fn require_market(name: &str) -> Result<MarketParams, String> {
    market(name).ok_or_else(|| format!("unknown market {name:?} ({})", MARKET_NAMES.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_market_resolves() {
        for name in MARKET_NAMES {
            let m = market(name).unwrap();
            assert_eq!(m.name, *name);
            assert_eq!(m.is_perpetual(), name.ends_with("-PERP"));
        }
        assert!(require_market("BTC/USDT")
            .unwrap_err()
            .contains("unknown market"));
    }
}
