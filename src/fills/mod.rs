//! Fills (docs/DASHBOARD.md, "Fills"): every `fill` event a bot writes on stdout, recorded in
//! the dashboard's database as the bot sent it, read back by filter (the fills page, its JSON
//! and CSV) and summed into volume and fees (the portfolio).
//!
//! One fill is one row per launch however often its line is read: a dashboard that restarts
//! re-reads the tail of its running bots' stdout (`BotManager::backfill_fills`), and
//! [`record`] inserts OR IGNOREs on the key of [`Fill::key`].

pub mod csv;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

/// Where a fill comes from: the bot and its run, as the dashboard knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub bot_id: String,
    pub launch_id: String,
    pub wallet: String,
    pub market: String,
    pub bot_type: String,
}

/// One fill as stored. `price` (quote per base), `quantity` (base units) and `fee` (quote
/// units, negative: a rebate) are the bot's decimal strings, checked to parse; `ts_ms` is the
/// event line's time (Unix ms); `side` is `buy` or `sell`; `liquidity` `maker`, `taker` or
/// empty; `trade_id` the venue's id of the execution when the bot gives one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fill {
    pub bot_id: String,
    pub launch_id: String,
    pub wallet: String,
    pub market: String,
    pub bot_type: String,
    pub ts_ms: i64,
    pub side: String,
    pub price: String,
    pub quantity: String,
    pub fee: String,
    pub liquidity: String,
    pub order_id: String,
    pub trade_id: Option<String>,
    /// The bot's position after the fill (base units); part of the key, not stored apart.
    #[serde(skip)]
    pub position: String,
}

/// Longest text kept from a fill line's free-form fields (ids, liquidity).
const MAX_TEXT: usize = 100;

impl Fill {
    /// The fill of a `fill` event (the raw line object, `ts_ms` included) of the bot `origin`.
    /// Errors: a sentence naming the field that is missing or not a decimal (the line is then
    /// skipped by the caller, never stored half).
    pub fn from_event(raw: &Value, origin: &Origin) -> Result<Self, String> {
        let text = |k: &str| raw.get(k).and_then(Value::as_str).unwrap_or_default();
        let decimal = |k: &str| -> Result<String, String> {
            let s = text(k).trim();
            s.parse::<Decimal>()
                .map(|_| s.to_owned())
                .map_err(|_| format!("fill field {k} is not a decimal: {:?}", clip(s)))
        };
        let ts_ms = raw
            .get("ts_ms")
            .and_then(Value::as_i64)
            .filter(|t| *t > 0)
            .ok_or("fill line has no ts_ms")?;
        let side = text("side");
        if side != "buy" && side != "sell" {
            return Err(format!("fill side is not buy or sell: {:?}", clip(side)));
        }
        let quantity = decimal("quantity")?;
        let price = decimal("price")?;
        if quantity.parse::<Decimal>().unwrap_or_default() <= Decimal::ZERO {
            return Err(format!("fill quantity is not positive: {quantity}"));
        }
        let order_id = match raw.get("order_id") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => clip(s),
            _ => String::new(),
        };
        Ok(Self {
            bot_id: origin.bot_id.clone(),
            launch_id: origin.launch_id.clone(),
            wallet: origin.wallet.clone(),
            market: origin.market.clone(),
            bot_type: origin.bot_type.clone(),
            ts_ms,
            side: side.to_owned(),
            price,
            quantity,
            fee: decimal("fee")?,
            liquidity: clip(text("liquidity")),
            order_id,
            trade_id: Some(clip(text("trade_id"))).filter(|t| !t.is_empty()),
            position: clip(text("position")),
        })
    }

    /// What makes the fill unique within its launch: the venue's trade id, else the line's
    /// time, order, quantity, price and the position after it (two partial fills of one order
    /// in one millisecond leave different positions).
    pub fn key(&self) -> String {
        match &self.trade_id {
            Some(t) => format!("trade/{t}"),
            None => format!(
                "line/{}/{}/{}/{}/{}",
                self.ts_ms, self.order_id, self.quantity, self.price, self.position
            ),
        }
    }

    /// price * quantity, in quote units (`None` on overflow).
    pub fn notional(&self) -> Option<Decimal> {
        let p: Decimal = self.price.parse().ok()?;
        let q: Decimal = self.quantity.parse().ok()?;
        p.checked_mul(q)
    }
}

fn clip(s: &str) -> String {
    s.chars().take(MAX_TEXT).collect()
}

