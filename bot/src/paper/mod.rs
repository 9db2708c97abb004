//! The paper exchange: the embedded default venue. No network; a deterministic simulated
//! market (seeded random walk or a recorded trades file), our resting orders matched against
//! it, maker/taker fees, balances and perpetual positions with margin. It enforces the same
//! tick and notional rules as the real markets (crate::markets).
//!
//! Matching: an order that crosses the book fills at once at the touch (taker). A resting order
//! fills (maker, at its own price) when the book moves through it, or partly when a trade print
//! reaches its price.
//!
//! On live market data ([`PaperExchange::on_live_data`], module [`live`]) the steps are the
//! chain's book tops instead of the walk: same matching, same accounting, no transaction.

mod account;
pub mod feed;
pub mod live;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use rust_decimal::Decimal;

pub use account::Account;
use feed::{Feed, Step, Walk};
use live::LiveBook;
pub use tradebot_contract::spec::PaperConfig;

use crate::domain::{OrderRequest, Side};
use crate::exchange::{
    AssetBalance, Balances, BookTop, Exchange, ExchangeError, Fill, Liquidity, MarketEvent, Order,
    OrderId, Placed, Position,
};
use crate::markets::MarketParams;

#[derive(Debug)]
pub struct PaperExchange {
    market: MarketParams,
    cfg: PaperConfig,
    feed: Feed,
    account: Account,
    /// The account as of the fills `next_event` has returned (`account` runs ahead of it by
    /// the fills still queued): what status events show, consistent with the fill events.
    reported: Account,
    orders: Vec<Order>,
    queue: VecDeque<MarketEvent>,
    top: BookTop,
    ts_ms: u64,
    steps: u64,
    next_id: u64,
    interval: Option<tokio::time::Interval>,
    /// The chain's book, when trading paper on live market data (then `feed` is unused).
    live: Option<LiveBook>,
}

impl PaperExchange {
    pub fn new(market: MarketParams, cfg: PaperConfig) -> Result<Self, String> {
        let start_ticks = decimal_ticks(market.reference_price, market.price_tick);
        let feed = match &cfg.replay {
            Some(path) => Feed::replay_file(path, market.price_tick, market.qty_tick)?,
            None => {
                // Trade prints of up to ~500 quote units, so partial fills happen.
                let max_qty =
                    decimal_ticks(Decimal::from(500) / market.reference_price, market.qty_tick);
                Feed::Walk(Walk::new(
                    cfg.seed,
                    start_ticks,
                    cfg.volatility_bps,
                    max_qty.max(1) as u64,
                ))
            }
        };
        Ok(Self::with_feed(market, cfg, feed))
    }

    pub fn with_feed(market: MarketParams, cfg: PaperConfig, feed: Feed) -> Self {
        let base = cfg
            .initial_base
            .unwrap_or_else(|| (cfg.initial_quote / Decimal::TWO / market.reference_price).floor());
        let account = Account::new(&market, base, cfg.initial_quote);
        let mid = market.reference_price;
        Self {
            top: BookTop {
                bid: mid - market.price_tick,
                ask: mid + market.price_tick,
            },
            reported: account.clone(),
            account,
            market,
            feed,
            orders: Vec::new(),
            queue: VecDeque::new(),
            ts_ms: cfg.start_ts_ms,
            steps: 0,
            next_id: 1,
            interval: None,
            live: None,
            cfg,
        }
    }

