//! The engine: one venue, one strategy, one risk manager. It feeds market data to the
//! strategy, turns intents into checked orders, keeps the bot's own view of open orders and
//! PnL, and halts on any risk breach. Live runs and backtests drive the same engine; only the
//! event sink and the venue's clock differ.

#[cfg(test)]
mod balance_tests;
mod orders;
mod report;
#[cfg(test)]
mod tests;

use rust_decimal::Decimal;

pub use report::Snapshot;

use crate::events::Sink;
use crate::exchange::{BookTop, Exchange, ExchangeError, Fill, MarketEvent, Order};
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
            MarketEvent::Book { ts_ms, top } => self.on_book(ts_ms, top).await?,
            MarketEvent::Trade { ts_ms, price, .. } => self.risk.on_data(ts_ms, price),
            MarketEvent::Fill { ts_ms, fill } => self.on_fill(ts_ms, &fill).await?,
            MarketEvent::End => return Ok(false),
        }
        Ok(true)
    }

    /// A book update: state checks, then the strategy decides and the engine acts. A strategy
    /// that has nothing left to do finishes the bot instead (a TWAP whose schedule is over).
    async fn on_book(&mut self, ts_ms: u64, top: BookTop) -> Result<(), ExchangeError> {
        self.top = Some(top);
        let mid = top.mid();
        self.risk.on_data(ts_ms, mid);
        if self.state != State::Running {
            return Ok(());
        }
        let (position, pnl) = (self.portfolio.position, self.portfolio.total_pnl(mid));
        if let Err(b) = self.risk.check_state(position, pnl, ts_ms) {
            return self.halt(b).await;
        }
        if let Some(done) = self.strategy.finished(ts_ms) {
            self.state = State::Finished;
            self.report_finished(&done);
            return Ok(());
        }
        let view = View {
            market: self.ex.market(),
            ts_ms,
            top,
            mid,
            position,
            max_position: self.risk.max_position(),
            open: &self.open,
        };
        self.strategy.on_book(&view, &mut self.intents);
        if self.intents.is_empty() {
            return Ok(());
        }
        self.execute(ts_ms, mid).await
    }

    async fn on_fill(&mut self, ts_ms: u64, fill: &Fill) -> Result<(), ExchangeError> {
        self.portfolio.apply(fill);
        if let Some(i) = self.open.iter().position(|o| o.id == fill.order_id) {
            self.open[i].remaining -= fill.qty;
            if fill.done || self.open[i].remaining <= Decimal::ZERO {
                self.open.swap_remove(i);
            }
        }
        self.strategy.on_fill(fill);
        self.report_fill(fill);
        if self.state != State::Running {
            return Ok(());
        }
        let mark = self.mid().unwrap_or(fill.price);
        let pnl = self.portfolio.total_pnl(mark);
        match self.risk.check_state(self.portfolio.position, pnl, ts_ms) {
            Ok(()) => Ok(()),
            Err(b) => self.halt(b).await,
        }
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

    /// SIGTERM (or end of a run): cancel all, final status, `stopped`. The final status keeps
    /// `halted` and `finished`: they say more than `stopped`.
    pub async fn stop(&mut self, reason: &str) -> Result<(), ExchangeError> {
        let result = self.cancel_all("shutdown").await;
        if self.state == State::Running {
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
