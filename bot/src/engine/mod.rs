//! The engine: one venue, one strategy, one risk manager. It feeds market data to the
//! strategy, turns intents into checked orders, keeps the bot's own view of open orders and
//! PnL, and halts on any risk breach. Live runs and backtests drive the same engine; only the
//! event sink and the venue's clock differ.

mod report;
#[cfg(test)]
mod tests;

use rust_decimal::Decimal;

pub use report::Snapshot;

use crate::events::Sink;
use crate::exchange::{BookTop, Exchange, ExchangeError, MarketEvent, Order, OrderId, Placed};
use crate::params::BotParams;
use crate::portfolio::Portfolio;
use crate::risk::{Breach, RiskManager};
use crate::strategy::{self, Intent, Strategy, View};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Running,
    Halted,
    Finished,
    Stopped,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Halted => "halted",
            State::Finished => "finished",
            State::Stopped => "stopped",
        }
    }
}

pub struct Engine<E: Exchange, S: Sink> {
    pub ex: E,
    pub sink: S,
    bot_id: String,
    strategy: Box<dyn Strategy>,
    risk: RiskManager,
    pub portfolio: Portfolio,
    open: Vec<Order>,
    top: Option<BookTop>,
    state: State,
    halt: Option<Breach>,
    intents: Vec<Intent>,
    pub events: u64,
}

impl<E: Exchange, S: Sink> std::fmt::Debug for Engine<E, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("bot_id", &self.bot_id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl<E: Exchange, S: Sink> Engine<E, S> {
    pub fn new(ex: E, sink: S, bot_id: &str, params: &BotParams) -> Self {
        Self {
            ex,
            sink,
            bot_id: bot_id.to_owned(),
            strategy: strategy::build(params),
            risk: RiskManager::new(params.risk().clone()),
            portfolio: Portfolio::default(),
            open: Vec::new(),
            top: None,
            state: State::Running,
            halt: None,
            intents: Vec::with_capacity(64),
            events: 0,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn halt_reason(&self) -> Option<&Breach> {
        self.halt.as_ref()
    }

    pub fn open_orders(&self) -> &[Order] {
        &self.open
    }

    pub fn mid(&self) -> Option<Decimal> {
        self.top.map(|t| t.mid())
    }

    /// First action after start-up: cancel every open order of the subaccount on the market
    /// (a crashed predecessor's orphans included).
    pub async fn start(&mut self) -> Result<(), ExchangeError> {
        self.cancel_all("startup").await
    }

    /// Handles one venue event; false at the end of the data.
    pub async fn handle(&mut self, ev: MarketEvent) -> Result<bool, ExchangeError> {
        self.events += 1;
        match ev {
            MarketEvent::Book { ts_ms, top } => {
                self.top = Some(top);
                let mid = top.mid();
                self.risk.on_data(ts_ms, mid);
                if self.state != State::Running {
                    return Ok(true);
                }
                if let Err(b) = self.risk.check_state(
                    self.portfolio.position,
                    self.portfolio.total_pnl(mid),
                    ts_ms,
                ) {
                    self.halt(b).await?;
                    return Ok(true);
                }
                if self.strategy.finished() {
                    self.state = State::Finished;
                    return Ok(true);
                }
                let view = View {
                    market: self.ex.market(),
                    ts_ms,
                    top,
                    mid,
                    position: self.portfolio.position,
                    max_position: self.risk.max_position(),
                    open: &self.open,
                };
                self.strategy.on_book(&view, &mut self.intents);
                if !self.intents.is_empty() {
                    self.execute(ts_ms, mid).await?;
                }
            }
            MarketEvent::Trade { ts_ms, price, .. } => self.risk.on_data(ts_ms, price),
            MarketEvent::Fill { ts_ms, fill } => {
                self.portfolio.apply(&fill);
                if let Some(i) = self.open.iter().position(|o| o.id == fill.order_id) {
                    self.open[i].remaining -= fill.qty;
                    if fill.done || self.open[i].remaining <= Decimal::ZERO {
                        self.open.swap_remove(i);
                    }
                }
                self.strategy.on_fill(&fill);
                self.report_fill(&fill);
                let mark = self.mid().unwrap_or(fill.price);
                if self.state == State::Running {
                    if let Err(b) = self.risk.check_state(
                        self.portfolio.position,
                        self.portfolio.total_pnl(mark),
                        ts_ms,
                    ) {
                        self.halt(b).await?;
                    }
                }
            }
            MarketEvent::End => return Ok(false),
        }
        Ok(true)
    }

    /// Market-data guard for live runs: called on a timer, as data may simply stop coming.
    pub async fn check_stale(&mut self, now_ms: u64) -> Result<(), ExchangeError> {
        if self.state == State::Running {
            if let Err(b) = self.risk.check_stale(now_ms) {
                self.halt(b).await?;
            }
        }
        Ok(())
    }

    async fn execute(&mut self, ts_ms: u64, mid: Decimal) -> Result<(), ExchangeError> {
        let mut intents = std::mem::take(&mut self.intents);
        let cancels: Vec<OrderId> = intents
            .iter()
            .filter_map(|i| {
                if let Intent::Cancel(id) = i {
                    Some(*id)
                } else {
                    None
                }
            })
            .collect();
        if !cancels.is_empty() {
            let done = self.ex.cancel(&cancels).await?;
            self.open.retain(|o| !done.contains(&o.id));
        }
        let mut batch = Vec::new();
        for intent in &intents {
            let Intent::Place { side, price, qty } = *intent else {
                continue;
            };
            let order = match self.ex.market().order(side, price, qty) {
                Ok(o) => o,
                Err(e) => {
                    self.report_rejected(side, price, qty, &e.to_string());
                    continue;
                }
            };
            if let Err(b) = self
                .risk
                .check_order(&order, self.open.len() + batch.len(), mid, ts_ms)
            {
                intents.clear();
                self.intents = intents;
                return self.halt(b).await;
            }
            batch.push(order);
        }
        if !batch.is_empty() {
            let answers = self.ex.place(&batch).await?;
            for (order, answer) in batch.iter().zip(answers) {
                match answer {
                    Placed::Accepted(id) => {
                        self.open.push(Order {
                            id,
                            side: order.side(),
                            price: order.price().get(),
                            remaining: order.qty().get(),
                        });
                    }
                    Placed::Rejected(reason) => {
                        self.report_rejected(
                            order.side(),
                            order.price().get(),
                            order.qty().get(),
                            &reason,
                        );
                    }
                }
            }
        }
        intents.clear();
        self.intents = intents;
        Ok(())
    }

    /// A breach: cancel everything, stop quoting, say why. The bot stays up (halted) so its
    /// status stays visible until the operator stops it.
    pub async fn halt(&mut self, breach: Breach) -> Result<(), ExchangeError> {
        self.state = State::Halted;
        tracing::warn!(rule = breach.rule, "risk halt");
        let result = self.cancel_all("risk_halt").await;
        self.report_halt(&breach);
        self.halt = Some(breach);
        result
    }

    /// SIGTERM (or end of a run): cancel all, final status, `stopped`.
    pub async fn stop(&mut self, reason: &str) -> Result<(), ExchangeError> {
        let result = self.cancel_all("shutdown").await;
        if self.state != State::Halted {
            self.state = State::Stopped;
        }
        self.report_status();
        self.report_stopped(reason);
        result
    }

    async fn cancel_all(&mut self, reason: &str) -> Result<(), ExchangeError> {
        let ids = self.ex.cancel_all().await?;
        self.open.clear();
        self.report_cancelled(reason, &ids);
        Ok(())
    }
}
