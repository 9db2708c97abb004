//! A scripted venue for tests: events come from a queue the test fills, and every place and
//! cancel is recorded so a test can assert what the bot sent.

use std::collections::VecDeque;

use rust_decimal::Decimal;

use super::{Balances, Exchange, ExchangeError, MarketEvent, Order, OrderId, Placed, Position};
use crate::domain::OrderRequest;
use crate::markets::MarketParams;

#[derive(Debug)]
pub struct ScriptedExchange {
    market: MarketParams,
    pub events: VecDeque<MarketEvent>,
    pub open: Vec<Order>,
    /// Every order the bot sent, in order.
    pub placed: Vec<OrderRequest>,
    /// Every id the bot cancelled (one by one or through cancel-all).
    pub cancelled: Vec<OrderId>,
    pub cancel_all_calls: usize,
    /// When set, every order is rejected with this reason.
    pub reject_with: Option<String>,
    /// When set, the next `place` fails with this error (taken on use).
    pub fail_place: Option<ExchangeError>,
    next_id: u64,
}

impl ScriptedExchange {
    pub fn new(market: MarketParams) -> Self {
        Self {
            market,
            events: VecDeque::new(),
            open: Vec::new(),
            placed: Vec::new(),
            cancelled: Vec::new(),
            cancel_all_calls: 0,
            reject_with: None,
            fail_place: None,
            next_id: 1,
        }
    }

    pub fn push(&mut self, event: MarketEvent) -> &mut Self {
        self.events.push_back(event);
        self
    }

    /// Seeds an order that exists before the bot starts (an orphan of a crashed predecessor).
    pub fn seed_open(&mut self, order: Order) {
        self.next_id = self.next_id.max(order.id.0 + 1);
        self.open.push(order);
    }
}

impl Exchange for ScriptedExchange {
    fn market(&self) -> &MarketParams {
        &self.market
    }

    async fn next_event(&mut self) -> Result<MarketEvent, ExchangeError> {
        Ok(self.events.pop_front().unwrap_or(MarketEvent::End))
    }

    async fn place(&mut self, orders: &[OrderRequest]) -> Result<Vec<Placed>, ExchangeError> {
        if let Some(e) = self.fail_place.take() {
            return Err(e);
        }
        let mut out = Vec::with_capacity(orders.len());
        for o in orders {
            self.placed.push(*o);
            if let Some(reason) = &self.reject_with {
                out.push(Placed::Rejected(reason.clone()));
                continue;
            }
            let id = OrderId(self.next_id);
            self.next_id += 1;
            self.open.push(Order {
                id,
                side: o.side(),
                price: o.price().get(),
                remaining: o.qty().get(),
            });
            out.push(Placed::Accepted(id));
        }
        Ok(out)
    }

    async fn cancel(&mut self, ids: &[OrderId]) -> Result<Vec<OrderId>, ExchangeError> {
        let mut done = Vec::new();
        self.open.retain(|o| {
            let hit = ids.contains(&o.id);
            if hit {
                done.push(o.id);
            }
            !hit
        });
        self.cancelled.extend(&done);
        Ok(done)
    }

    async fn cancel_all(&mut self) -> Result<Vec<OrderId>, ExchangeError> {
        self.cancel_all_calls += 1;
        let done: Vec<OrderId> = self.open.drain(..).map(|o| o.id).collect();
        self.cancelled.extend(&done);
        Ok(done)
    }

    async fn open_orders(&mut self) -> Result<Vec<Order>, ExchangeError> {
        Ok(self.open.clone())
    }

    async fn balances(&mut self) -> Result<Balances, ExchangeError> {
        Ok(Balances {
            base: Decimal::ZERO,
            quote: Decimal::ZERO,
        })
    }

    async fn position(&mut self) -> Result<Option<Position>, ExchangeError> {
        Ok(None)
    }
}
