//! Who a bot is, typed once when its start is accepted and carried as is through the plan,
//! the token request, the labels, the store and recovery: no string in between is parsed again.

use super::request::{BotType, MarketId};
use crate::domain::WalletId;

/// A bot id: `<wallet>-<6 hex digits>` when the dashboard names it; parsed from labels and
/// URLs with the same rule as a wallet id, 1-48 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct BotId(String);

impl BotId {
    /// `Err` says which rule the input broke (echoing at most 40 characters of it).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = !raw.is_empty()
            && raw.len() <= 48
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            && raw.as_bytes()[0].is_ascii_alphanumeric();
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "invalid bot id {:?}: use 1-48 characters a-z, 0-9, '-' or '_'",
                raw.chars().take(40).collect::<String>()
            ))
        }
    }

    /// `<wallet>-<nonce as 6 lowercase hex digits>`: always valid (a wallet id is at most 32).
    pub fn for_wallet(wallet: &WalletId, nonce: [u8; 3]) -> Self {
        Self(format!("{wallet}-{}", hex::encode(nonce)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BotId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One launch of a bot (one wrapped token, one container): 16 lowercase hex digits when the
/// dashboard makes it; parsed from labels with 16-64.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct LaunchId(String);

impl LaunchId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let hex = raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex && (16..=64).contains(&raw.len()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err("invalid launch id: use 16-64 lowercase hex digits".into())
        }
    }

    /// The launch id of 8 random bytes; the caller supplies the randomness.
    pub fn from_random(bytes: [u8; 8]) -> Self {
        Self(hex::encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for LaunchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_ids_parse_back_and_junk_is_refused() {
        let wallet = WalletId::parse(&"w".repeat(32)).unwrap();
        let id = BotId::for_wallet(&wallet, [0xab, 0x01, 0xff]);
        assert!(id.as_str().ends_with("-ab01ff"));
        assert_eq!(BotId::parse(id.as_str()).unwrap(), id);
        let launch = LaunchId::from_random([0xde; 8]);
        assert_eq!(LaunchId::parse(launch.as_str()).unwrap(), launch);
        for bad in ["", "../x", "A-1", "-x", &"x".repeat(49)] {
            assert!(BotId::parse(bad).is_err(), "{bad:?}");
        }
        for bad in ["", "abc", "DEADBEEFDEADBEEF", &"0".repeat(65)] {
            assert!(LaunchId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
