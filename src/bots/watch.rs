//! Watching running bots: their stdout events feed the live state and PnL history; the
//! engine's `die` events are crashes, which supervision (`supervision.rs`) turns into a
//! delayed restart or a failed bot.

use std::time::Duration;

use futures_util::StreamExt;

use super::events::{parse_line, total_pnl, BotEvent};
use super::manager::{BotManager, Counters};
use super::state::{now_ms, BotState};
use super::supervision::{AfterCrash, RestartPolicy};
use super::teardown::{exit_code_text, Outcome};
use crate::domain::{BotId, LaunchId};
use crate::runtime::{ContainerRuntime, LineStream};
use crate::vault::SecretsBroker;

/// Shortest gap between two PnL points stored for one bot.
const PNL_POINT_EVERY_MS: i64 = 5_000;

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// Follows a running bot's events into its live state and PnL history, for as long as
    /// the bot stays on `launch_id`.
    pub(super) fn spawn_watcher(&self, bot_id: BotId, launch_id: LaunchId, mut lines: LineStream) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut last_point = 0i64;
            while let Some(Ok(line)) = lines.next().await {
                let current = me
                    .registry()
                    .read(&bot_id, |b| {
                        b.launch.as_ref().map(|l| &l.launch_id) == Some(&launch_id)
                    })
                    .unwrap_or(false);
                if !current {
                    return;
                }
                match parse_line(&line) {
                    Some(BotEvent::Status(v)) => me.on_status(&bot_id, v, &mut last_point).await,
                    Some(BotEvent::Error { class, message }) => {
                        me.registry().update(&bot_id, |b| {
                            b.reason = Some(format!("{class}: {message}"));
                        });
                    }
                    Some(BotEvent::Fill(v)) => me.registry().update(&bot_id, |b| b.keep_fill(v)),
                    _ => {}
                }
            }
        });
    }

    /// A status event: live state now, a PnL point at most every [`PNL_POINT_EVERY_MS`].
    async fn on_status(&self, bot_id: &BotId, status: serde_json::Value, last_point: &mut i64) {
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
                    .add_pnl_point(bot_id.as_str(), now, &pnl, position.as_deref())
                    .await;
            }
        }
    }

    /// Watches Docker events for crashes, for as long as the process runs; resubscribes when the
    /// proxy goes away and comes back.
    pub fn spawn_event_watch(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                let mut events = me.inner.runtime.events();
                while let Some(event) = events.next().await {
                    match event {
                        Ok(e) if e.action == "die" => me.on_die(&e.id).await,
                        Ok(_) => {}
                        Err(err) => {
                            tracing::warn!(error = %err, "Docker events interrupted");
                            break;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        })
    }

    /// A container died. If its bot was running (not being stopped or started), it crashed:
    /// the run is archived and supervision decides between a restart and giving up.
    async fn on_die(&self, container_id: &str) {
        let crashed = self.registry().with(|bots| {
            let bot = bots.values_mut().find(|b| {
                b.container_id.as_deref() == Some(container_id) && b.state == BotState::Running
            })?;
            bot.state = BotState::Starting;
            bot.reason = Some("crashed; recording why".into());
            Some((bot.who.bot_id.clone(), bot.ready_ms))
        });
        let Some((bot_id, ready_ms)) = crashed else {
            return;
        };
        Counters::bump(&self.inner.counters.crashes);
        let crash = self
            .end_run(&bot_id, container_id, Outcome::Crashed, |code| {
                format!("crashed with exit code {}", exit_code_text(code))
            })
            .await;
        let cfg = &self.inner.cfg;
        let policy = RestartPolicy::new(cfg.restart_max, cfg.restart_base);
        let ran_for =
            ready_ms.map(|r| Duration::from_millis(u64::try_from(now_ms() - r).unwrap_or(0)));
        let decision = self.registry().with(|bots| {
            let b = bots.get_mut(&bot_id)?;
            let (restarts, decision) = policy.after_crash(b.restarts, ran_for);
            b.restarts = restarts;
            b.container_id = None;
            Some(decision)
        });
        let Some(decision) = decision else { return };
        let reason = policy.describe(&crash, decision);
        let AfterCrash::Restart { attempt, delay } = decision else {
            self.fail(&bot_id, &reason);
            return;
        };
        self.registry().update(&bot_id, |b| b.reason = Some(reason));
        tracing::warn!(%bot_id, attempt, delay_ms = delay.as_millis() as u64, %crash, "bot crashed; restarting");
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            // A stop meanwhile cancels the restart.
            let still = me
                .registry()
                .read(&bot_id, |b| b.state == BotState::Starting)
                .unwrap_or(false);
            if still {
                let _ = me.launch(&bot_id).await;
            }
        });
    }
}
