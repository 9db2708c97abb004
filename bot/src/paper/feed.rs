//! Where the paper market's prices come from: a seeded random walk (deterministic: same seed,
//! same prices) or a recorded trades file. Prices move in whole ticks (integers), so the hot
//! path never converts floats to decimals; f64 lives only inside the random number generator.

use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// splitmix64: tiny, fast, and good enough for a price simulation (not for anything secret).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller; the second value is dropped for simplicity).
    pub fn gaussian(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// One step of the market: mid and an optional trade print, in ticks / quantity ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub ts_ms: Option<u64>,
    pub mid_ticks: i64,
    pub trade: Option<(i64, i64)>,
}

#[derive(Debug)]
pub enum Feed {
    Walk(Walk),
    Replay {
        rows: Vec<(u64, i64, i64)>,
        next: usize,
    },
}

#[derive(Debug)]
pub struct Walk {
    rng: Rng,
    mid_ticks: i64,
    /// Standard deviation of one step, as a fraction of the price.
    step_sigma: f64,
    trade_probability: f64,
    max_trade_qty_ticks: u64,
}

impl Walk {
    pub fn new(seed: u64, start_ticks: i64, volatility_bps: f64, max_trade_qty_ticks: u64) -> Self {
        Self {
            rng: Rng::new(seed),
            mid_ticks: start_ticks.max(1),
            step_sigma: volatility_bps / 10_000.0,
            trade_probability: 0.4,
            max_trade_qty_ticks: max_trade_qty_ticks.max(1),
        }
    }

    fn step(&mut self) -> Step {
        let sigma_ticks = self.step_sigma * self.mid_ticks as f64;
        let mv = (self.rng.gaussian() * sigma_ticks).round() as i64;
        self.mid_ticks = (self.mid_ticks + mv).max(1);
        let trade = (self.rng.uniform() < self.trade_probability).then(|| {
            // Prints scatter around the mid by about two steps, so resting quotes near the
            // touch fill now and then even in a quiet market.
            let off = (self.rng.gaussian() * 2.0 * sigma_ticks).round() as i64;
            let qty = 1 + (self.rng.next_u64() % self.max_trade_qty_ticks) as i64;
            ((self.mid_ticks + off).max(1), qty)
        });
        Step {
            ts_ms: None,
            mid_ticks: self.mid_ticks,
            trade,
        }
    }
}

impl Feed {
    /// Next step, or `None` at the end of a replay (a walk never ends).
    pub fn step(&mut self) -> Option<Step> {
        match self {
            Feed::Walk(w) => Some(w.step()),
            Feed::Replay { rows, next } => {
                let (ts, price, qty) = *rows.get(*next)?;
                *next += 1;
                Some(Step {
                    ts_ms: Some(ts),
                    mid_ticks: price,
                    trade: Some((price, qty)),
                })
            }
        }
    }

    /// Reads a recorded trades file: `ts_ms,price,quantity` per line, human units; a header
    /// line and `#` comments are skipped. Prices and quantities are rounded to the ticks.
    pub fn replay_file(
        path: &Path,
        price_tick: Decimal,
        qty_tick: Decimal,
    ) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read trades file {}: {e}", path.display()))?;
        Self::replay_text(&text, price_tick, qty_tick)
    }

    pub fn replay_text(text: &str, price_tick: Decimal, qty_tick: Decimal) -> Result<Self, String> {
        let mut rows = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("ts") {
                continue;
            }
            let bad = || format!("trades file line {}: expected ts_ms,price,quantity", n + 1);
            let mut it = line.split(',').map(str::trim);
            let ts: u64 = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
            let price: Decimal = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
            let qty: Decimal = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
            let to_ticks =
                |v: Decimal, tick: Decimal| (v / tick).round().to_i64().filter(|t| *t > 0);
            let (Some(p), Some(q)) = (to_ticks(price, price_tick), to_ticks(qty, qty_tick)) else {
                return Err(bad());
            };
            rows.push((ts, p, q));
        }
        if rows.is_empty() {
            return Err("trades file holds no trades".into());
        }
        Ok(Feed::Replay { rows, next: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn same_seed_same_prices() {
        let run = |seed| {
            let mut f = Feed::Walk(Walk::new(seed, 20_000, 5.0, 100));
            (0..100).map(|_| f.step().unwrap()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn replay_reads_rows_and_ends() {
        let mut f = Feed::replay_text(
            "ts_ms,price,qty\n1,20.001,1.5\n# x\n2,20.002,0.5\n",
            dec!(0.001),
            dec!(0.1),
        )
        .unwrap();
        assert_eq!(f.step().unwrap().trade, Some((20_001, 15)));
        assert_eq!(f.step().unwrap().ts_ms, Some(2));
        assert!(f.step().is_none());
        assert!(Feed::replay_text("1,abc,1\n", dec!(0.001), dec!(0.1)).is_err());
    }
}
