//! The `presets` table: save (new, or replace when asked), list per market, find by name,
//! remove. Every function takes already validated input ([`ValidPreset`]).

use serde::Serialize;
use serde_json::{json, Value};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use super::ValidPreset;

/// A stored preset, as the API lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preset {
    pub id: i64,
    pub name: String,
    pub market: String,
    pub bot_type: String,
    /// A JSON object, as it was checked when saved.
    pub params: Value,
    pub created_by: String,
    /// Unix ms.
    pub created_ms: i64,
    /// Unix ms of the last save (the creation, or the last replacement).
    pub updated_ms: i64,
}

impl Preset {
    /// The audit details of a removal: what was removed, parameters included.
    pub fn details(&self) -> Value {
        json!({
            "id": self.id, "name": self.name, "market": self.market,
            "bot_type": self.bot_type, "params": self.params,
        })
    }
}

/// How a save ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// A new preset, with its id.
    Created(i64),
    /// The market's preset of that name was replaced (`overwrite: true`); its id.
    Replaced(i64),
    /// That name is taken for that market and `overwrite` was not asked: nothing changed.
    Taken,
}

/// Saves `p` by `by` at `now_ms`. A name taken for the market is [`Saved::Taken`] unless
/// `p.overwrite`, which replaces its bot type and parameters (creator and creation time kept).
pub async fn save(
    pool: &SqlitePool,
    p: &ValidPreset,
    by: &str,
    now_ms: i64,
) -> anyhow::Result<Saved> {
    let params = p.spec.params.to_string();
    let inserted = sqlx::query(
        "INSERT INTO presets (name, market, bot_type, params, created_by, created_ms, updated_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(p.name.as_str())
    .bind(p.spec.market.as_str())
    .bind(p.spec.bot_type.as_str())
    .bind(&params)
    .bind(by)
    .bind(now_ms)
    .bind(now_ms)
    .execute(pool)
    .await;
    match inserted {
        Ok(done) => Ok(Saved::Created(done.last_insert_rowid())),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            if !p.overwrite {
                return Ok(Saved::Taken);
            }
            let id: i64 = sqlx::query_scalar(
                "UPDATE presets SET bot_type = ?, params = ?, updated_ms = ? \
                 WHERE market = ? AND name = ? RETURNING id",
            )
            .bind(p.spec.bot_type.as_str())
            .bind(&params)
            .bind(now_ms)
            .bind(p.spec.market.as_str())
            .bind(p.name.as_str())
            .fetch_one(pool)
            .await?;
            Ok(Saved::Replaced(id))
        }
        Err(e) => Err(e.into()),
    }
}

/// The presets of `market` (every market when `None`), by name.
pub async fn list(pool: &SqlitePool, market: Option<&str>) -> anyhow::Result<Vec<Preset>> {
    let rows = match market {
        Some(m) => {
            sqlx::query("SELECT * FROM presets WHERE market = ? ORDER BY name, id")
                .bind(m)
                .fetch_all(pool)
                .await?
        }
        None => {
            sqlx::query("SELECT * FROM presets ORDER BY market, name, id")
                .fetch_all(pool)
                .await?
        }
    };
    rows.iter().map(row).collect()
}

/// The preset of `market` named `name`, if any.
pub async fn find(pool: &SqlitePool, market: &str, name: &str) -> anyhow::Result<Option<Preset>> {
    let r = sqlx::query("SELECT * FROM presets WHERE market = ? AND name = ?")
        .bind(market)
        .bind(name)
        .fetch_optional(pool)
        .await?;
    r.as_ref().map(row).transpose()
}

/// Removes preset `id`; returns what was removed (`None`: no such preset).
pub async fn remove(pool: &SqlitePool, id: i64) -> anyhow::Result<Option<Preset>> {
    let r = sqlx::query("DELETE FROM presets WHERE id = ? RETURNING *")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    r.as_ref().map(row).transpose()
}

fn row(r: &SqliteRow) -> anyhow::Result<Preset> {
    let params: String = r.try_get("params")?;
    Ok(Preset {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        market: r.try_get("market")?,
        bot_type: r.try_get("bot_type")?,
        params: serde_json::from_str(&params)?,
        created_by: r.try_get("created_by")?,
        created_ms: r.try_get("created_ms")?,
        updated_ms: r.try_get("updated_ms")?,
    })
}
