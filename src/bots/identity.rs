//! Who a bot is, typed once when its start is accepted and carried as is through the plan,
//! the token request, the labels, the store and recovery: no string in between is parsed again.
//! The ids are the contract's (`tradebot_contract::ids`), shared with the bot.

use crate::domain::{BotId, MarketId, WalletId};
use tradebot_contract::BotType;

/// A bot's identity for its whole life: fixed when its start is accepted, kept by restarts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    pub bot_id: BotId,
    pub wallet: WalletId,
    pub market: MarketId,
    pub bot_type: BotType,
    /// The user who started it (an account name, for labels and the audit trail).
    pub operator: String,
}