    /// A paper venue on the live book of `spec`'s chain and market (ticks and minimum
    /// notional from the chain as well). Fills are simulated; nothing is ever sent.
    /// Errors: the chain unreachable or the market id not the named market.
    pub async fn on_live_data(
        named: MarketParams,
        cfg: PaperConfig,
        spec: &tradebot_contract::spec::InjectiveSpec,
    ) -> Result<Self, ExchangeError> {
        let (book, market) = LiveBook::connect(spec, &named).await?;
        let cfg = PaperConfig {
            realtime: true,
            replay: None,
            max_steps: None,
            ..cfg
        };
        let mut me = Self::with_feed(market, cfg, Feed::Walk(Walk::new(0, 1, 0.0, 1)));
        me.live = Some(book);
        Ok(me)
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The account status events show (see [`Exchange::kept_balances`]).
    pub fn reported_account(&self) -> &Account {
        &self.reported
    }

    pub fn top(&self) -> BookTop {
        self.top
    }

    fn fee_rate(&self, liq: Liquidity) -> Decimal {
        match liq {
            Liquidity::Maker => self.cfg.maker_fee,
            Liquidity::Taker => self.cfg.taker_fee,
        }
    }

    fn fill(&mut self, idx: usize, price: Decimal, qty: Decimal, liquidity: Liquidity) {
        let fee = price * qty * self.fee_rate(liquidity);
        let o = &mut self.orders[idx];
        o.remaining -= qty;
        let fill = Fill {
            order_id: o.id,
            side: o.side,
            price,
            qty,
            fee,
            liquidity,
            done: o.remaining.is_zero(),
        };
        self.account.apply(&fill);
        self.queue.push_back(MarketEvent::Fill {
            ts_ms: self.ts_ms,
            fill,
        });
    }

    /// Advances the simulated market one step and matches resting orders against it.
    fn advance(&mut self) -> bool {
        if self.cfg.max_steps.is_some_and(|max| self.steps >= max) {
            return false;
        }
        let Some(Step {
            ts_ms,
            mid_ticks,
            trade,
        }) = self.feed.step()
        else {
            return false;
        };
        self.steps += 1;
        self.ts_ms = match (self.cfg.realtime, ts_ms) {
            (true, _) => crate::clock::now_ms(),
            (false, Some(ts)) => ts,
            (false, None) => self.ts_ms + self.cfg.tick_ms,
        };
        let tick = self.market.price_tick;
        let half = i64::from(self.cfg.half_spread_ticks.max(1));
        let top = BookTop {
            bid: Decimal::from((mid_ticks - half).max(1)) * tick,
            ask: Decimal::from(mid_ticks + half) * tick,
        };
        let trade = trade.map(|(p, q)| {
            (
                Decimal::from(p) * tick,
                Decimal::from(q) * self.market.qty_tick,
            )
        });
        self.on_market(top, trade);
        true
    }

    /// A new market state (book top, optional trade print at `ts_ms`): queued as events, and
    /// resting orders matched against it.
    fn on_market(&mut self, top: BookTop, trade: Option<(Decimal, Decimal)>) {
        self.top = top;
        self.queue.push_back(MarketEvent::Book {
            ts_ms: self.ts_ms,
            top,
        });
        if let Some((price, qty)) = trade {
            self.queue.push_back(MarketEvent::Trade {
                ts_ms: self.ts_ms,
                price,
                qty,
            });
        }
        let mut i = 0;
        let mut print_left = trade.map_or(Decimal::ZERO, |(_, q)| q);
        while i < self.orders.len() {
            let o = self.orders[i];
            let through = match o.side {
                Side::Buy => top.ask <= o.price,
                Side::Sell => top.bid >= o.price,
            };
            let printed = trade.is_some_and(|(p, _)| match o.side {
                Side::Buy => p <= o.price,
                Side::Sell => p >= o.price,
            });
            let qty = if through {
                o.remaining
            } else if printed {
                o.remaining.min(print_left)
            } else {
                Decimal::ZERO
            };
            if qty > Decimal::ZERO {
                if !through {
                    print_left -= qty;
                }
                self.fill(i, o.price, qty, Liquidity::Maker);
            }
            if self.orders[i].remaining.is_zero() {
                self.orders.swap_remove(i);
            } else {
                i += 1;
            }
        }
    }

    fn place_one(&mut self, req: &OrderRequest) -> Placed {
        let (p, q) = (req.price().get(), req.qty().get());
        // Defence in depth: the venue checks the rules again, as the chain would.
        if !on_tick(p, self.market.price_tick) || !on_tick(q, self.market.qty_tick) {
            return Placed::Rejected("price or quantity is not a tick multiple".into());
        }
        if p * q < self.market.min_notional {
            return Placed::Rejected("below the minimum notional".into());
        }
        if let Err(e) = self
            .account
            .check(req, &self.orders, self.cfg.taker_fee, self.top.mid())
        {
            return Placed::Rejected(e);
        }
        let id = OrderId(self.next_id);
        self.next_id += 1;
        self.orders.push(Order {
            id,
            side: req.side(),
            price: p,
            remaining: q,
        });
        let touch = match req.side() {
            Side::Buy => (self.top.ask <= p).then_some(self.top.ask),
            Side::Sell => (self.top.bid >= p).then_some(self.top.bid),
        };
        if let Some(touch) = touch {
            let idx = self.orders.len() - 1;
            self.fill(idx, touch, q, Liquidity::Taker);
            self.orders.pop();
        }
        Placed::Accepted(id)
    }
}

/// Whether `v` is a multiple of `tick`. Fast path: quantized values carry the tick's scale,
/// and any value with no more decimals than a 10^-k tick is a multiple of it.
fn on_tick(v: Decimal, tick: Decimal) -> bool {
    (tick.mantissa() == 1 && v.scale() <= tick.scale()) || (v % tick).is_zero()
}

fn decimal_ticks(value: Decimal, tick: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    (value / tick).round().to_i64().unwrap_or(1).max(1)
}

impl Exchange for PaperExchange {
    fn market(&self) -> &MarketParams {
        &self.market
    }

