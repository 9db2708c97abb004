//! What a start needs besides its request, checked before any token is issued: an address
//! left in the bots network's range (issue 15), room on the dashboard's data volume (issue 14).

use super::manager::BotManager;
use super::LifecycleError;
use crate::runtime::ContainerRuntime;
use crate::vault::SecretsBroker;

/// Why a start is refused while the dashboard's data volume is full.
pub const DATA_VOLUME_FULL: &str = "the dashboard's data volume is full: new bots cannot be started until space is freed (running bots are not touched)";

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// Issue 15: a start is refused, before any token, when as many bots are live as the bots'
    /// address range holds.
    pub(super) fn refuse_beyond_capacity(&self) -> Result<(), LifecycleError> {
        let max = self.inner.cfg.max_bots;
        let live = self.registry().ids_where(|b| b.state.is_active()).len();
        if live >= max {
            return Err(LifecycleError::Full(format!(
                "{live} bots are running, as many as the bots network's address range holds ({max}); stop one, or widen BOTS_IP_RANGE"
            )));
        }
        Ok(())
    }

    /// A start is refused, before any token, when the dashboard's data volume cannot take its
    /// rows ([`crate::store::Store::check_room`]); running bots are not touched.
    pub(super) async fn refuse_without_room(&self) -> Result<(), LifecycleError> {
        match self.inner.store.check_room().await {
            Ok(()) => Ok(()),
            Err(e) if crate::store::io_full(&e) => {
                Err(LifecycleError::Unavailable(DATA_VOLUME_FULL.into()))
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot write to the data directory");
                Err(LifecycleError::Unavailable(
                    "the dashboard cannot write to its data volume; new bots cannot be started until it can (running bots are not touched)".into(),
                ))
            }
        }
    }
}