/// Stores `fill` unless its launch already has it. Returns whether a row was added.
pub async fn record(pool: &SqlitePool, fill: &Fill) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "INSERT OR IGNORE INTO fills (bot_id, launch_id, wallet, market, bot_type, ts_ms, side, \
         price, quantity, fee, liquidity, order_id, trade_id, fill_key) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&fill.bot_id)
    .bind(&fill.launch_id)
    .bind(&fill.wallet)
    .bind(&fill.market)
    .bind(&fill.bot_type)
    .bind(fill.ts_ms)
    .bind(&fill.side)
    .bind(&fill.price)
    .bind(&fill.quantity)
    .bind(&fill.fee)
    .bind(&fill.liquidity)
    .bind(&fill.order_id)
    .bind(&fill.trade_id)
    .bind(fill.key())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which fills to read: `None` fields mean any; `from_ms` inclusive, `to_ms` exclusive (Unix
/// ms); newest first, `limit` rows after skipping `offset`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub wallet: Option<String>,
    pub market: Option<String>,
    pub bot_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// The fills matching `f`, newest first.
pub async fn query(pool: &SqlitePool, f: &Filter) -> anyhow::Result<Vec<Fill>> {
    let mut q = QueryBuilder::<Sqlite>::new(
        "SELECT bot_id, launch_id, wallet, market, bot_type, ts_ms, side, price, quantity, fee, \
         liquidity, order_id, trade_id FROM fills WHERE 1 = 1",
    );
    if let Some(w) = &f.wallet {
        q.push(" AND wallet = ").push_bind(w.clone());
    }
    if let Some(m) = &f.market {
        q.push(" AND market = ").push_bind(m.clone());
    }
    if let Some(b) = &f.bot_id {
        q.push(" AND bot_id = ").push_bind(b.clone());
    }
    if let Some(t) = f.from_ms {
        q.push(" AND ts_ms >= ").push_bind(t);
    }
    if let Some(t) = f.to_ms {
        q.push(" AND ts_ms < ").push_bind(t);
    }
    q.push(" ORDER BY ts_ms DESC, id DESC LIMIT ")
        .push_bind(f.limit)
        .push(" OFFSET ")
        .push_bind(f.offset);
    let rows = q.build().fetch_all(pool).await?;
    rows.iter().map(row_fill).collect()
}

fn row_fill(r: &sqlx::sqlite::SqliteRow) -> anyhow::Result<Fill> {
    Ok(Fill {
        bot_id: r.try_get("bot_id")?,
        launch_id: r.try_get("launch_id")?,
        wallet: r.try_get("wallet")?,
        market: r.try_get("market")?,
        bot_type: r.try_get("bot_type")?,
        ts_ms: r.try_get("ts_ms")?,
        side: r.try_get("side")?,
        price: r.try_get("price")?,
        quantity: r.try_get("quantity")?,
        fee: r.try_get("fee")?,
        liquidity: r.try_get("liquidity")?,
        order_id: r.try_get("order_id")?,
        trade_id: r.try_get("trade_id")?,
        position: String::new(),
    })
}

/// One fill reduced to what the portfolio sums: (bot, wallet, ts_ms, notional, fee).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub bot_id: String,
    pub wallet: String,
    pub ts_ms: i64,
    /// price * quantity (quote units).
    pub notional: Decimal,
    /// Quote units; negative: a rebate.
    pub fee: Decimal,
}

/// Every fill since `since_ms` (inclusive; `0`: all), as [`Flow`]s. A stored row whose
/// decimals no longer parse (a hand-edited database) is left out with a log line.
pub async fn flows(pool: &SqlitePool, since_ms: i64) -> anyhow::Result<Vec<Flow>> {
    let rows = sqlx::query(
        "SELECT bot_id, wallet, ts_ms, price, quantity, fee FROM fills WHERE ts_ms >= ?",
    )
    .bind(since_ms)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (price, quantity, fee): (String, String, String) = (
            r.try_get("price")?,
            r.try_get("quantity")?,
            r.try_get("fee")?,
        );
        let notional = price
            .parse::<Decimal>()
            .ok()
            .zip(quantity.parse::<Decimal>().ok())
            .and_then(|(p, q)| p.checked_mul(q));
        match (notional, fee.parse::<Decimal>()) {
            (Some(notional), Ok(fee)) => out.push(Flow {
                bot_id: r.try_get("bot_id")?,
                wallet: r.try_get("wallet")?,
                ts_ms: r.try_get("ts_ms")?,
                notional,
                fee,
            }),
            _ => tracing::warn!("a stored fill does not parse as decimals; left out of sums"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
