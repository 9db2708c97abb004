//! The bot spec: everything a bot is told at launch (env `TRADEBOT_BOT_SPEC`, JSON), parsed
//! once and refused with one clear line when wrong.

use serde::Deserialize;

use crate::exchange::injective::InjectiveSpec;
use crate::paper::PaperConfig;
use crate::params::BotParams;
use crate::startup::VaultAccess;

pub const SPEC_ENV: &str = "TRADEBOT_BOT_SPEC";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotSpec {
    pub bot_id: String,
    pub wallet_id: String,
    pub market: String,
    pub bot_type: String,
    #[serde(default)]
    pub params: serde_json::Value,
    #[serde(default = "default_exchange")]
    pub exchange: String,
    /// Seconds between status events.
    #[serde(default = "default_status_interval")]
    pub status_interval_secs: u64,
    pub vault: Option<VaultAccess>,
    /// Settings of the simulated market (exchange "paper"); all optional.
    #[serde(default)]
    pub paper: PaperConfig,
    /// Chain, market id and granter (exchange "injective"; required there, refused elsewhere).
    #[serde(default)]
    pub injective: Option<InjectiveSpec>,
}

fn default_exchange() -> String {
    "paper".into()
}
fn default_status_interval() -> u64 {
    5
}

impl BotSpec {
    pub fn from_env() -> Result<Self, String> {
        let raw = std::env::var(SPEC_ENV).map_err(|_| format!("{SPEC_ENV} is not set"))?;
        Self::parse(&raw)
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let spec: Self =
            serde_json::from_str(raw).map_err(|e| format!("invalid {SPEC_ENV}: {e}"))?;
        if !matches!(spec.bot_type.as_str(), "market_maker" | "grid" | "twap") {
            return Err(format!(
                "unknown bot type {:?} (market_maker, grid, twap)",
                spec.bot_type
            ));
        }
        match (spec.exchange.as_str(), &spec.injective) {
            ("paper", None) => {}
            ("injective", Some(inj)) => inj.validate()?,
            ("injective", None) => {
                return Err("exchange \"injective\" needs an injective section".into())
            }
            ("paper", Some(_)) => {
                return Err("the injective section needs exchange \"injective\"".into())
            }
            (other, _) => return Err(format!("unknown exchange {other:?} (paper, injective)")),
        }
        if spec.status_interval_secs == 0 {
            return Err("status_interval_secs must be at least 1".into());
        }
        spec.bot_params()?;
        spec.paper.validate()?;
        Ok(spec)
    }

    /// The validated strategy parameters (one human line when they are wrong).
    pub fn bot_params(&self) -> Result<BotParams, String> {
        BotParams::parse(&self.bot_type, &self.market, &self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_specs_are_refused_with_one_line() {
        for (raw, expect) in [
            ("{", "invalid"),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"moon"}"#,
                "unknown bot type",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","exchange":"x"}"#,
                "unknown exchange",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","extra":1}"#,
                "unknown field",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"market_maker","params":{"spread_bps":-1}}"#,
                "spread_bps must be",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","params":{"lower_price":3,"upper_price":2}}"#,
                "price range inverted",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"DOGE/USDT","bot_type":"grid"}"#,
                "unknown market",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","paper":{"tick_ms":1}}"#,
                "paper.tick_ms",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","exchange":"injective"}"#,
                "needs an injective section",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","injective":{"network":"testnet","market_id":"0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe"}}"#,
                "needs exchange",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","exchange":"injective","injective":{"network":"moon","market_id":"0x01"}}"#,
                "unknown injective.network",
            ),
        ] {
            let err = BotSpec::parse(raw).unwrap_err();
            assert!(err.contains(expect), "{raw}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn injective_spec_parses() {
        let raw = r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"market_maker",
            "exchange":"injective","injective":{"network":"testnet",
            "market_id":"0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe",
            "granter":"inj1hkhdaj2a2clmq5jq6mspsggqs32vynpk228q3r"}}"#;
        let spec = BotSpec::parse(raw).unwrap();
        let inj = spec.injective.unwrap();
        assert!(inj.granter().unwrap().is_some());
        assert_eq!(inj.network().unwrap().name, "testnet");
        assert_eq!(
            BotSpec::parse(
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid"}"#
            )
            .unwrap()
            .exchange,
            "paper"
        );
    }
}
