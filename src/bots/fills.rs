//! Recording the bots' fills (`crate::fills`): each `fill` line a watcher reads, and on
//! re-attach (a dashboard restart) the fills in the tail of a running bot's stdout that were
//! written while no dashboard was watching. A fill read twice is stored once (the table's key);
//! a malformed line is skipped with a log line.

use super::events::{parse_line, BotEvent};
use super::manager::BotManager;
use crate::domain::{BotId, LaunchId};
use crate::fills::{self, Fill, Origin};
use crate::runtime::ContainerRuntime;
use crate::vault::SecretsBroker;

/// Lines of a re-attached bot's stdout searched for fills missed while no dashboard watched.
pub(super) const BACKFILL_LINES: usize = 5_000;

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// Stores one fill event (the raw line object) of `bot_id`'s run `launch`.
    pub(super) async fn record_fill(
        &self,
        bot_id: &BotId,
        launch: &LaunchId,
        raw: &serde_json::Value,
    ) {
        let Some(origin) = self.registry().read(bot_id, |b| Origin {
            bot_id: bot_id.to_string(),
            launch_id: launch.to_string(),
            wallet: b.who.wallet.to_string(),
            market: b.who.market.as_str().to_owned(),
            bot_type: b.who.bot_type.as_str().to_owned(),
        }) else {
            return;
        };
        match Fill::from_event(raw, &origin) {
            Ok(fill) => {
                if let Err(e) = fills::record(self.inner.store.pool(), &fill).await {
                    tracing::error!(error = %e, %bot_id, "cannot record a fill");
                }
            }
            Err(why) => tracing::warn!(%bot_id, %why, "a fill line was skipped"),
        }
    }

    /// Reads the last [`BACKFILL_LINES`] of `container`'s output and records the fills in them
    /// (re-attach: fills written while no dashboard was watching).
    pub(super) async fn backfill_from_tail(
        &self,
        bot_id: &BotId,
        launch: &LaunchId,
        container: &str,
    ) {
        match self
            .inner
            .runtime
            .tail_logs(container, BACKFILL_LINES)
            .await
        {
            Ok(lines) => {
                let n = self.backfill_fills(bot_id, launch, &lines).await;
                tracing::debug!(%bot_id, fills = n, "fills re-read on re-attach");
            }
            Err(e) => tracing::warn!(error = %e, %bot_id, "cannot re-read a bot's fills"),
        }
    }

    /// Records the fills among `lines` (a re-attached bot's stdout tail, oldest first).
    /// Returns how many lines were fill events.
    pub(super) async fn backfill_fills(
        &self,
        bot_id: &BotId,
        launch: &LaunchId,
        lines: &[String],
    ) -> usize {
        let mut n = 0;
        for line in lines {
            if let Some(BotEvent::Fill(v)) = parse_line(line) {
                self.record_fill(bot_id, launch, &v).await;
                n += 1;
            }
        }
        n
    }
}
