//! The trading bot: secure start-up, status events, and (as they land) strategies, risk limits
//! and exchange adapters.

pub mod events;
pub mod spec;
pub mod startup;
