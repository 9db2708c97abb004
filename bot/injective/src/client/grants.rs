//! What the chain holds about delegation, read from the LCD: the authz grants from a granter
//! to a grantee (x/authz `GrantsByGranterGrantee`) and the markets by ticker, so the keys CLI
//! can grant a bot key one market by name and list grants as the chain has them.

use serde::Deserialize;

use super::{ClientError, InjectiveClient};
use crate::address::Address;
use crate::models::{DerivativeMarketsResponse, SpotMarketsResponse};
use crate::msgs::MarketKind;

/// One authz grant as the chain holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainGrant {
    /// The authorization's type url (`/injective.exchange.v2.BatchUpdateOrdersAuthz`, ...).
    pub authorization: String,
    /// For a `BatchUpdateOrdersAuthz`: its subaccount and markets (`0x` ids).
    pub subaccount_id: Option<String>,
    pub spot_markets: Vec<String>,
    pub derivative_markets: Vec<String>,
    /// RFC 3339 UTC as the chain prints it; None = no expiry.
    pub expiration: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GrantsResponse {
    #[serde(default)]
    grants: Vec<LcdGrant>,
}

#[derive(Debug, Deserialize)]
struct LcdGrant {
    authorization: serde_json::Value,
    expiration: Option<String>,
}

impl From<LcdGrant> for ChainGrant {
    fn from(g: LcdGrant) -> Self {
        let a = &g.authorization;
        let list = |k: &str| -> Vec<String> {
            a[k].as_array()
                .map(|v| {
                    v.iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        ChainGrant {
            authorization: a["@type"].as_str().unwrap_or_default().to_owned(),
            subaccount_id: a["subaccount_id"].as_str().map(str::to_owned),
            spot_markets: list("spot_markets"),
            derivative_markets: list("derivative_markets"),
            expiration: g.expiration.filter(|e| !e.is_empty()),
        }
    }
}

impl InjectiveClient {
    /// Every authz grant from `granter` to `grantee` (`/cosmos/authz/v1beta1/grants`); empty
    /// when there is none (never granted, revoked, or expired and pruned).
    ///
    /// Errors: a failed or undecodable LCD query.
    pub async fn authz_grants(
        &self,
        granter: Address,
        grantee: Address,
    ) -> Result<Vec<ChainGrant>, ClientError> {
        let path = format!("/cosmos/authz/v1beta1/grants?granter={granter}&grantee={grantee}");
        let resp: GrantsResponse = self.get(&self.net.lcd, &path).await?;
        Ok(resp.grants.into_iter().map(ChainGrant::from).collect())
    }

    /// The on-chain id (`0x` + 64 hex) of the market whose ticker is `ticker` among the spot or
    /// derivative markets (any status), or None. Tickers compare without case, and a
    /// derivative's `-PERP` suffix matches the chain's `" PERP"` (`INJ/USDT-PERP` is
    /// `INJ/USDT PERP` on Injective).
    ///
    /// Errors: a failed or undecodable LCD query.
    pub async fn market_id_by_ticker(
        &self,
        ticker: &str,
        kind: MarketKind,
    ) -> Result<Option<String>, ClientError> {
        let same = |chain: &str| normalise(chain) == normalise(ticker);
        Ok(match kind {
            MarketKind::Spot => {
                let path = "/injective/exchange/v2/spot/markets";
                let resp: SpotMarketsResponse = self.get(&self.net.lcd, path).await?;
                resp.markets
                    .into_iter()
                    .find(|m| same(&m.ticker))
                    .map(|m| m.market_id)
            }
            MarketKind::Derivative => {
                let path = "/injective/exchange/v2/derivative/markets";
                let resp: DerivativeMarketsResponse = self.get(&self.net.lcd, path).await?;
                resp.markets
                    .into_iter()
                    .find(|m| same(&m.market.ticker))
                    .map(|m| m.market.market_id)
            }
        })
    }
}

/// Upper case, with the perpetual suffix written one way (`-PERP`).
fn normalise(ticker: &str) -> String {
    ticker.trim().to_ascii_uppercase().replace(" PERP", "-PERP")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickers_match_across_perp_spellings() {
        assert_eq!(normalise("INJ/USDT PERP"), normalise("INJ/USDT-PERP"));
        assert_eq!(normalise("inj/usdt"), "INJ/USDT");
        assert_ne!(normalise("INJ/USDT"), normalise("INJ/USDT-PERP"));
    }

    #[test]
    fn lcd_grants_decode_markets_and_expiry() {
        let body = r#"{"grants":[{"authorization":{"@type":"/injective.exchange.v2.BatchUpdateOrdersAuthz","subaccount_id":"0xab","spot_markets":["0x01"],"derivative_markets":[]},"expiration":"2026-12-30T03:00:00Z"}],"pagination":null}"#;
        let resp: GrantsResponse = serde_json::from_str(body).unwrap();
        let g: Vec<ChainGrant> = resp.grants.into_iter().map(ChainGrant::from).collect();
        assert_eq!(g.len(), 1);
        assert_eq!(
            g[0].authorization,
            "/injective.exchange.v2.BatchUpdateOrdersAuthz"
        );
        assert_eq!(g[0].spot_markets, vec!["0x01".to_owned()]);
        assert_eq!(g[0].expiration.as_deref(), Some("2026-12-30T03:00:00Z"));
        let none: GrantsResponse = serde_json::from_str(r#"{"grants":[]}"#).unwrap();
        assert!(none.grants.is_empty());
    }
}
