//! Watching running bots: their stdout events feed the live state and PnL history; the
//! engine's `die` (and `destroy`) events end runs by the table of `ending`, and every
//! (re)subscription to the event stream is followed by a reconciliation (`reconcile.rs`).

use std::time::Duration;

use futures_util::StreamExt;

use super::ending::Seen;
use super::events::{parse_line, total_pnl, BotEvent};
use super::manager::BotManager;
use super::state::{now_ms, BotState};
use crate::domain::{BotId, LaunchId};
use crate::runtime::{ContainerRuntime, LineStream};
use crate::vault::SecretsBroker;

/// Shortest gap between two PnL points stored for one bot.
const PNL_POINT_EVERY_MS: i64 = 5_000;
/// Pause before following a bot's stdout again after the stream broke.
const REFOLLOW_AFTER: Duration = Duration::from_secs(1);
/// Pause before subscribing to the engine's events again.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);
/// A subscription that has not failed within this long is taken as established.
const SUBSCRIBED_AFTER: Duration = Duration::from_millis(300);

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// Follows a running bot's events into its live state and PnL history, for as long as
    /// the bot stays on `launch_id` in `container`. When the stream breaks (the proxy went
    /// away) it follows again, from new lines, while the bot still runs there.
    pub(super) fn spawn_watcher(
        &self,
        bot_id: BotId,
        launch_id: LaunchId,
        container: String,
        mut lines: LineStream,
    ) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut last_point = 0i64;
            let current = |me: &Self| {
                me.registry()
                    .read(&bot_id, |b| {
                        b.launch.as_ref().map(|l| &l.launch_id) == Some(&launch_id)
                            && b.container_id.as_deref() == Some(container.as_str())
                    })
                    .unwrap_or(false)
            };
            loop {
                while let Some(Ok(line)) = lines.next().await {
                    if !current(&me) {
                        return;
                    }
                    me.on_line(&bot_id, &launch_id, &line, &mut last_point)
                        .await;
                }
                tokio::time::sleep(REFOLLOW_AFTER).await;
                let running = me
                    .registry()
                    .read(&bot_id, |b| b.state == BotState::Running)
                    .unwrap_or(false);
                if !running || !current(&me) {
                    return;
                }
                lines = me.inner.runtime.follow_stdout(&container, false);
            }
        });
    }

    /// One stdout line of a running bot.
    async fn on_line(&self, bot_id: &BotId, launch: &LaunchId, line: &str, last_point: &mut i64) {
        match parse_line(line) {
            Some(BotEvent::Status(v)) => self.on_status(bot_id, launch, v, last_point).await,
            Some(BotEvent::Error { class, message }) => {
                self.registry().update(bot_id, |b| {
                    b.reason = Some(format!("{class}: {message}"));
                });
            }
            Some(BotEvent::RiskHalt { rule, message }) => {
                self.registry().update(bot_id, |b| {
                    b.reason = Some(halt_reason(&rule, &message));
                });
            }
            Some(BotEvent::Fill(v)) => {
                self.record_fill(bot_id, launch, &v).await;
                self.registry().update(bot_id, |b| b.keep_fill(v));
            }
            _ => {}
        }
    }

    /// A status event: live state now, a PnL point at most every [`PNL_POINT_EVERY_MS`].
    async fn on_status(
        &self,
        bot_id: &BotId,
        launch: &LaunchId,
        status: serde_json::Value,
        last_point: &mut i64,
    ) {
        let pnl = total_pnl(&status);
        let position = status
            .get("position")
            .and_then(|p| p.as_str())
            .map(str::to_owned);
        self.registry().update(bot_id, |b| {
            b.pnl.clone_from(&pnl);
            b.last_status = Some(status);
        });
        let now = now_ms();
        if let Some(pnl) = pnl {
            if now - *last_point >= PNL_POINT_EVERY_MS {
                *last_point = now;
                let _ = self
                    .inner
                    .store
                    .add_pnl_point(
                        bot_id.as_str(),
                        Some(launch.as_str()),
                        now,
                        &pnl,
                        position.as_deref(),
                    )
                    .await;
            }
        }
    }

    /// Watches the engine's events for ended containers, for as long as the process runs.
    /// After every (re)subscription it reconciles with the engine's list, so a death missed
    /// while the stream was down (the proxy restarting) is found within seconds of it coming
    /// back.
    pub fn spawn_event_watch(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                me.watch_events_once().await;
                tokio::time::sleep(RESUBSCRIBE_AFTER).await;
            }
        })
    }

    /// One subscription: subscribe, reconcile, then handle events until the stream breaks.
    async fn watch_events_once(&self) {
        let mut events = self.inner.runtime.events();
        // The first poll sends the subscription; an answer at once is the proxy refusing.
        let first = match tokio::time::timeout(SUBSCRIBED_AFTER, events.next()).await {
            Ok(None) => return,
            Ok(Some(Err(e))) => {
                tracing::debug!(error = %e, "Docker events not available yet");
                return;
            }
            Ok(Some(Ok(e))) => Some(e),
            Err(_) => None,
        };
        if let Err(e) = self.reconcile(Seen::AfterGap).await {
            tracing::warn!(error = %e, "cannot reconcile with the engine; subscribing again");
            return;
        }
        let mut next = first.map(Ok);
        loop {
            let event = match next.take() {
                Some(e) => Some(e),
                None => events.next().await,
            };
            match event {
                Some(Ok(e)) if e.action == "die" || e.action == "destroy" => {
                    self.on_end(&e.id, Seen::Live).await;
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => {
                    tracing::warn!(error = %err, "Docker events interrupted");
                    return;
                }
                None => {
                    tracing::warn!("Docker events ended");
                    return;
                }
            }
        }
    }
}

/// The reason a risk-halted bot shows: which limit, the bot's sentence, and what to do.
fn halt_reason(rule: &str, message: &str) -> String {
    format!(
        "halted by the risk limit {rule}: {message}. It has cancelled its orders and quotes no \
         more; Stop it (or Restart it once the cause is dealt with)."
    )
}
