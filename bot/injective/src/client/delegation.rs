//! Before a delegated bot key trades: does the chain hold what it needs? The granter's typed
//! authz grant of batch updates (`BatchUpdateOrdersAuthz`) covering the traded subaccount and
//! market, not expired, and (when the signer's fees are granted) a fee allowance from the
//! granter. Read from the LCD ([`InjectiveClient::authz_grants`],
//! `/cosmos/feegrant/v1beta1/allowance`), so a bot started without its grant refuses at once
//! with one line instead of failing its first transaction.
//!
//! The chain stays the judge: a grant revoked later fails `MsgExec` (see `grant_error`).

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{ChainGrant, ClientError, InjectiveClient, MarketRef};
use crate::msgs::MarketKind;

/// The authorization `tradebot-injective grant` and `tradebot keys grant` create
/// (injective-core v1.20 exchange v2).
const TYPED_AUTHZ: &str = "/injective.exchange.v2.BatchUpdateOrdersAuthz";

impl InjectiveClient {
    /// For a delegated signer: `Ok(None)` when the chain holds a live trading grant for
    /// `market` on this client's subaccount and, if fees are granted, a fee allowance;
    /// `Ok(Some(one-line reason))` naming what is missing. A direct signer: always `Ok(None)`.
    ///
    /// Errors: [`ClientError::NoSigner`], or an LCD query that failed (other than "not found").
    pub async fn delegation_gap(&self, market: &MarketRef) -> Result<Option<String>, ClientError> {
        let signer = self.signer.as_ref().ok_or(ClientError::NoSigner)?;
        let Some(granter) = signer.granter else {
            return Ok(None);
        };
        let grantee = signer.signer_address();
        let sub = self.subaccount()?.to_hex();
        let grants = self.authz_grants(granter, grantee).await?;
        let now = OffsetDateTime::now_utc();
        if !grants.iter().any(|g| covers(g, &sub, market, now)) {
            return Ok(Some(format!(
                "the bot key {grantee} has no trading grant (authz) from the granter {granter} for market {} on subaccount {sub}; create it with `tradebot-injective grant`",
                market.id
            )));
        }
        if signer.fee_granter.is_some() {
            let path = format!("/cosmos/feegrant/v1beta1/allowance/{granter}/{grantee}");
            match self.get::<Value>(&self.net.lcd, &path).await {
                Ok(_) => {}
                Err(ClientError::Status { body, .. }) if body.contains("not found") => {
                    return Ok(Some(format!(
                        "the bot key {grantee} has no fee allowance (feegrant) from the granter {granter}; create it with `tradebot-injective grant`"
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}

/// Whether one grant lets the key batch-update `market` on subaccount `sub` now.
fn covers(g: &ChainGrant, sub: &str, market: &MarketRef, now: OffsetDateTime) -> bool {
    let live = match g.expiration.as_deref() {
        None => true,
        Some(t) => OffsetDateTime::parse(t, &Rfc3339).is_ok_and(|end| end > now),
    };
    let markets = match market.kind {
        MarketKind::Spot => &g.spot_markets,
        MarketKind::Derivative => &g.derivative_markets,
    };
    live && g.authorization == TYPED_AUTHZ
        && g.subaccount_id
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(sub))
        && markets.iter().any(|m| m.eq_ignore_ascii_case(&market.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "0xaa00000000000000000000000000000000000000000000000000000000000000";

    fn grant(expiration: Option<&str>) -> ChainGrant {
        ChainGrant {
            authorization: TYPED_AUTHZ.into(),
            subaccount_id: Some(SUB.into()),
            spot_markets: vec!["0x01".into()],
            derivative_markets: vec!["0x02".into()],
            expiration: expiration.map(str::to_owned),
        }
    }

    #[test]
    fn a_grant_covers_its_subaccount_market_and_time_only() {
        let now = OffsetDateTime::parse("2026-11-30T00:00:00Z", &Rfc3339).unwrap();
        let spot = MarketRef::spot("0x01");
        assert!(covers(&grant(None), SUB, &spot, now));
        assert!(covers(
            &grant(Some("2026-12-01T00:00:00Z")),
            SUB,
            &spot,
            now
        ));
        assert!(!covers(
            &grant(Some("2026-11-29T00:00:00Z")),
            SUB,
            &spot,
            now
        ));
        assert!(!covers(&grant(None), SUB, &MarketRef::spot("0x02"), now));
        assert!(covers(
            &grant(None),
            SUB,
            &MarketRef::derivative("0x02"),
            now
        ));
        assert!(!covers(
            &grant(None),
            SUB,
            &MarketRef::derivative("0x01"),
            now
        ));
        let other_sub = SUB.replace("aa", "bb");
        assert!(!covers(&grant(None), &other_sub, &spot, now));
        let generic = ChainGrant {
            authorization: "/cosmos.authz.v1beta1.GenericAuthorization".into(),
            subaccount_id: None,
            ..grant(None)
        };
        assert!(!covers(&generic, SUB, &spot, now));
    }
}
