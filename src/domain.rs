//! Domain types parsed once at the edge; inner code accepts only these. The ids are the bot
//! contract's (`tradebot_contract::ids`): the dashboard and the bot share one definition.

pub use tradebot_contract::ids::{BotId, InvalidId, LaunchId, MarketId, WalletId};
