//! Stopping bots: one (SIGTERM, grace period, teardown), a restart (stop, then launch on the
//! same identity), the kill switch, and the rolling restart of one wallet's bots.

use super::ending::{Seen, Verdict};
use super::error::runtime_failure;
use super::manager::{short, BotManager};
use super::registry::occupant;
use super::state::{BotState, BotView};
use super::LifecycleError;
use crate::domain::BotId;
use crate::domain::WalletId;
use crate::runtime::ContainerRuntime;
use crate::vault::SecretsBroker;

/// One bot's result in a kill-all or rolling restart.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StopResult {
    pub bot_id: String,
    pub ok: bool,
    pub message: String,
}

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// The id of the bot named `raw`, or `NotFound`.
    fn known(&self, raw: &str) -> Result<BotId, LifecycleError> {
        self.registry()
            .find(raw)
            .ok_or_else(|| LifecycleError::NotFound(format!("no bot {}", short(raw))))
    }

    /// SIGTERM (the bot cancels its orders), grace period, remove, revoke, archive.
    #[tracing::instrument(skip(self))]
    pub async fn stop(&self, bot_id: &str, operator: &str) -> Result<BotView, LifecycleError> {
        let id = self.known(bot_id)?;
        self.stop_bot(&id, operator).await
    }

    /// [`Self::stop_steps`] in a task of its own, so it runs to its end whatever happens to
    /// the caller: a browser that reloads or closes its tab drops its request's future, and a
    /// stop dropped after its SIGTERM left the bot `stopping` for ever (seen on the devnet
    /// stack: a live bot takes about a second to cancel its orders).
    async fn stop_bot(&self, bot_id: &BotId, operator: &str) -> Result<BotView, LifecycleError> {
        let (this, id, op) = (self.clone(), bot_id.clone(), operator.to_owned());
        detached(async move { this.stop_steps(&id, &op).await }).await
    }

    async fn stop_steps(&self, bot_id: &BotId, operator: &str) -> Result<BotView, LifecycleError> {
        let container = self.registry().with(|bots| {
            let b = bots
                .get_mut(bot_id)
                .ok_or_else(|| LifecycleError::NotFound(format!("no bot {bot_id}")))?;
            match b.state {
                BotState::Running | BotState::Starting => {
                    b.state = BotState::Stopping;
                    b.reason = Some(format!("stopping (asked by {operator})"));
                    Ok(b.container_id.clone())
                }
                BotState::Stopping => Err(LifecycleError::Conflict(format!(
                    "bot {bot_id} is already stopping"
                ))),
                BotState::Stopped | BotState::Failed => Err(LifecycleError::Conflict(format!(
                    "bot {bot_id} is not running"
                ))),
            }
        })?;
        let (reason, ended) = match container {
            Some(id) => {
                let v = self.stop_container(bot_id, &id, operator).await?;
                (v.says.clone(), Some(v))
            }
            None => {
                // Between crash restarts: no container; cancel the pending restart.
                let accessor = self
                    .registry()
                    .read(bot_id, |b| {
                        b.launch.as_ref().and_then(|l| l.accessor.clone())
                    })
                    .flatten();
                if let Some(accessor) = accessor {
                    self.revoke(&accessor).await;
                }
                (format!("stopped by {operator} before it was running"), None)
            }
        };
        self.registry().update(bot_id, |b| {
            b.state = BotState::Stopped;
            b.reason = Some(reason);
            b.container_id = None;
            if ended.is_some() {
                b.ended = ended;
            }
        });
        self.registry()
            .read(bot_id, |b| b.view())
            .ok_or_else(|| LifecycleError::NotFound(format!("no bot {bot_id}")))
    }

    /// Stops and tears down the bot's container; when the engine refuses, the bot stays
    /// `running` with the reason.
    async fn stop_container(
        &self,
        bot_id: &BotId,
        container: &str,
        operator: &str,
    ) -> Result<Verdict, LifecycleError> {
        let grace = self.inner.cfg.stop_grace_secs;
        if let Err(e) = self.inner.runtime.stop(container, grace).await {
            let reason = format!("stop failed: {e}");
            self.registry().update(bot_id, |b| {
                b.state = BotState::Running;
                b.reason = Some(reason);
            });
            let reason = format!("bot {bot_id} could not be stopped: {e}");
            return Err(runtime_failure(e, reason, LifecycleError::StopFailed));
        }
        Ok(self
            .end_classified(bot_id, container, Seen::Live, Some(operator))
            .await)
    }

    /// Stops the bot if it runs, then starts it again with the same wallet, market and params.
    /// A stopped or failed bot is started again, unless its (wallet, market) is busy meanwhile.
    /// Runs in a task of its own like a stop (a dropped restart would be half-started).
    pub async fn restart(&self, bot_id: &str, operator: &str) -> Result<BotView, LifecycleError> {
        let id = self.known(bot_id)?;
        let (this, op) = (self.clone(), operator.to_owned());
        detached(async move { this.restart_steps(id, &op).await }).await
    }

    async fn restart_steps(&self, id: BotId, operator: &str) -> Result<BotView, LifecycleError> {
        let state = self
            .registry()
            .read(&id, |b| b.state)
            .ok_or_else(|| LifecycleError::NotFound(format!("no bot {id}")))?;
        if matches!(state, BotState::Running | BotState::Starting) {
            self.stop_steps(&id, operator).await?;
        } else if state == BotState::Stopping {
            return Err(LifecycleError::Conflict(format!(
                "bot {id} is stopping; restart it once it has stopped"
            )));
        }
        self.registry().with(|bots| {
            let b = bots
                .get(&id)
                .ok_or_else(|| LifecycleError::NotFound(format!("no bot {id}")))?;
            if let Some(other) = occupant(bots, &b.who.wallet, &b.who.market, Some(&id)) {
                return Err(LifecycleError::Conflict(format!(
                    "wallet {} meanwhile runs bot {} on {}: stop it first",
                    b.who.wallet,
                    other.who.bot_id,
                    b.who.market.as_str()
                )));
            }
            if let Some(b) = bots.get_mut(&id) {
                b.state = BotState::Starting;
                b.restarts = 0;
                b.reason = Some(format!("restart asked by {operator}"));
            }
            Ok(())
        })?;
        self.launch(&id).await.result
    }

    /// Kill switch: stops every active bot concurrently and reports each result.
    pub async fn stop_all(&self, operator: &str) -> Vec<StopResult> {
        super::manager::Counters::bump(&self.inner.counters.kill_switches);
        let ids = self
            .registry()
            .ids_where(|b| matches!(b.state, BotState::Running | BotState::Starting));
        let stops = ids.iter().map(|id| async move {
            let r = self.stop_bot(id, operator).await;
            StopResult {
                bot_id: id.to_string(),
                ok: r.is_ok(),
                message: match r {
                    Ok(v) => v.reason.unwrap_or_default(),
                    Err(e) => e.to_string(),
                },
            }
        });
        futures_util::future::join_all(stops).await
    }

    /// Restarts one wallet's running bots one at a time, each confirmed ready before the next
    /// (after a key rotation they load the new key version). Stops at the first failure: the
    /// next bots keep running on the old key rather than all failing.
    pub async fn rolling_restart(&self, wallet: &WalletId, operator: &str) -> Vec<StopResult> {
        let ids = self
            .registry()
            .ids_where(|b| &b.who.wallet == wallet && b.state == BotState::Running);
        let mut results = Vec::new();
        for id in ids {
            let result = match self.stop_bot(&id, operator).await {
                Err(e) => Err(e),
                Ok(_) => {
                    self.registry().update(&id, |b| {
                        b.state = BotState::Starting;
                        b.restarts = 0;
                        b.reason = Some(format!("rolling restart by {operator}"));
                    });
                    self.launch(&id).await.result
                }
            };
            let ok = result.is_ok();
            results.push(StopResult {
                bot_id: id.to_string(),
                ok,
                message: match result {
                    Ok(_) => "restarted and ready".into(),
                    Err(e) => e.to_string(),
                },
            });
            if !ok {
                break;
            }
        }
        results
    }
}

/// Runs a lifecycle step to its end in its own task and returns its result; a panic in it is
/// passed on, and a runtime shutting down (the only other way a task ends early) is a failed
/// step with that reason.
async fn detached<T: Send + 'static>(
    step: impl std::future::Future<Output = Result<T, LifecycleError>> + Send + 'static,
) -> Result<T, LifecycleError> {
    match tokio::spawn(step).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(LifecycleError::StopFailed(
            "the dashboard is shutting down".to_owned(),
        )),
    }
}
