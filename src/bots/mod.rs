//! Bot lifecycle: start, watch, stop, recover. The manager talks to Vault through
//! `SecretsBroker` and to Docker through `ContainerRuntime`; it owns the live state of every bot
//! and archives how each run ended in the store.
//!
//! Layers, each importing only the ones below it:
//! - operations: `launch` (begin, launch), `stop` (stop, restart, kill switch, rolling
//!   restart), `recover` (adopt containers after a dashboard restart);
//! - `watch` (stdout events, the engine's event stream), `reconcile` (the engine as the
//!   truth after any gap: a run that ended unseen is ended like any other) and `teardown`
//!   (end a run: read why, remove, revoke, archive);
//! - `ending`: the one table from how a container ended to what the page says and what the
//!   lifecycle does next;
//! - pure rules: `plan` (spec, labels, container settings of a launch), `supervision`
//!   (backoff and crash budget); `trail` (the audited start of every container, written
//!   before the container exists);
//! - `admission` (a start's address and data-volume room, before any token);
//! - `venue` (a bot's chain and the checks of a start on it: catalogue, bot key, grant, sizes);
//! - `registry` (every bot's live state, the one-bot-per-(wallet, market) rule), `manager` (the handle
//!   and its read-only questions), `identity`, `state`, `request`, `events`, `error`.
//!
//! Invariants: nothing half-started (a failure after a token was issued revokes it and removes
//! the container before the error is returned); every run that ends is archived with its exit
//! code, reason, last 200 log lines and PnL; every container has its start in the audit log; a crash-looping bot backs off and ends `failed`;
//! at most one active bot per (wallet, market): a wallet runs one bot per market side by side,
//! each live one signing with its own bot key.

mod admission;
pub mod ending;
mod error;
pub mod events;
mod fills;
mod identity;
mod launch;
mod manager;
mod plan;
mod reconcile;
mod recover;
mod registry;
pub mod request;
mod state;
mod stop;
mod supervision;
mod teardown;
mod trail;
mod venue;
mod watch;

pub use admission::DATA_VOLUME_FULL;
pub use ending::{Ending, Next, Seen, Verdict};
pub use error::{
    LifecycleError, VAULT_RATE_LIMITED, VAULT_SEALED, VAULT_STANDBY, VAULT_UNAVAILABLE,
};
pub use identity::BotIdentity;
pub use launch::LaunchReport;
pub use manager::{BotManager, Counters, ManagerConfig};
pub use request::{BotSpec, BotType, MarketId, StartForm, StartRequest};
pub use state::{
    now_ms, risk_halted, shown_state, status_of_run, waiting_for_book, BotState, BotView,
};
pub use stop::StopResult;
pub use trail::AUDIT_CONTAINER_START;
pub use venue::{lcd_of, Venue};

#[cfg(test)]
mod tests;
