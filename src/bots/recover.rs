//! Recovery after a dashboard restart: the bots are rebuilt from their containers' labels
//! (read back by the plan's [`Labels::parse`]) and their launch records. Running bots are left
//! alone and watched again; a bot that ended while the dashboard was away is ended by the
//! table of `ending`, like any run (a crash is relaunched), with its last known status kept.

use super::ending::Seen;
use super::events::{parse_line, total_pnl, BotEvent};
use super::manager::BotManager;
use super::plan::Labels;
use super::registry::{Bot, CurrentLaunch};
use super::state::BotState;
use crate::runtime::{ContainerInfo, ContainerRuntime, RuntimeError};
use crate::store::Launch;
use crate::vault::SecretsBroker;

/// Lines read back to find a recovered bot's last status.
const STATUS_LINES: usize = 50;

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// Rebuilds state from this stack's managed containers (a [`BotManager::reconcile`] that
    /// knows the endings it finds happened while the dashboard was down); returns how many
    /// bots it adopted. A container whose labels do not parse is left alone, with a warning.
    pub async fn recover(&self) -> Result<usize, RuntimeError> {
        self.reconcile(Seen::WhileDown).await
    }

    /// Adds the bot of container `c` to the registry, with its last known status (position,
    /// PnL) read back from its logs; watches it if it runs, else ends its run by the table
    /// (a crash is relaunched with backoff, whose start-up cancels what rests on the venue).
    pub(super) async fn adopt(&self, c: &ContainerInfo, labels: Labels, seen: Seen) {
        let launch = self
            .inner
            .store
            .launch(labels.launch_id.as_str())
            .await
            .ok()
            .flatten();
        let tail = self
            .inner
            .runtime
            .tail_logs(&c.id, STATUS_LINES)
            .await
            .unwrap_or_default();
        let last_status = tail.iter().rev().find_map(|l| match parse_line(l) {
            Some(BotEvent::Status(v)) => Some(v),
            _ => None,
        });
        let bot_id = labels.who.bot_id.clone();
        let launch_id = labels.launch_id.clone();
        let bot = recovered_bot(labels, launch.as_ref(), last_status, &c.id);
        self.registry().with(|b| b.insert(bot_id.clone(), bot));
        if c.state == "running" {
            let lines = self.inner.runtime.follow_stdout(&c.id, false);
            self.spawn_watcher(bot_id.clone(), launch_id.clone(), c.id.clone(), lines);
            self.backfill_from_tail(&bot_id, &launch_id, &c.id).await;
        } else {
            self.backfill_from_tail(&bot_id, &launch_id, &c.id).await;
            self.on_end(&c.id, seen).await;
        }
    }
}

/// The registry entry of a recovered bot: identity from its labels, params and accessor from
/// its launch record (when the database still has it).
fn recovered_bot(
    labels: Labels,
    launch: Option<&Launch>,
    last_status: Option<serde_json::Value>,
    container: &str,
) -> Bot {
    let params = launch
        .and_then(|l| serde_json::from_str(&l.params).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    let mut bot = Bot::new(labels.who, params, None, 0);
    bot.venue_checked = false;
    bot.launch = Some(CurrentLaunch {
        launch_id: labels.launch_id,
        accessor: launch.map(|l| l.accessor.clone()),
    });
    bot.state = BotState::Running;
    bot.reason = None;
    bot.started_ms = launch.map_or(0, |l| l.created_ms);
    bot.pnl = last_status.as_ref().and_then(total_pnl);
    bot.last_status = last_status;
    bot.container_id = Some(container.to_owned());
    bot
}
