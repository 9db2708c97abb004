//! The risk manager: every order passes [`RiskManager::check_order`] before it leaves the bot,
//! and the bot's state passes [`RiskManager::check_state`] after every fill and book update.
//! Any breach halts the bot (the engine cancels everything and stops quoting). Orders refused
//! again and again for one reason ([`RiskManager::on_rejected`]) are a breach too: the bot is
//! stuck, and that halt also ends the run ([`Breach::stuck`]).

mod rejections;

use std::collections::VecDeque;

use rust_decimal::Decimal;

use crate::domain::OrderRequest;
use crate::params::RiskParams;
use crate::params::DEFAULT_MAX_POSITION_NOTIONAL;
use crate::strategy::bps_of;

const DAY_MS: u64 = 86_400_000;
const MINUTE_MS: u64 = 60_000;

/// The rule of a stuck bot: `max_repeated_rejections` orders in a row refused for one reason.
pub const REPEATED_REJECTIONS: &str = "repeated_rejections";

/// Why the bot halted: a stable rule name for machines and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub rule: &'static str,
    pub message: String,
}

impl Breach {
    /// A stuck bot: nothing it can do will trade, so the run ends (exit code in `run`).
    pub fn stuck(&self) -> bool {
        self.rule == REPEATED_REJECTIONS
    }
}

fn breach(rule: &'static str, message: String) -> Result<(), Breach> {
    Err(Breach { rule, message })
}

#[derive(Debug)]
pub struct RiskManager {
    limits: RiskParams,
    max_position: Option<Decimal>,
    recent_orders: VecDeque<u64>,
    day: u64,
    day_start_pnl: Decimal,
    last_data_ms: Option<u64>,
    rejections: rejections::Streak,
}

impl RiskManager {
    pub fn new(limits: RiskParams) -> Self {
        Self {
            max_position: limits.max_position,
            limits,
            recent_orders: VecDeque::new(),
            day: 0,
            day_start_pnl: Decimal::ZERO,
            last_data_ms: None,
            rejections: rejections::Streak::default(),
        }
    }

    /// Records fresh market data; the first one also fixes the default position limit.
    pub fn on_data(&mut self, ts_ms: u64, mid: Decimal) {
        self.last_data_ms = Some(ts_ms);
        if self.max_position.is_none() && mid > Decimal::ZERO {
            self.max_position = Some(DEFAULT_MAX_POSITION_NOTIONAL / mid);
        }
    }

    pub fn max_position(&self) -> Decimal {
        self.max_position.unwrap_or(Decimal::MAX)
    }

    pub fn check_order(
        &mut self,
        o: &OrderRequest,
        open_orders: usize,
        mid: Decimal,
        now_ms: u64,
    ) -> Result<(), Breach> {
        let l = &self.limits;
        if o.notional() > l.max_order_notional {
            return breach(
                "max_order_notional",
                format!(
                    "order notional {} exceeds {}",
                    o.notional(),
                    l.max_order_notional
                ),
            );
        }
        if open_orders >= l.max_open_orders as usize {
            return breach(
                "max_open_orders",
                format!("{} orders open, limit {}", open_orders, l.max_open_orders),
            );
        }
        if (o.price().get() - mid).abs() > bps_of(mid, l.price_band_bps) {
            return breach(
                "price_band",
                format!(
                    "price {} is more than {} bps from mid {}",
                    o.price(),
                    l.price_band_bps,
                    mid
                ),
            );
        }
        while self
            .recent_orders
            .front()
            .is_some_and(|t| *t + MINUTE_MS <= now_ms)
        {
            self.recent_orders.pop_front();
        }
        if self.recent_orders.len() >= l.max_orders_per_min as usize {
            return breach(
                "order_rate",
                format!("more than {} orders in a minute", l.max_orders_per_min),
            );
        }
        self.recent_orders.push_back(now_ms);
        Ok(())
    }

    /// An order refused, by the market's rules in the bot or by the venue: a breach once
    /// `max_repeated_rejections` in a row had the same reason.
    pub fn on_rejected(&mut self, reason: &str) -> Result<(), Breach> {
        let n = self.rejections.refused(reason);
        if n >= self.limits.max_repeated_rejections {
            return breach(
                REPEATED_REJECTIONS,
                format!("{n} orders in a row refused: {reason}"),
            );
        }
        Ok(())
    }

    /// An order the venue accepted: the bot is not stuck.
    pub fn on_accepted(&mut self) {
        self.rejections.accepted();
    }

    /// Position and daily-loss limits; the loss baseline resets at each UTC midnight.
    pub fn check_state(
        &mut self,
        position: Decimal,
        total_pnl: Decimal,
        now_ms: u64,
    ) -> Result<(), Breach> {
        if position.abs() > self.max_position() {
            return breach(
                "max_position",
                format!(
                    "position {position} exceeds {}",
                    self.max_position().round_dp(6)
                ),
            );
        }
        let day = now_ms / DAY_MS;
        if day != self.day {
            self.day = day;
            self.day_start_pnl = total_pnl;
        }
        let loss = self.day_start_pnl - total_pnl;
        if loss > self.limits.max_daily_loss {
            return breach(
                "max_daily_loss",
                format!(
                    "lost {} today, limit {}",
                    loss.round_dp(6),
                    self.limits.max_daily_loss
                ),
            );
        }
        Ok(())
    }

    /// Halts when the last market data is older than the limit (checked on a timer live).
    pub fn check_stale(&self, now_ms: u64) -> Result<(), Breach> {
        let Some(last) = self.last_data_ms else {
            return Ok(());
        };
        let age = now_ms.saturating_sub(last);
        if age > self.limits.stale_data_secs * 1000 {
            return breach(
                "stale_data",
                format!(
                    "no market data for {} ms (limit {} s)",
                    age, self.limits.stale_data_secs
                ),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
