//! The engine is the truth. Whenever the dashboard may have missed something (after every
//! (re)subscription to the engine's event stream, at recovery) it lists this stack's managed
//! containers and rebuilds its view from them: a container it does not know is adopted, a
//! bot it shows running whose container is gone or no longer running is ended like any
//! other run, by the table of `ending` (a crash is relaunched, an outside stop stays stopped),
//! and a container its bot left behind (a clean-up that could not reach the engine) is
//! removed and its launch's token revoked.

use std::collections::HashSet;
use std::time::Duration;

use super::ending::{Next, Seen, Verdict};
use super::manager::{BotManager, Counters};
use super::plan::Labels;
use super::state::{now_ms, BotState};
use super::supervision::{AfterCrash, RestartPolicy};
use crate::audit;
use crate::domain::BotId;
use crate::runtime::{ContainerInfo, ContainerRuntime, RuntimeError};
use crate::vault::SecretsBroker;

/// Audit action of a bot stopped outside the dashboard (`docker stop`).
pub const AUDIT_STOPPED_OUTSIDE: &str = "bot_stopped_outside";
/// Audit action of any other run that ended without the dashboard asking.
pub const AUDIT_ENDED: &str = "bot_ended";

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// Lists this stack's managed containers and brings the registry in line: adopts the
    /// unknown ones, ends the runs whose container stopped or vanished unseen. Returns how
    /// many containers it adopted. `seen` says when the endings it finds happened.
    pub async fn reconcile(&self, seen: Seen) -> Result<usize, RuntimeError> {
        let ours: Vec<(ContainerInfo, Labels)> = self
            .inner
            .runtime
            .list_managed()
            .await?
            .into_iter()
            .filter_map(|c| match Labels::parse(&c.labels) {
                Ok(l) if l.stack == self.inner.cfg.stack => Some((c, l)),
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(container = %c.id, error = %e, "not adopting a container");
                    None
                }
            })
            .collect();
        let up: HashSet<&str> = ours
            .iter()
            .filter(|(c, _)| c.state == "running")
            .map(|(c, _)| c.id.as_str())
            .collect();
        let lost = self.registry().with(|bots| {
            bots.values()
                .filter(|b| b.state == BotState::Running)
                .filter_map(|b| b.container_id.clone())
                .filter(|c| !up.contains(c.as_str()))
                .collect::<Vec<_>>()
        });
        for container in lost {
            // Started since the list was taken (a relaunch): it is up, leave it.
            let now = self.inner.runtime.inspect(&container).await;
            if now.is_ok_and(|i| i.state == "running") {
                continue;
            }
            self.on_end(&container, seen).await;
        }
        for (c, labels) in &ours {
            if self.is_stray(labels) {
                self.remove_stray(c, labels).await;
            }
        }
        let mut adopted = 0;
        for (c, labels) in ours {
            if self.registry().find(labels.who.bot_id.as_str()).is_none() {
                self.adopt(&c, labels, seen).await;
                adopted += 1;
            }
        }
        Ok(adopted)
    }

    /// A container of a known bot that is not the bot's current run: its bot is `stopped` or
    /// `failed`, or has moved on to another launch. A start or stop whose clean-up could not
    /// reach the engine (the proxy down at that moment) leaves one behind.
    fn is_stray(&self, labels: &Labels) -> bool {
        self.registry()
            .read(&labels.who.bot_id, |b| {
                let current = b.launch.as_ref().map(|l| &l.launch_id) == Some(&labels.launch_id);
                !current || matches!(b.state, BotState::Stopped | BotState::Failed)
            })
            .unwrap_or(false)
    }

    /// Removes a stray container and revokes its launch's token (its run was already ended
    /// and archived when its bot left it).
    async fn remove_stray(&self, c: &ContainerInfo, labels: &Labels) {
        let bot_id = &labels.who.bot_id;
        tracing::warn!(%bot_id, container = %c.id, state = %c.state, "removing a container its bot left behind");
        if let Err(e) = self.inner.runtime.remove(&c.id, true).await {
            tracing::warn!(error = %e, container = %c.id, "cannot remove a stray container yet");
        }
        let launch = self.inner.store.launch(labels.launch_id.as_ref()).await;
        if let Ok(Some(l)) = launch {
            if !l.accessor.is_empty() {
                self.revoke(&l.accessor).await;
            }
        }
    }

    /// The container of a running bot ended without the dashboard asking: the run is ended
    /// and the table's row decides what comes next. A bot not `running` on that container
    /// (being started or stopped, or already handled) is left to whoever handles it.
    pub(super) async fn on_end(&self, container_id: &str, seen: Seen) {
        let claimed = self.registry().with(|bots| {
            let bot = bots.values_mut().find(|b| {
                b.container_id.as_deref() == Some(container_id) && b.state == BotState::Running
            })?;
            bot.state = BotState::Starting;
            bot.reason = Some("ended; recording why".into());
            Some((bot.who.bot_id.clone(), bot.ready_ms))
        });
        let Some((bot_id, ready_ms)) = claimed else {
            return;
        };
        let verdict = self.end_classified(&bot_id, container_id, seen, None).await;
        self.audit_ending(&bot_id, &verdict).await;
        tracing::warn!(%bot_id, kind = verdict.ending.kind(), says = %verdict.says, "bot ended");
        match verdict.next {
            Next::StayStopped => self.registry().update(&bot_id, |b| {
                b.state = BotState::Stopped;
                b.reason = Some(verdict.says.clone());
                b.container_id = None;
                b.ended = Some(verdict);
            }),
            Next::Fail => {
                Counters::bump(&self.inner.counters.crashes);
                let says = verdict.says.clone();
                self.registry().update(&bot_id, |b| b.ended = Some(verdict));
                self.fail(&bot_id, &says);
            }
            Next::Restart => {
                Counters::bump(&self.inner.counters.crashes);
                self.after_crash(&bot_id, ready_ms, verdict);
            }
        }
    }

    /// Supervision after a crash: a delayed relaunch (its start-up cancels every resting
    /// order), or `failed` once the restart budget is spent.
    fn after_crash(&self, bot_id: &BotId, ready_ms: Option<i64>, verdict: Verdict) {
        let cfg = &self.inner.cfg;
        let policy = RestartPolicy::new(cfg.restart_max, cfg.restart_base);
        let ran_for =
            ready_ms.map(|r| Duration::from_millis(u64::try_from(now_ms() - r).unwrap_or(0)));
        let says = verdict.says.clone();
        let reason_of = |d| policy.describe(&says, d);
        let decision = self.registry().with(|bots| {
            let b = bots.get_mut(bot_id)?;
            let (restarts, decision) = policy.after_crash(b.restarts, ran_for);
            b.restarts = restarts;
            b.container_id = None;
            b.reason = Some(reason_of(decision));
            b.ended = Some(verdict);
            Some(decision)
        });
        let Some(decision) = decision else { return };
        let AfterCrash::Restart { attempt, delay } = decision else {
            self.fail(bot_id, &reason_of(decision));
            return;
        };
        tracing::warn!(%bot_id, attempt, delay_ms = delay.as_millis() as u64, "restarting a crashed bot");
        let me = self.clone();
        let bot_id = bot_id.clone();
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

    /// One audit row per run that ended without the dashboard asking (actor `engine`).
    async fn audit_ending(&self, bot_id: &BotId, v: &Verdict) {
        let action = match v.ending {
            super::ending::Ending::StoppedOutside => AUDIT_STOPPED_OUTSIDE,
            _ => AUDIT_ENDED,
        };
        let entry = audit::Entry {
            actor: "engine",
            action,
            target: bot_id.as_str(),
            ip: None,
            details: serde_json::json!({
                "kind": v.ending.kind(),
                "exit_code": v.exit_code,
                "seen": v.seen,
                "next": v.next,
                "says": v.says,
            }),
            result: audit::Outcome::Ok,
        };
        if let Err(e) = audit::record(self.inner.store.pool(), entry).await {
            tracing::error!(error = %e, %bot_id, "cannot audit a bot's ending");
        }
    }
}
