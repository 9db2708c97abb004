//! The bot page's live log over server-sent events, without duplicates across reconnects.
//! Only the bot's event lines are sent (JSON with `event` and `ts_ms`, docs/BOT_EVENTS.md);
//! each gets the SSE id `"{ts_ms}-{k}"`, `k` counting the earlier lines of the same
//! millisecond, so the id is the event's place in the run's sequence. A browser reconnecting
//! sends `Last-Event-ID` (a page opening a new connection, `?after=<id>`); the new stream reads the last [`HISTORY`] lines again and skips every
//! line up to that id, so history and live never overlap and nothing seen is sent twice.
//! (A reconnect after more than [`HISTORY`] new lines misses the oldest of them.)

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};

use super::error::stream_ended;
use super::AppState;
use crate::auth::Viewer;

/// Lines read back on every (re)connect.
pub const HISTORY: usize = 200;

/// A place in a run's event sequence: (ts_ms, index within that millisecond).
pub type Seq = (i64, u32);

/// Numbers the event lines of one stream in order.
#[derive(Debug, Default)]
pub struct Sequencer {
    last: Option<Seq>,
}

impl Sequencer {
    /// The place of `line`, or `None` for a line that is not a bot event.
    pub fn place(&mut self, line: &str) -> Option<Seq> {
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        v.get("event")?.as_str()?;
        let ts = v.get("ts_ms")?.as_i64()?;
        let seq = match self.last {
            Some((t, k)) if t == ts => (ts, k + 1),
            _ => (ts, 0),
        };
        self.last = Some(seq);
        Some(seq)
    }
}

pub fn format_id(s: Seq) -> String {
    format!("{}-{}", s.0, s.1)
}

/// `"1700000000000-2"` back to its place; `None` for anything else.
pub fn parse_id(id: &str) -> Option<Seq> {
    let (t, k) = id.trim().split_once('-')?;
    Some((t.parse().ok()?, k.parse().ok()?))
}

/// The event lines of `lines` after `resume`, with their ids (pure: unit-tested).
pub fn after<'a>(
    seq: &'a mut Sequencer,
    resume: Option<Seq>,
) -> impl FnMut(String) -> Option<(String, String)> + 'a {
    move |line| {
        let place = seq.place(&line)?;
        if resume.is_some_and(|r| place <= r) {
            return None;
        }
        Some((format_id(place), line))
    }
}

/// `?after=<id>`: where a new connection resumes (a browser's own reconnect sends
/// `Last-Event-ID` instead, which wins).
#[derive(Debug, serde::Deserialize)]
pub struct Resume {
    after: Option<String>,
}

type EventStream = std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>>;

/// `GET /bots/{id}/logs/stream`.
pub async fn stream(
    _: Viewer,
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<Resume>,
    headers: HeaderMap,
) -> Response {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(q.after.as_deref())
        .and_then(parse_id);
    let stream: EventStream = match app.bots.follow_logs(&id, HISTORY) {
        Some(lines) => {
            let mut seq = Sequencer::default();
            Box::pin(lines.filter_map(move |l| {
                let out = match l {
                    Ok(line) => after(&mut seq, resume)(line)
                        .map(|(id, line)| Ok(Event::default().id(id).data(line))),
                    Err(e) => Some(Ok(Event::default().event("gone").data(stream_ended(&e)))),
                };
                std::future::ready(out)
            }))
        }
        None => Box::pin(futures_util::stream::once(async {
            Ok(Event::default()
                .event("gone")
                .data("the bot is not running; its last lines are archived below"))
        })),
    };
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ts: i64, event: &str) -> String {
        format!(r#"{{"v":1,"ts_ms":{ts},"event":"{event}"}}"#)
    }

    #[test]
    fn ids_follow_the_sequence_and_a_resume_skips_what_was_seen() {
        let lines = vec![
            line(10, "ready"),
            "2026-11-30 INFO plain stderr line".to_owned(),
            line(10, "orders_cancelled"),
            line(11, "status"),
            line(12, "status"),
        ];
        let mut seq = Sequencer::default();
        let all: Vec<String> = lines
            .iter()
            .cloned()
            .filter_map(after(&mut seq, None))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(all, ["10-0", "10-1", "11-0", "12-0"]);
        // A reconnect after "10-1": the same history read again yields only what follows.
        let mut seq = Sequencer::default();
        let resumed: Vec<String> = lines
            .into_iter()
            .filter_map(after(&mut seq, parse_id("10-1")))
            .map(|(_, l)| l)
            .collect();
        assert_eq!(resumed, [line(11, "status"), line(12, "status")]);
        assert_eq!(parse_id("x-1"), None);
        assert_eq!(parse_id("5-2"), Some((5, 2)));
    }
}
