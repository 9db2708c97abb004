//! Who signs a batch, and for whom: a key trading its own subaccount, or a bot key trading a
//! granter's subaccount through authz `MsgExec` with its fees paid by the granter's fee
//! allowance (x/feegrant), so the bot key holds no funds.

use crate::address::Address;
use crate::keys::{InjectiveKey, PrivateKey};

/// The key that signs, and whose funds it trades. With a granter, messages act for the granter
/// and are wrapped in authz MsgExec; the bot key itself holds nothing worth stealing.
#[derive(Debug)]
pub struct Signer {
    pub(super) key: PrivateKey,
    pub(super) granter: Option<Address>,
    /// Who pays the fees of `MsgExec` txs through a fee allowance (the tx's `fee.granter`).
    pub(super) fee_granter: Option<Address>,
}

impl Signer {
    /// A key trading its own account and paying its own fees.
    pub fn direct(key: PrivateKey) -> Self {
        Self {
            key,
            granter: None,
            fee_granter: None,
        }
    }
    /// A bot key trading `granter`'s subaccount through authz, its fees paid by the granter's
    /// fee allowance (`tradebot-injective grant` creates both): the bot key needs no funds.
    pub fn delegated(key: PrivateKey, granter: Address) -> Self {
        Self {
            key,
            granter: Some(granter),
            fee_granter: Some(granter),
        }
    }
    /// A bot key trading `granter`'s subaccount through authz but paying its own fees (a grant
    /// without a fee allowance): the bot key must hold INJ for gas.
    pub fn delegated_paying_own_fees(key: PrivateKey, granter: Address) -> Self {
        Self {
            key,
            granter: Some(granter),
            fee_granter: None,
        }
    }
    /// The account whose subaccount trades.
    pub fn trader(&self) -> Address {
        self.granter.unwrap_or_else(|| self.key.address())
    }
    /// The account that signs (and pays fees unless [`Signer::fee_granter`] does).
    pub fn signer_address(&self) -> Address {
        self.key.address()
    }
    /// The account whose fee allowance pays for the trading transactions, if any.
    pub fn fee_granter(&self) -> Option<Address> {
        self.fee_granter
    }
}
