//! Bot lifecycle: start, watch, stop, recover. The manager talks to Vault through
//! `SecretsBroker` and to Docker through `ContainerRuntime`; it owns the live state of every bot
//! and archives how each run ended in the store.

pub mod events;
mod manager;
pub mod request;
mod state;

pub use manager::{BotManager, Counters, LifecycleError, ManagerConfig, StopResult};
pub use request::{BotType, MarketId, StartForm, StartRequest};
pub use state::{now_ms, BotState, BotView};