    fn kept_balances(&self) -> Option<Vec<AssetBalance>> {
        let a = &self.reported;
        let (base, quote) = a.available(&self.orders, self.cfg.taker_fee, self.top.mid());
        let quote = AssetBalance {
            asset: self.market.quote,
            total: a.quote,
            available: quote,
        };
        if a.is_perpetual() {
            return Some(vec![quote]);
        }
        let base = AssetBalance {
            asset: self.market.base,
            total: a.base,
            available: base,
        };
        Some(vec![base, quote])
    }

    async fn next_event(&mut self) -> Result<MarketEvent, ExchangeError> {
        loop {
            if let Some(ev) = self.queue.pop_front() {
                if let MarketEvent::Fill { fill, .. } = &ev {
                    self.reported.apply(fill);
                }
                return Ok(ev);
            }
            if let Some(live) = self.live.as_mut() {
                let top = live.next_top().await?;
                self.ts_ms = crate::clock::now_ms();
                self.on_market(top, None);
                continue;
            }
            if self.cfg.realtime {
                let period = std::time::Duration::from_millis(self.cfg.tick_ms.max(1));
                let iv = self.interval.get_or_insert_with(|| {
                    let mut iv = tokio::time::interval(period);
                    iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    iv
                });
                iv.tick().await;
            }
            if !self.advance() {
                return Ok(MarketEvent::End);
            }
        }
    }

    async fn place(&mut self, orders: &[OrderRequest]) -> Result<Vec<Placed>, ExchangeError> {
        Ok(orders.iter().map(|o| self.place_one(o)).collect())
    }

    async fn cancel(&mut self, ids: &[OrderId]) -> Result<Vec<OrderId>, ExchangeError> {
        let mut done = Vec::with_capacity(ids.len());
        self.orders.retain(|o| {
            let hit = ids.contains(&o.id);
            if hit {
                done.push(o.id);
            }
            !hit
        });
        Ok(done)
    }

    async fn cancel_all(&mut self) -> Result<Vec<OrderId>, ExchangeError> {
        Ok(self.orders.drain(..).map(|o| o.id).collect())
    }

    async fn open_orders(&mut self) -> Result<Vec<Order>, ExchangeError> {
        Ok(self.orders.clone())
    }

    async fn balances(&mut self) -> Result<Balances, ExchangeError> {
        Ok(Balances {
            base: self.account.base,
            quote: self.account.quote,
        })
    }

    async fn position(&mut self) -> Result<Option<Position>, ExchangeError> {
        Ok(self.account.position())
    }
}
