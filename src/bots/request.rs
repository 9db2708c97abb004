//! A start request, parsed once at the edge into types the lifecycle trusts.

use serde::Deserialize;

use crate::domain::WalletId;
pub use tradebot_contract::ids::MarketId;
pub use tradebot_contract::BotType;

/// What an operator asks for (the JSON body of `POST /api/bots`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartForm {
    pub wallet: String,
    pub market: String,
    pub bot_type: String,
    #[serde(default)]
    pub params: serde_json::Value,
}

/// Parameters are an object, small; the bot validates their meaning and refuses bad ones at
/// start with one line, which the dashboard reports.
pub const MAX_PARAMS_BYTES: usize = 4096;

/// A validated start request.
#[derive(Debug, Clone)]
pub struct StartRequest {
    pub wallet: WalletId,
    pub market: MarketId,
    pub bot_type: BotType,
    pub params: serde_json::Value,
}

impl StartRequest {
    /// Checks the shape of the request against the configured markets. Wallet existence and
    /// allowed markets are checked against Vault by the lifecycle.
    pub fn parse(form: StartForm, markets: &[String]) -> Result<Self, String> {
        let wallet = WalletId::parse(&form.wallet).map_err(|e| e.to_string())?;
        let market = MarketId::parse(&form.market).map_err(|e| e.to_string())?;
        if !markets.iter().any(|m| m == market.as_str()) {
            return Err(format!(
                "market {} is not configured (configured: {})",
                market.as_str(),
                markets.join(", ")
            ));
        }
        let bot_type = BotType::parse(&form.bot_type).map_err(|e| e.to_string())?;
        let params = match form.params {
            serde_json::Value::Null => serde_json::Value::Object(serde_json::Map::new()),
            p @ serde_json::Value::Object(_) => p,
            _ => return Err("params must be a JSON object".into()),
        };
        if params.to_string().len() > MAX_PARAMS_BYTES {
            return Err(format!("params are larger than {MAX_PARAMS_BYTES} bytes"));
        }
        // The very check the bot runs at start, so a bad parameter is refused here, in words,
        // before a token is issued or a container created.
        tradebot_contract::params::validate(bot_type.as_str(), market.as_str(), &params)?;
        Ok(Self {
            wallet,
            market,
            bot_type,
            params,
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
}
