//! One bot's detail, read once for the JSON API (`GET /api/bots/{id}`) and the bot page
//! (`/bots/{id}`): the live view, its parameters, recent fills, the last runs and the PnL
//! history. The two only differ in how they present it.

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::error::WebError;
use super::AppState;
use crate::bots::BotView;
use crate::store::Run;

/// PnL points read for the chart and the API (newest kept).
const PNL_POINTS: i64 = 500;

/// What is known of one bot. Serialises as the API's detail document:
/// `{bot, params, fills, runs, pnl_history: [{ts_ms, pnl}]}`.
#[derive(Debug, Serialize)]
pub struct BotDetail {
    pub bot: BotView,
    /// The strategy parameters the bot was started with (JSON, as validated at start).
    pub params: Option<Value>,
    /// Recent fills, oldest first, as the bot reported them.
    pub fills: Vec<Value>,
    /// The last runs, newest first.
    pub runs: Vec<Run>,
    /// PnL over time, oldest first: (milliseconds since the epoch, PnL in quote units).
    #[serde(serialize_with = "points")]
    pub pnl_history: Vec<(i64, String)>,
}

impl BotDetail {
    /// Reads bot `id` with its last `runs` runs. `Ok(None)`: no such bot (the caller words
    /// the 404); `Err`: the dashboard's database failed (an opaque 500).
    pub async fn load(app: &AppState, id: &str, runs: i64) -> Result<Option<Self>, WebError> {
        let Some(bot) = app.bots.get(id) else {
            return Ok(None);
        };
        Ok(Some(Self {
            params: app.bots.params(id),
            fills: app.bots.fills(id),
            runs: app.store.runs(id, runs).await?,
            pnl_history: app.store.pnl_history(id, PNL_POINTS).await?,
            bot,
        }))
    }
}

fn points<S: Serializer>(points: &[(i64, String)], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Point<'a> {
        ts_ms: i64,
        pnl: &'a str,
    }
    let mut seq = s.serialize_seq(Some(points.len()))?;
    for (ts_ms, pnl) in points {
        seq.serialize_element(&Point { ts_ms: *ts_ms, pnl })?;
    }
    seq.end()
}
