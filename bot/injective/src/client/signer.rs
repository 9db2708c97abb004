//! Who signs a batch, and for whom: a key trading its own subaccount, or a bot key trading a
//! granter's subaccount through authz `MsgExec`.

use crate::address::Address;
use crate::keys::{InjectiveKey, PrivateKey};

/// The key that signs, and whose funds it trades. With a granter, messages act for the granter
/// and are wrapped in authz MsgExec; the bot key itself holds nothing worth stealing.
#[derive(Debug)]
pub struct Signer {
    pub(super) key: PrivateKey,
    pub(super) granter: Option<Address>,
}

impl Signer {
    pub fn direct(key: PrivateKey) -> Self {
        Self { key, granter: None }
    }
    pub fn delegated(key: PrivateKey, granter: Address) -> Self {
        Self {
            key,
            granter: Some(granter),
        }
    }
    /// The account whose subaccount trades.
    pub fn trader(&self) -> Address {
        self.granter.unwrap_or_else(|| self.key.address())
    }
    /// The account that signs and pays fees.
    pub fn signer_address(&self) -> Address {
        self.key.address()
    }
}
