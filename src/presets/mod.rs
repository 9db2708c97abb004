//! Presets: a bot's parameters saved under a name, per market, to start from. A preset passes
//! the very gate a start passes ([`BotSpec::parse`]: configured market, known bot type, the
//! bot's own parameter rules) plus a [`PresetName`]; a refused one is a sentence and nothing
//! is saved. Storage is in [`store`] (`presets` table).
//!
//! Parameters are not secrets, and cannot carry one: every field is a typed number, decimal or
//! enum (`deny_unknown_fields`), so free text anywhere in them is refused before it is saved.

pub mod store;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::bots::BotSpec;
use crate::domain::PresetName;

pub use crate::audit::redact_quoted;
pub use store::{Preset, Saved};

/// Audit action of a save (new or replaced, see `replaced` in its details).
pub const AUDIT_SAVE: &str = "preset_save";
/// Audit action of a removal.
pub const AUDIT_DELETE: &str = "preset_delete";

/// A preset as an operator submits it (`POST /api/presets`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPreset {
    pub name: String,
    pub market: String,
    pub bot_type: String,
    /// A JSON object; absent means every default.
    #[serde(default)]
    pub params: Value,
    /// `true` replaces the market's preset of the same name; otherwise that name is a 409.
    #[serde(default)]
    pub overwrite: bool,
}

/// A preset that passed [`NewPreset::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPreset {
    pub name: PresetName,
    pub spec: BotSpec,
    pub overwrite: bool,
}

impl NewPreset {
    /// Checks the name, then market, bot type and parameters exactly as a start does
    /// (`markets`: the configured markets the start form lists). `Err` is a sentence naming
    /// the field.
    pub fn validate(self, markets: &[String]) -> Result<ValidPreset, String> {
        let name = PresetName::parse(&self.name)?;
        let spec = BotSpec::parse(&self.market, &self.bot_type, self.params, markets)?;
        Ok(ValidPreset {
            name,
            spec,
            overwrite: self.overwrite,
        })
    }

    /// What the audit log keeps of a refused submission: name, market and bot type when each
    /// is valid on its own (else `null`), and the refusal with any quoted input replaced by
    /// `"…"`. Never the parameters: they were not checked, and a field's error would otherwise
    /// echo whatever was pasted into it.
    pub fn refused_details(&self, error: &str) -> Value {
        let name = PresetName::parse(&self.name).ok();
        let market = crate::domain::MarketId::parse(&self.market).ok();
        let bot_type = crate::bots::BotType::parse(&self.bot_type).ok();
        json!({
            "name": name, "market": market.as_ref().map(|m| m.as_str()),
            "bot_type": bot_type.map(|t| t.as_str()), "error": redact_quoted(error),
        })
    }
}

impl ValidPreset {
    /// The audit details of a save: name, market, bot type and the (checked) parameters.
    pub fn details(&self) -> Value {
        json!({
            "name": self.name, "market": self.spec.market.as_str(),
            "bot_type": self.spec.bot_type.as_str(), "params": self.spec.params,
        })
    }
}

#[cfg(test)]
mod tests;
