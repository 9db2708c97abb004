//! The bot contract, written once: what the dashboard and a bot say to each other.
//!
//! - [`ids`]: `BotId`, `WalletId`, `MarketId`, `LaunchId`, each built only by parsing.
//! - [`BotType`]: the strategies a bot can run.
//! - [`markets`]: the markets a bot may trade and their tick rules; [`money`]: prices,
//!   quantities and orders quantized against those rules.
//! - [`params`]: strategy parameters, their form schemas and their checks.
//! - [`spec`]: [`BotSpec`], built by the dashboard, parsed by the bot (env `TRADEBOT_BOT_SPEC`).
//! - [`events`]: the event lines a bot writes on stdout and the dashboard reads
//!   (docs/BOT_EVENTS.md).
//! - [`key`]: the wallet key, one type for the dashboard (generate, import, address), the bot
//!   (read from Vault, locked in RAM) and the Injective connector (signing).
//!
//! Both sides depend on this crate and on nothing of each other. It carries no runtime and no
//! HTTP client; its only cryptography is the wallet key's.

mod bot_type;
pub mod events;
pub mod ids;
pub mod key;
pub mod markets;
pub mod money;
pub mod params;
pub mod spec;

pub use bot_type::{BotType, UnknownBotType};
pub use events::{BalanceLine, Event, EventLine, OrderLine, EVENTS_VERSION};
pub use ids::{BotId, LaunchId, MarketId, WalletId};
pub use spec::BotSpec;
