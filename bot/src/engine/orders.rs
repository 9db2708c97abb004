//! From intents to orders: cancels first, then each place quantized against the market's
//! rules and checked by the risk manager, then one batch to the venue. Every refused order
//! (by the market's rules here or by the venue) is reported and counted: orders refused again
//! and again for one reason halt a stuck bot.

use rust_decimal::Decimal;

use super::Engine;
use crate::domain::{OrderRequest, Side};
use crate::events::Sink;
use crate::exchange::{Exchange, ExchangeError, Order, OrderId, Placed};
use crate::risk::Breach;
use crate::strategy::Intent;

impl<E: Exchange, S: Sink> Engine<E, S> {
    pub(super) async fn execute(&mut self, ts_ms: u64, mid: Decimal) -> Result<(), ExchangeError> {
        let mut intents = std::mem::take(&mut self.intents);
        let result = self.execute_intents(&intents, ts_ms, mid).await;
        intents.clear();
        self.intents = intents;
        result
    }

    async fn execute_intents(
        &mut self,
        intents: &[Intent],
        ts_ms: u64,
        mid: Decimal,
    ) -> Result<(), ExchangeError> {
        let cancels: Vec<OrderId> = intents
            .iter()
            .filter_map(|i| match i {
                Intent::Cancel(id) => Some(*id),
                Intent::Place { .. } => None,
            })
            .collect();
        if !cancels.is_empty() {
            let done = self.ex.cancel(&cancels).await?;
            self.open.retain(|o| !done.contains(&o.id));
        }
        let mut stuck = None;
        let batch = match self.checked_orders(intents, ts_ms, mid, &mut stuck) {
            Ok(batch) => batch,
            Err(b) => return self.halt(b).await,
        };
        if !batch.is_empty() {
            self.place(&batch, &mut stuck).await?;
        }
        match stuck {
            Some(b) => self.halt(b).await,
            None => Ok(()),
        }
    }

    /// The places, quantized and risk-checked. `Err`: a risk breach (nothing is sent).
    /// `stuck` gets the first breach of the repeated-rejections rule.
    fn checked_orders(
        &mut self,
        intents: &[Intent],
        ts_ms: u64,
        mid: Decimal,
        stuck: &mut Option<Breach>,
    ) -> Result<Vec<OrderRequest>, Breach> {
        let mut batch = Vec::new();
        for intent in intents {
            let Intent::Place { side, price, qty } = *intent else {
                continue;
            };
            match self.ex.market().order(side, price, qty) {
                Ok(order) => {
                    let open = self.open.len() + batch.len();
                    self.risk.check_order(&order, open, mid, ts_ms)?;
                    batch.push(order);
                }
                Err(e) => {
                    let breach = self.refused(side, price, qty, &e.to_string());
                    if stuck.is_none() {
                        *stuck = breach;
                    }
                }
            }
        }
        Ok(batch)
    }

    /// One batch to the venue; accepted orders are the bot's open orders from now on.
    async fn place(
        &mut self,
        batch: &[OrderRequest],
        stuck: &mut Option<Breach>,
    ) -> Result<(), ExchangeError> {
        let answers = self.ex.place(batch).await?;
        for (order, answer) in batch.iter().zip(answers) {
            let (side, price, qty) = (order.side(), order.price().get(), order.qty().get());
            match answer {
                Placed::Accepted(id) => {
                    self.risk.on_accepted();
                    self.open.push(Order {
                        id,
                        side,
                        price,
                        remaining: qty,
                    });
                }
                Placed::Rejected(reason) => {
                    let breach = self.refused(side, price, qty, &reason);
                    if stuck.is_none() {
                        *stuck = breach;
                    }
                }
            }
        }
        Ok(())
    }

    /// Reports a refused order and counts it: the breach once the bot is stuck.
    fn refused(
        &mut self,
        side: Side,
        price: Decimal,
        qty: Decimal,
        reason: &str,
    ) -> Option<Breach> {
        self.report_rejected(side, price, qty, reason);
        self.risk.on_rejected(reason).err()
    }
}
