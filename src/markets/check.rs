//! The chain's rules for an order size, checked at start against the live market (the
//! contract's [`tradebot_contract::params`] checks the same rules against its static table;
//! this re-checks with what the chain says now). Source of the rules: injective-core's exchange
//! module refuses an order whose quantity is not a multiple of the market's min quantity tick or
//! whose notional (price x quantity) is below the market's min notional.

use rust_decimal::Decimal;
use tradebot_contract::params::BotParams;

use super::Market;

/// One order size a strategy will use: which parameter sets it (for messages) and the size in
/// base units (human).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSize {
    /// `order_size`, `size_per_level`, `each slice of total_quantity`.
    pub field: String,
    pub size: Decimal,
    /// Whether the size itself is sent as an order quantity (and so must be on the tick);
    /// a TWAP's total is checked on the tick, each slice only for its value.
    pub on_tick: bool,
}

/// The sizes a bot's parameters set explicitly; empty when the bot sizes its orders itself
/// (the defaults are a fixed quote value at the first mid, well above any minimum).
pub fn order_sizes(params: &BotParams) -> Vec<OrderSize> {
    let one = |field: &str, size: Option<Decimal>| {
        size.map(|size| OrderSize {
            field: field.to_owned(),
            size,
            on_tick: true,
        })
    };
    match params {
        BotParams::MarketMaker(p) => one("order_size", p.order_size).into_iter().collect(),
        BotParams::Grid(p) => one("size_per_level", p.size_per_level)
            .into_iter()
            .collect(),
        BotParams::Twap(p) => match p.total_quantity {
            None => Vec::new(),
            Some(total) => vec![
                OrderSize {
                    field: "total_quantity".into(),
                    size: total,
                    on_tick: true,
                },
                OrderSize {
                    field: "each slice of total_quantity".into(),
                    size: total / Decimal::from(p.slices.max(1)),
                    on_tick: false,
                },
            ],
        },
    }
}

/// What `size` is worth at `mid`, in quote units (rounded to 6 places for display).
pub fn worth(size: Decimal, mid: Decimal) -> Decimal {
    (size * mid).round_dp(6).normalize()
}

/// Checks one size against `market` at its `mid` (None: the book is empty). `Err` is one line
/// naming the parameter, the value, the market's rule and, for the minimum notional, its value
/// in words, e.g. "order_size 0.04 is worth 0.8 USDT at the mid price 20 of INJ/USDT, under
/// the market's minimum notional of 1 USDT".
pub fn check_size(market: &Market, s: &OrderSize, mid: Option<Decimal>) -> Result<(), String> {
    let name = market.market.as_str();
    let tick = market.quantity_tick;
    if s.on_tick && tick > Decimal::ZERO && !(s.size % tick).is_zero() {
        return Err(format!(
            "{} {} is off the quantity tick {} of {name}: use a multiple of {}",
            s.field,
            s.size.normalize(),
            tick.normalize(),
            tick.normalize()
        ));
    }
    if s.size < tick || s.size <= Decimal::ZERO {
        return Err(format!(
            "{} {} is below the quantity tick {} of {name}",
            s.field,
            s.size.normalize(),
            tick.normalize()
        ));
    }
    let quote = market.quote();
    let min = market.min_notional.normalize();
    let Some(mid) = mid else {
        return Err(format!(
            "{name} has no orders on the chain's book: no mid price to value {} against the minimum notional of {min} {quote}",
            s.field
        ));
    };
    let value = s.size * mid;
    if value < market.min_notional {
        return Err(format!(
            "{} {} is worth {} {quote} at the mid price {} of {name}, under the market's minimum notional of {min} {quote}",
            s.field,
            s.size.normalize(),
            worth(s.size, mid),
            mid.normalize()
        ));
    }
    Ok(())
}

/// Every explicit size of `params` checked, the first refusal returned.
pub fn check_params(
    market: &Market,
    params: &BotParams,
    mid: Option<Decimal>,
) -> Result<(), String> {
    order_sizes(params)
        .iter()
        .try_for_each(|s| check_size(market, s, mid))
}

/// Whether `price` is a multiple of the market's price tick.
pub fn on_price_tick(market: &Market, price: Decimal) -> bool {
    market.price_tick <= Decimal::ZERO || (price % market.price_tick).is_zero()
}

/// The expiry of the grant that lets `grantee` batch-update orders on `market_id`, from the
/// granter's grants as the chain lists them now. `now` is the current time (the chain prunes
/// expired grants lazily: one past its expiry may still be listed). `Ok(None)`: no expiry.
///
/// Errors, one line each: no batch-update grant to the grantee; one that does not cover the
/// market; one that has expired.
pub fn check_grant(
    grants: &[super::GrantOnChain],
    grantee: &str,
    market_id: &str,
    now: time::OffsetDateTime,
) -> Result<Option<String>, String> {
    let batch: Vec<_> = grants
        .iter()
        .filter(|g| g.grantee == grantee && g.type_url == super::lcd::BATCH_AUTHZ_TYPE)
        .collect();
    if batch.is_empty() {
        return Err(format!(
            "the chain holds no trade grant for bot key {grantee}: grant it with `tradebot keys grant`"
        ));
    }
    let Some(g) = batch
        .iter()
        .find(|g| g.markets.iter().any(|m| m == market_id))
    else {
        return Err(format!(
            "the chain's trade grant for bot key {grantee} does not cover market {market_id}"
        ));
    };
    let Some(exp) = g.expiration.as_deref() else {
        return Ok(None);
    };
    let at = time::OffsetDateTime::parse(exp, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            format!(
                "the chain's trade grant for bot key {grantee} has an unreadable expiry {exp:?}"
            )
        })?;
    if at <= now {
        return Err(format!(
            "the trade grant for bot key {grantee} expired at {exp}: renew it with `tradebot keys grant`"
        ));
    }
    Ok(Some(exp.to_owned()))
}
