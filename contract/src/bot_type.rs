//! The strategies a bot can run.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A strategy the bot binary implements. On the wire (spec, events, forms) it is the
/// snake_case name: `market_maker`, `grid`, `twap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BotType {
    MarketMaker,
    Grid,
    Twap,
}

/// A bot type name that is not one of [`BotType::ALL`]; its message lists the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown bot type {shown:?} ({known})")]
pub struct UnknownBotType {
    shown: String,
    known: String,
}

impl BotType {
    /// Every bot type, in the order forms list them.
    pub const ALL: [BotType; 3] = [Self::MarketMaker, Self::Grid, Self::Twap];

    /// Parses the wire name. `Err` echoes at most 40 characters of the input.
    pub fn parse(s: &str) -> Result<Self, UnknownBotType> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownBotType {
                shown: s.chars().take(40).collect(),
                known: Self::names().join(", "),
            })
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MarketMaker => "market_maker",
            Self::Grid => "grid",
            Self::Twap => "twap",
        }
    }

    /// The wire names of [`BotType::ALL`].
    pub fn names() -> [&'static str; 3] {
        Self::ALL.map(Self::as_str)
    }
}

impl fmt::Display for BotType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BotType {
    type Err = UnknownBotType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// By hand so an unknown name is refused with [`UnknownBotType`]'s one line.
impl<'de> Deserialize<'de> for BotType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = std::borrow::Cow::<str>::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_refused() {
        for t in BotType::ALL {
            assert_eq!(BotType::parse(t.as_str()), Ok(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{t}\""));
            assert_eq!(serde_json::from_str::<BotType>(&json).unwrap(), t);
        }
        let err = BotType::parse("moon").unwrap_err().to_string();
        assert!(err.contains("unknown bot type \"moon\""), "{err}");
        assert!(err.contains("market_maker, grid, twap"), "{err}");
    }
}
