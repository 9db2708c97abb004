//! Teardown: how a run ends, whatever ended it (a stop, a crash, a failed start, recovery).
//! The container is read (exit code, last lines), removed, its token revoked and the run
//! archived; nothing of a run outlives it.

use super::ending::{Evidence, Next, Seen, Verdict};
use super::events::{parse_line, BotEvent};
use super::manager::BotManager;
use super::state::now_ms;
use crate::domain::BotId;
use crate::runtime::{ContainerRuntime, RuntimeError};
use crate::store::Run;
use crate::vault::SecretsBroker;

/// Lines archived when a run ends.
const ARCHIVED_LINES: usize = 200;

/// How a run ended, as archived (`runs.outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stopped,
    Crashed,
    /// It never became ready.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::Crashed => "crashed",
            Self::Failed => "failed",
        }
    }
}

/// An exit code in words ("137", or "unknown" when the engine did not say).
pub fn exit_code_text(code: Option<i64>) -> String {
    code.map_or_else(|| "unknown".into(), |c| c.to_string())
}

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// Marks the bot failed with `reason` (logged once here).
    pub(super) fn fail(&self, bot_id: &BotId, reason: &str) {
        tracing::warn!(%bot_id, reason, "bot failed");
        self.registry().update(bot_id, |b| b.fail(reason));
    }

    /// Revokes a bot token by accessor. A missed revoke is covered by the token's short TTL
    /// and use count; it is logged loudly.
    pub(super) async fn revoke(&self, accessor: &str) {
        if let Err(e) = self.inner.broker.revoke(accessor).await {
            tracing::error!(error = %e, "cannot revoke a bot token (it expires on its own)");
        }
    }

    /// Ends a run: exit code and last lines read, container removed, token revoked, run
    /// archived. Returns the reason built by `reason(exit_code)` (plus an out-of-memory note).
    pub(super) async fn end_run(
        &self,
        bot_id: &BotId,
        container_id: &str,
        outcome: Outcome,
        reason: impl FnOnce(Option<i64>) -> String,
    ) -> String {
        let remains = self.collect(container_id).await;
        let mut reason = reason(remains.evidence.exit_code);
        if remains.evidence.oom_killed {
            reason.push_str(" (killed: out of memory)");
        }
        self.close_run(bot_id, outcome, &remains, reason.clone())
            .await;
        reason
    }

    /// Ends a run that was up: stopped by `by_operator`, or ended unasked (found by a `die`
    /// event, a reconciliation or at recovery). The evidence is read, the row of the table
    /// ([`Verdict`]) chosen, and the run archived with what the page says.
    pub(super) async fn end_classified(
        &self,
        bot_id: &BotId,
        container_id: &str,
        seen: Seen,
        by_operator: Option<&str>,
    ) -> Verdict {
        let mut remains = self.collect(container_id).await;
        remains.evidence.by_operator = by_operator.map(str::to_owned);
        let verdict = Verdict::of(&remains.evidence, seen);
        let outcome = match verdict.next {
            Next::StayStopped => Outcome::Stopped,
            Next::Restart | Next::Fail => Outcome::Crashed,
        };
        self.close_run(bot_id, outcome, &remains, verdict.says.clone())
            .await;
        verdict
    }

    /// Reads what an ended container left (exit code, OOM flag, last lines, the bot's own
    /// `stopped` event), then removes it.
    async fn collect(&self, container_id: &str) -> Remains {
        let rt = &self.inner.runtime;
        let info = rt.inspect(container_id).await;
        // `docker rm -f` marks the container as being removed before it kills it: its `die`
        // finds it `removing` (or already gone, or `dead` when the removal failed half-way),
        // never merely exited; that is a removal from outside, not a SIGKILL.
        let gone = match &info {
            Err(RuntimeError::NotFound) => true,
            Ok(i) => matches!(i.state.as_str(), "removing" | "dead"),
            Err(_) => false,
        };
        let info = info.ok();
        let last_logs = rt
            .tail_logs(container_id, ARCHIVED_LINES)
            .await
            .unwrap_or_default();
        let _ = rt.remove(container_id, true).await;
        let stopped_event = last_logs.iter().rev().find_map(|l| match parse_line(l) {
            Some(BotEvent::Stopped { reason }) => Some(reason),
            _ => None,
        });
        Remains {
            evidence: Evidence {
                exit_code: info.as_ref().and_then(|i| i.exit_code),
                oom_killed: info.as_ref().is_some_and(|i| i.oom_killed),
                gone,
                stopped_event,
                by_operator: None,
            },
            last_logs,
        }
    }

    /// Revokes the run's token and archives the run with `reason`.
    async fn close_run(&self, bot_id: &BotId, outcome: Outcome, remains: &Remains, reason: String) {
        let Some((view, accessor)) = self.registry().read(bot_id, |b| {
            (b.view(), b.launch.as_ref().and_then(|l| l.accessor.clone()))
        }) else {
            return;
        };
        if let Some(accessor) = accessor {
            self.revoke(&accessor).await;
        }
        // A run that ended before its first status has no PnL of its own: the status on show
        // is the previous run's, archived with that run already.
        let final_pnl =
            super::state::status_of_run(view.started_ms, view.last_status.as_ref()).and(view.pnl);
        let run = Run {
            bot_id: view.bot_id,
            launch_id: view.launch_id,
            wallet: view.wallet,
            market: view.market,
            bot_type: view.bot_type,
            operator: view.operator,
            started_ms: view.started_ms,
            ended_ms: now_ms(),
            outcome: outcome.as_str().to_owned(),
            exit_code: remains.evidence.exit_code,
            reason,
            final_pnl,
            last_logs: remains.last_logs.clone(),
        };
        if let Err(e) = self.inner.store.archive_run(&run).await {
            tracing::error!(error = %e, %bot_id, "cannot archive a run");
        }
    }
}

/// What an ended container left behind.
struct Remains {
    evidence: Evidence,
    last_logs: Vec<String>,
}
