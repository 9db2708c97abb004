//! Domain types parsed once at the edge; inner code accepts only these.

use std::fmt;

/// A wallet id: 1-32 characters of `a-z`, `0-9`, `-`, `_`, starting with a letter or digit.
/// It becomes part of Vault paths and policy names, so nothing that could escape a path
/// segment (`/`, `.`, spaces, `*`, `+`) is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct WalletId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid wallet id {0:?}: use 1-32 characters a-z, 0-9, '-' or '_', starting with a letter or digit")]
pub struct InvalidWalletId(pub String);

impl WalletId {
    pub fn parse(raw: &str) -> Result<Self, InvalidWalletId> {
        let ok = !raw.is_empty()
            && raw.len() <= 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            && raw.as_bytes()[0].is_ascii_alphanumeric();
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            // Echo at most a short, printable prefix of what was given.
            let shown: String = raw
                .chars()
                .take(40)
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            Err(InvalidWalletId(shown))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WalletId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for WalletId {
    type Err = InvalidWalletId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for WalletId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_ids() {
        for ok in ["demo", "desk-1", "a", "w_2", "0abc", &"x".repeat(32)] {
            assert_eq!(WalletId::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_path_characters_and_junk() {
        for bad in [
            "",
            "../x",
            "a/b",
            "a b",
            "A",
            "-a",
            "_a",
            ".",
            "a.b",
            "a*",
            "a+",
            "é",
            "a\n",
            &"x".repeat(33),
        ] {
            assert!(WalletId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    proptest::proptest! {
        #[test]
        fn parsed_ids_are_safe_path_segments(s in "\\PC{0,40}") {
            if let Ok(id) = WalletId::parse(&s) {
                proptest::prop_assert!(!id.as_str().contains(['/', '.', ' ', '*', '+']));
                proptest::prop_assert!(id.as_str().len() <= 32);
            }
        }
    }
}
