//! The one trait every venue sits behind (paper, injective). The engine only ever talks to an
//! [`Exchange`]; orders reach it only as [`OrderRequest`]s, already quantized and checked.
//!
//! Market data and our own fills come through one ordered stream ([`Exchange::next_event`]),
//! so a fill is never processed before the book update that caused it.

pub mod injective;
pub mod scripted;

use std::fmt;

use rust_decimal::Decimal;

use crate::domain::{OrderRequest, Side};
use crate::markets::MarketParams;

/// An order id assigned by the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderId(pub u64);

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One of the bot's resting orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub side: Side,
    pub price: Decimal,
    /// Quantity still open.
    pub remaining: Decimal,
}

/// Top of book: the only depth the strategies need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookTop {
    pub bid: Decimal,
    pub ask: Decimal,
}

impl BookTop {
    pub fn mid(&self) -> Decimal {
        // Multiplying by one half is several times cheaper than dividing by two (hot path).
        (self.bid + self.ask) * rust_decimal_macros::dec!(0.5)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liquidity {
    Maker,
    Taker,
}

impl Liquidity {
    pub fn as_str(self) -> &'static str {
        match self {
            Liquidity::Maker => "maker",
            Liquidity::Taker => "taker",
        }
    }
}

/// A (partial) execution of one of our orders. `fee` is in quote units, negative for a rebate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub order_id: OrderId,
    pub side: Side,
    pub price: Decimal,
    pub qty: Decimal,
    pub fee: Decimal,
    pub liquidity: Liquidity,
    /// True when the order has no quantity left.
    pub done: bool,
}

/// What the venue tells the bot, in order. `ts_ms` is venue time (simulated time in backtests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarketEvent {
    Book {
        ts_ms: u64,
        top: BookTop,
    },
    Trade {
        ts_ms: u64,
        price: Decimal,
        qty: Decimal,
    },
    Fill {
        ts_ms: u64,
        fill: Fill,
    },
    /// The data source has no more events (end of a replay or of a backtest).
    End,
}

/// The answer to one order of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// Resting (or partly filled: its fills follow on the event stream).
    Accepted(OrderId),
    Rejected(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balances {
    pub base: Decimal,
    pub quote: Decimal,
}

/// One asset of an account the venue keeps itself: `total` and `available` (what a new
/// order may still use) in the asset's units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetBalance {
    /// The token symbol (`INJ`, `USDT`).
    pub asset: &'static str,
    pub total: Decimal,
    pub available: Decimal,
}

/// A perpetual position; spot inventory is reported as the base balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Signed: positive long, negative short.
    pub qty: Decimal,
    pub entry_price: Decimal,
    pub margin: Decimal,
}

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("venue unavailable: {0}")]
    Unavailable(String),
    #[error("venue refused the request: {0}")]
    Refused(String),
    #[error("market data source failed: {0}")]
    Data(String),
    /// The venue refused because the bot's permission to trade is gone (a delegated key's
    /// authz grant or fee allowance revoked, expired or spent). Retrying cannot help: the
    /// bot stops with [`crate::run::EXIT_PERMISSION_GONE`] until an operator renews it.
    #[error("{0}")]
    PermissionGone(String),
}

/// A trading venue for one market and one subaccount.
// `async fn` here is deliberate: the bot runs on a current-thread runtime, so the futures need
// no `Send` bound, and the engine is generic over the venue (no `dyn`).
#[allow(async_fn_in_trait)]
pub trait Exchange {
    /// Ticks, decimals and minimum notional of the bot's market.
    fn market(&self) -> &MarketParams;

    /// The venue's id of the execution behind the fill `next_event` returned last, when the
    /// venue gives one (reported in the `fill` event line).
    fn last_trade_id(&self) -> Option<&str> {
        None
    }

    /// The account the venue keeps itself, for status events, without asking anyone: the paper
    /// venue's, as of the fills `next_event` has returned (spot: base then quote; perpetual:
    /// the quote collateral). `None` (the default) for a venue whose balances live elsewhere:
    /// a chain's are read from the chain (the dashboard's wallets page).
    fn kept_balances(&self) -> Option<Vec<AssetBalance>> {
        None
    }

    /// The next book update, trade print or fill of ours.
    async fn next_event(&mut self) -> Result<MarketEvent, ExchangeError>;

    /// Places a batch; one answer per order, in order.
    async fn place(&mut self, orders: &[OrderRequest]) -> Result<Vec<Placed>, ExchangeError>;

    /// Cancels a batch; returns the ids that were open and are now cancelled.
    async fn cancel(&mut self, ids: &[OrderId]) -> Result<Vec<OrderId>, ExchangeError>;

    /// Cancels every open order of the bot's subaccount on its market (also ones this process
    /// did not place: a crashed predecessor's orphans). Returns the cancelled ids.
    async fn cancel_all(&mut self) -> Result<Vec<OrderId>, ExchangeError>;

    async fn open_orders(&mut self) -> Result<Vec<Order>, ExchangeError>;

    async fn balances(&mut self) -> Result<Balances, ExchangeError>;

    /// The perpetual position, `None` on spot markets or when flat.
    async fn position(&mut self) -> Result<Option<Position>, ExchangeError>;
}
