//! Domain types parsed once at the edge; inner code accepts only these. The ids are the bot
//! contract's (`tradebot_contract::ids`): the dashboard and the bot share one definition.

pub use tradebot_contract::ids::{BotId, InvalidId, LaunchId, MarketId, WalletId};

/// Longest preset name, in characters.
pub const PRESET_NAME_MAX: usize = 40;

/// The name of a saved set of bot parameters (unique per market): 1 to [`PRESET_NAME_MAX`]
/// characters of `A-Z a-z 0-9`, space, `_`, `.`, `-`, not starting or ending with a space.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PresetName(String);

impl PresetName {
    /// `Err` is a sentence naming the field (`name: ...`); it never echoes more than one
    /// character of the input.
    pub fn parse(raw: &str) -> Result<Self, String> {
        const RULE: &str = "1 to 40 characters: letters, digits, space, _ . -";
        let n = raw.chars().count();
        if n == 0 {
            return Err(format!("name: give the preset a name ({RULE})"));
        }
        if n > PRESET_NAME_MAX {
            return Err(format!("name: {n} characters is too long ({RULE})"));
        }
        if let Some(c) = raw
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-')))
        {
            return Err(format!("name: {c:?} is not allowed ({RULE})"));
        }
        if raw.starts_with(' ') || raw.ends_with(' ') {
            return Err(format!("name: no space at the start or the end ({RULE})"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PresetName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_names_at_their_boundaries() {
        let forty = "a".repeat(40);
        assert_eq!(PresetName::parse(&forty).unwrap().as_str(), forty);
        let e = PresetName::parse(&"a".repeat(41)).unwrap_err();
        assert!(e.starts_with("name: 41 characters"), "{e}");
        assert!(PresetName::parse("x").is_ok());
        assert!(PresetName::parse("").unwrap_err().starts_with("name: give"));
        // Every allowed kind of character, together.
        let all = "Tight MM_v2.1-b";
        assert_eq!(PresetName::parse(all).unwrap().to_string(), all);
        for bad in ["a/b", "a\tb", "é", "a\nb", "<b>", "a;b", "a\u{0}b", "a\"b"] {
            let e = PresetName::parse(bad).unwrap_err();
            assert!(
                e.starts_with("name: ") && e.contains("not allowed"),
                "{bad:?}: {e}"
            );
        }
        for bad in [" a", "a ", " "] {
            let e = PresetName::parse(bad).unwrap_err();
            assert!(e.contains("start or the end"), "{bad:?}: {e}");
        }
        // Characters, not bytes: 40 multi-byte characters are refused for the character.
        let e = PresetName::parse(&"é".repeat(40)).unwrap_err();
        assert!(e.contains("not allowed"), "{e}");
    }
}
