//! The market catalogue of each Injective network: which markets the chain lists (spot and
//! perpetual, exchange v2 LCD), under our names (`INJ/USDT`, `INJ/USDT-PERP`), with the chain's
//! rules for an order (price and quantity ticks, minimum notional, decimals, status), and the
//! checks a live start runs against them before anything is issued.
//!
//! - [`catalogue`]: the cache (markets refreshed after [`catalogue::MARKETS_TTL`], a failed
//!   refresh keeps the last good copy and says how old it is; mid prices cached briefly).
//! - [`lcd`]: the one reader of the chain, behind [`ChainReader`] (a fake in unit tests).
//! - [`check`]: the order-size rules (min notional at the mid, quantity tick).

pub mod catalogue;
pub mod check;
pub mod lcd;

use rust_decimal::Decimal;
use serde::Serialize;

pub use catalogue::{Catalogue, Snapshot};
pub use lcd::{ChainError, ChainReader, GrantOnChain, LcdReader, WalletOnChain};

use crate::domain::MarketId;

/// Spot or perpetual: the chain serves them under different LCD paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Spot,
    Perpetual,
}

/// One market as the chain lists it, in human units (quote per base for prices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Market {
    /// Our name: `INJ/USDT`, `INJ/USDT-PERP`.
    pub market: MarketId,
    /// The chain's ticker as listed (`INJ/USDT`, `INJ/USDT PERP`).
    pub ticker: String,
    /// `0x` + 64 hex digits.
    pub market_id: String,
    pub kind: Kind,
    /// Spot base denom (`inj`, `ibc/...`); `None` for a perpetual.
    pub base_denom: Option<String>,
    pub quote_denom: String,
    pub price_tick: Decimal,
    pub quantity_tick: Decimal,
    /// Smallest order value, in quote units (price x quantity).
    pub min_notional: Decimal,
    /// Spot base token decimals; `None` for a perpetual (quantities are human units).
    pub base_decimals: Option<u32>,
    pub quote_decimals: u32,
    /// Status `Active` on chain (paused, demolished and expired markets are listed but refused).
    pub active: bool,
}

impl Market {
    /// The quote symbol of our name (`USDT` of `INJ/USDT-PERP`), for messages.
    pub fn quote(&self) -> &str {
        let name = self.market.as_str();
        let body = name.strip_suffix("-PERP").unwrap_or(name);
        body.split_once('/').map_or("", |(_, q)| q)
    }
}

/// Our name of a chain ticker: `INJ/USDT` (spot) stays, a perpetual's `INJ/USDT PERP` (or
/// `INJ/USDT-PERP`) becomes `INJ/USDT-PERP`. Case is folded to upper. `None` for a ticker that
/// is no `BASE/QUOTE` pair of our id rules (dated futures, odd symbols): such markets are not
/// offered.
pub fn name_of_ticker(ticker: &str, kind: Kind) -> Option<MarketId> {
    let upper = ticker.trim().to_ascii_uppercase();
    let name = match kind {
        Kind::Spot => upper,
        Kind::Perpetual => {
            let body = upper
                .strip_suffix(" PERP")
                .or_else(|| upper.strip_suffix("-PERP"))
                .unwrap_or(&upper);
            format!("{}-PERP", body.trim())
        }
    };
    let id = MarketId::parse(&name).ok()?;
    // A spot ticker ending in -PERP would pose as a perpetual.
    (kind == Kind::Perpetual || !name.ends_with("-PERP")).then_some(id)
}

#[cfg(test)]
mod tests;
