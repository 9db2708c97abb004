//! Identifiers, built only by parsing: inner code of both sides accepts only these.
//!
//! Wallet and bot ids become parts of Vault paths, policy names, container names and URLs, so
//! nothing that could escape a path segment (`/`, `.`, spaces, `*`, `+`) is accepted. The rules
//! are the dashboard's (docs/SECRETS.md for the Vault paths they end up in).

use std::fmt;

/// Why a raw string is not an id: which id, what was given (at most 40 printable characters)
/// and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {shown:?}: {rule}")]
pub struct InvalidId {
    kind: &'static str,
    shown: String,
    rule: &'static str,
}

impl InvalidId {
    fn new(kind: &'static str, raw: &str, rule: &'static str) -> Self {
        let shown = raw
            .chars()
            .take(40)
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        Self { kind, shown, rule }
    }
}

/// The wallet id rule: `a-z`, `0-9`, `-`, `_`, first a letter or digit, `1..=max` bytes.
fn is_slug(raw: &str, max: usize) -> bool {
    !raw.is_empty()
        && raw.len() <= max
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && raw.as_bytes()[0].is_ascii_alphanumeric()
}

/// Writes the shared impls of a string id: `as_str`, `Display`, `FromStr`, `AsRef<str>`,
/// transparent `Serialize` and a `Deserialize` that runs `parse`.
macro_rules! string_id {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = std::borrow::Cow::<str>::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A wallet id: 1-32 characters of `a-z`, `0-9`, `-`, `_`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WalletId(String);
string_id!(WalletId);

impl WalletId {
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        if is_slug(raw, 32) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidId::new(
                "wallet id",
                raw,
                "use 1-32 characters a-z, 0-9, '-' or '_', starting with a letter or digit",
            ))
        }
    }
}

/// A bot id: 1-48 characters of `a-z`, `0-9`, `-`, `_`, starting with a letter or digit. The
/// dashboard names a new bot `<wallet>-<6 hex digits>` ([`BotId::for_wallet`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BotId(String);
string_id!(BotId);

impl BotId {
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        if is_slug(raw, 48) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidId::new(
                "bot id",
                raw,
                "use 1-48 characters a-z, 0-9, '-' or '_', starting with a letter or digit",
            ))
        }
    }

    /// `<wallet>-<nonce as 6 lowercase hex digits>`: always a valid bot id (a wallet id is at
    /// most 32 characters).
    pub fn for_wallet(wallet: &WalletId, nonce: [u8; 3]) -> Self {
        Self(format!("{wallet}-{}", lower_hex(&nonce)))
    }
}

/// One launch of a bot (one wrapped token, one container): 16-64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LaunchId(String);
string_id!(LaunchId);

impl LaunchId {
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        let hex = raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex && (16..=64).contains(&raw.len()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidId::new(
                "launch id",
                raw,
                "use 16-64 lowercase hex digits",
            ))
        }
    }

    /// The launch id of 8 random bytes (16 hex digits); the caller supplies the randomness.
    pub fn from_random(bytes: [u8; 8]) -> Self {
        Self(lower_hex(&bytes))
    }
}

/// A market name: `BASE/QUOTE` or `BASE/QUOTE-PERP`, upper-case letters and digits, each side
/// 1-12 characters. A well-formed name may still be unknown: [`crate::markets::market`] says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MarketId(String);
string_id!(MarketId);

impl MarketId {
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        let body = raw.strip_suffix("-PERP").unwrap_or(raw);
        let ok = body.split_once('/').is_some_and(|(b, q)| {
            [b, q].iter().all(|p| {
                !p.is_empty()
                    && p.len() <= 12
                    && p.bytes()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            })
        });
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidId::new(
                "market",
                raw,
                "not a market id like INJ/USDT or INJ/USDT-PERP",
            ))
        }
    }

    /// The market as one path segment: lower case, `/` as `-` (`INJ/USDT-PERP` ->
    /// `inj-usdt-perp`). One-to-one: base and quote hold no `-`, so the only `-` after the
    /// first is the `-perp` suffix. Names Vault paths and policies (`<wallet>/bots/<slug>`).
    pub fn slug(&self) -> String {
        self.0.to_ascii_lowercase().replacen('/', "-", 1)
    }
}

fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
