//! A start request, parsed once at the edge into types the lifecycle trusts.

use serde::Deserialize;

use crate::domain::{PresetName, WalletId};
pub use tradebot_contract::ids::MarketId;
pub use tradebot_contract::BotType;

/// What an operator asks for (the JSON body of `POST /api/bots`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartForm {
    pub wallet: String,
    pub market: String,
    pub bot_type: String,
    /// Absent (`null`): every default; or the named preset's, when `preset` is given.
    #[serde(default)]
    pub params: serde_json::Value,
    /// The saved preset (of this market) the parameters come from; recorded in the start's
    /// audit entry. The parameters that run are still `params` when given.
    #[serde(default)]
    pub preset: Option<String>,
}

/// Parameters are an object, small; the bot validates their meaning and refuses bad ones at
/// start with one line, which the dashboard reports.
pub const MAX_PARAMS_BYTES: usize = 4096;

/// What a bot runs, wallet aside: a configured market, a strategy and its parameters, checked
/// exactly as the bot checks them at start. A start and a saved preset pass this one gate.
#[derive(Debug, Clone, PartialEq)]
pub struct BotSpec {
    pub market: MarketId,
    pub bot_type: BotType,
    /// A JSON object (`null` became `{}`), at most [`MAX_PARAMS_BYTES`] as text.
    pub params: serde_json::Value,
}

impl BotSpec {
    /// Checks the market against the configured `markets` (the start form's list), the bot
    /// type, and the parameters with the bot's own validation. `Err` is one sentence naming
    /// the field (`market ...`, `unknown bot type ...`, `grid: levels must be ...`).
    pub fn parse(
        market: &str,
        bot_type: &str,
        params: serde_json::Value,
        markets: &[String],
    ) -> Result<Self, String> {
        let market = MarketId::parse(market).map_err(|e| e.to_string())?;
        if !markets.iter().any(|m| m == market.as_str()) {
            return Err(format!(
                "market {} is not configured (configured: {})",
                market.as_str(),
                markets.join(", ")
            ));
        }
        let bot_type = BotType::parse(bot_type).map_err(|e| e.to_string())?;
        let params = match params {
            serde_json::Value::Null => serde_json::Value::Object(serde_json::Map::new()),
            p @ serde_json::Value::Object(_) => p,
            _ => return Err("params must be a JSON object".into()),
        };
        if params.to_string().len() > MAX_PARAMS_BYTES {
            return Err(format!("params are larger than {MAX_PARAMS_BYTES} bytes"));
        }
        // The very check the bot runs at start, so a bad parameter is refused here, in words,
        // before a token is issued or a container created (or a preset saved).
        tradebot_contract::params::validate(bot_type.as_str(), market.as_str(), &params)?;
        Ok(Self {
            market,
            bot_type,
            params,
        })
    }
}

/// A validated start request.
#[derive(Debug, Clone)]
pub struct StartRequest {
    pub wallet: WalletId,
    pub market: MarketId,
    pub bot_type: BotType,
    pub params: serde_json::Value,
    /// The preset named in the request (its existence is the web layer's check).
    pub preset: Option<PresetName>,
}

impl StartRequest {
    /// Checks the shape of the request against the configured markets ([`BotSpec::parse`]).
    /// Wallet existence and allowed markets are checked against Vault by the lifecycle.
    pub fn parse(form: StartForm, markets: &[String]) -> Result<Self, String> {
        let wallet = WalletId::parse(&form.wallet).map_err(|e| e.to_string())?;
        let preset = form
            .preset
            .as_deref()
            .map(PresetName::parse)
            .transpose()
            .map_err(|e| format!("preset {e}"))?;
        let spec = BotSpec::parse(&form.market, &form.bot_type, form.params, markets)?;
        Ok(Self {
            wallet,
            market: spec.market,
            bot_type: spec.bot_type,
            params: spec.params,
            preset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(wallet: &str, market: &str, bot_type: &str, params: serde_json::Value) -> StartForm {
        StartForm {
            wallet: wallet.into(),
            market: market.into(),
            bot_type: bot_type.into(),
            params,
            preset: None,
        }
    }

    fn markets() -> Vec<String> {
        vec!["INJ/USDT".into(), "INJ/USDT-PERP".into()]
    }

    #[test]
    fn good_requests_parse() {
        let r = StartRequest::parse(
            form(
                "demo",
                "INJ/USDT-PERP",
                "grid",
                serde_json::json!({"levels": 5}),
            ),
            &markets(),
        )
        .unwrap();
        assert_eq!(r.market.as_str(), "INJ/USDT-PERP");
        assert_eq!(r.bot_type, BotType::Grid);
        let r = StartRequest::parse(
            form("demo", "INJ/USDT", "twap", serde_json::Value::Null),
            &markets(),
        )
        .unwrap();
        assert!(r.params.as_object().unwrap().is_empty());
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        let cases = [
            (
                form("../etc", "INJ/USDT", "grid", serde_json::json!({})),
                "wallet",
            ),
            (
                form("demo", "inj/usdt", "grid", serde_json::json!({})),
                "market id",
            ),
            (
                form("demo", "TIA/USDT", "grid", serde_json::json!({})),
                "not configured",
            ),
            (
                form("demo", "INJ/USDT", "hodl", serde_json::json!({})),
                "unknown bot type",
            ),
            (
                form("demo", "INJ/USDT", "grid", serde_json::json!([1])),
                "JSON object",
            ),
            (
                form(
                    "demo",
                    "INJ/USDT",
                    "grid",
                    serde_json::json!({"x": "y".repeat(5000)}),
                ),
                "larger than",
            ),
        ];
        for (f, expect) in cases {
            let err = StartRequest::parse(f, &markets()).unwrap_err();
            assert!(err.contains(expect), "{err:?} should mention {expect:?}");
        }
    }

    #[test]
    fn a_named_preset_is_parsed_as_a_preset_name() {
        let mut f = form("demo", "INJ/USDT", "grid", serde_json::Value::Null);
        f.preset = Some("Tight grid 2".into());
        let r = StartRequest::parse(f.clone(), &markets()).unwrap();
        assert_eq!(r.preset.unwrap().as_str(), "Tight grid 2");
        f.preset = Some("a/b".into());
        let err = StartRequest::parse(f, &markets()).unwrap_err();
        assert!(err.starts_with("preset name: "), "{err}");
    }

    #[test]
    fn a_spec_is_checked_by_the_bots_own_rules() {
        let spec = |t: &str, p: serde_json::Value| BotSpec::parse("INJ/USDT", t, p, &markets());
        assert!(spec("grid", serde_json::json!({"levels": 2})).is_ok());
        let e = spec("grid", serde_json::json!({"levels": 1})).unwrap_err();
        assert!(e.contains("levels must be between 2 and 100"), "{e}");
        let e = spec("market_maker", serde_json::json!({"spread_bps": "-1"})).unwrap_err();
        assert!(e.contains("spread_bps"), "{e}");
        let e = spec("twap", serde_json::json!({"colour": "red"})).unwrap_err();
        assert!(e.contains("colour"), "{e}");
    }
}
