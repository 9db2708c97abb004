//! The chain's market metadata mapped onto the bot's [`MarketParams`]. The bot's static table
//! names the market (and keeps its paper-only fields); ticks, minimum notional and decimals
//! always come from the chain at start-up, so a changed tick never costs a rejected batch.

use rust_decimal::Decimal;
use tradebot_injective::msgs::{MarketKind as ChainKind, MarketMeta};

use crate::markets::{MarketKind, MarketParams};

/// Overrides `named`'s chain facts with `meta`'s; refuses a market id that is not the named
/// market (a typo in the id must not make an INJ strategy quote another asset).
pub fn map_market(named: &MarketParams, meta: &MarketMeta) -> Result<MarketParams, String> {
    let kind = match meta.kind {
        ChainKind::Spot => MarketKind::Spot,
        ChainKind::Derivative => MarketKind::Perpetual,
    };
    if kind != named.kind {
        return Err(format!(
            "market {} is {:?} but injective.market_id is a {:?} market",
            named.name, named.kind, meta.kind
        ));
    }
    // The chain spells perpetuals "INJ/USDT PERP"; the bot "INJ/USDT-PERP".
    let ticker = meta.ticker.replace(' ', "-");
    if !ticker.eq_ignore_ascii_case(named.name) {
        return Err(format!(
            "injective.market_id is {:?} on chain, not {}",
            meta.ticker, named.name
        ));
    }
    if !meta.active {
        return Err(format!("market {} is not active on chain", named.name));
    }
    if meta.price_tick <= Decimal::ZERO || meta.quantity_tick <= Decimal::ZERO {
        return Err(format!(
            "market {} has no positive ticks on chain",
            named.name
        ));
    }
    // Never allow more leverage than the chain's initial margin ratio permits.
    let max_leverage = match meta.initial_margin_ratio {
        Some(imr) if imr > Decimal::ZERO => named.max_leverage.min(Decimal::ONE / imr),
        _ => named.max_leverage,
    };
    Ok(MarketParams {
        price_tick: meta.price_tick.normalize(),
        qty_tick: meta.quantity_tick.normalize(),
        min_notional: meta.min_notional,
        base_decimals: meta.base_decimals.unwrap_or(0),
        quote_decimals: meta.quote_decimals,
        max_leverage,
        ..named.clone()
    })
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::markets::market;

    fn meta() -> MarketMeta {
        MarketMeta {
            market_id: "0x01".into(),
            kind: ChainKind::Spot,
            ticker: "INJ/USDT".into(),
            base_denom: Some("inj".into()),
            quote_denom: "peggy0x".into(),
            base_decimals: Some(18),
            quote_decimals: 6,
            price_tick: dec!(0.0001),
            quantity_tick: dec!(0.01),
            min_notional: dec!(2),
            maker_fee_rate: dec!(-0.0001),
            taker_fee_rate: dec!(0.0005),
            initial_margin_ratio: None,
            active: true,
        }
    }

    #[test]
    fn chain_values_win_and_mismatches_are_refused() {
        let named = market("INJ/USDT").unwrap();
        let m = map_market(&named, &meta()).unwrap();
        assert_eq!(
            (m.price_tick, m.qty_tick, m.min_notional),
            (dec!(0.0001), dec!(0.01), dec!(2))
        );
        assert_eq!(
            (m.base_decimals, m.quote_decimals, m.name),
            (18, 6, "INJ/USDT")
        );
        let tia = map_market(&market("TIA/USDT").unwrap(), &meta()).unwrap_err();
        assert!(tia.contains("not TIA/USDT"), "{tia}");
        let perp = map_market(&market("INJ/USDT-PERP").unwrap(), &meta()).unwrap_err();
        assert!(perp.contains("Spot market"), "{perp}");
        let halted = MarketMeta {
            active: false,
            ..meta()
        };
        assert!(map_market(&named, &halted)
            .unwrap_err()
            .contains("not active"));
        let d = MarketMeta {
            kind: ChainKind::Derivative,
            ticker: "INJ/USDT PERP".into(),
            initial_margin_ratio: Some(dec!(0.2)),
            ..meta()
        };
        let p = map_market(&market("INJ/USDT-PERP").unwrap(), &d).unwrap();
        assert_eq!(p.max_leverage, dec!(5));
    }
}
