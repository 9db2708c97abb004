//! Injective connector: keys and addresses, SIGN_MODE_DIRECT signing with ethsecp256k1,
//! exchange v2 messages with LegacyDec wire values, and models of the chain and indexer APIs.
//!
//! The bot crate adapts [`client::InjectiveClient`] to its `Exchange` trait; this crate knows
//! nothing of the bot.

pub mod address;
pub mod authz;
pub mod client;
pub mod errors;
pub mod feegrant;
pub mod grant_error;
pub mod keys;
pub mod legacy_dec;
pub mod models;
pub mod msgs;
pub mod network;
pub mod proto;
pub mod ratelimit;
pub mod stream;
pub mod tx;
