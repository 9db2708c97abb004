//! Before a delegated bot key trades: does the chain hold what it needs? The granter's authz
//! grant of batch updates covering the traded subaccount and market, not expired, and (when
//! the signer's fees are granted) a fee allowance from the granter. Read from the LCD
//! (`/cosmos/authz/v1beta1/grants`, `/cosmos/feegrant/v1beta1/allowance`), so a bot started
//! without its grant refuses at once with one line instead of failing its first transaction.
//!
//! The chain stays the judge: a grant revoked later fails `MsgExec` (see `grant_error`).

use serde::Deserialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{ClientError, InjectiveClient, MarketRef};
use crate::msgs::MarketKind;

/// The message type a trading grant must authorize (injective-core v1.20 exchange v2).
const BATCH_MSG: &str = "/injective.exchange.v2.MsgBatchUpdateOrders";
const TYPED_AUTHZ: &str = "/injective.exchange.v2.BatchUpdateOrdersAuthz";
const GENERIC_AUTHZ: &str = "/cosmos.authz.v1beta1.GenericAuthorization";

#[derive(Debug, Deserialize)]
struct GrantsResponse {
    #[serde(default)]
    grants: Vec<GrantJson>,
}

#[derive(Debug, Deserialize)]
struct GrantJson {
    authorization: Value,
    /// RFC 3339; absent: no expiry.
    #[serde(default)]
    expiration: Option<String>,
}

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
        let path = format!("/cosmos/authz/v1beta1/grants?granter={granter}&grantee={grantee}");
        let grants: GrantsResponse = self.get(&self.net.lcd, &path).await?;
        let now = OffsetDateTime::now_utc();
        if !grants.grants.iter().any(|g| covers(g, &sub, market, now)) {
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
fn covers(g: &GrantJson, sub: &str, market: &MarketRef, now: OffsetDateTime) -> bool {
    let live = match g.expiration.as_deref() {
        None => true,
        Some(t) => OffsetDateTime::parse(t, &Rfc3339).is_ok_and(|end| end > now),
    };
    let a = &g.authorization;
    let kind = a["@type"].as_str().unwrap_or_default();
    let allowed = match kind {
        GENERIC_AUTHZ => a["msg"] == BATCH_MSG,
        TYPED_AUTHZ => {
            let list = match market.kind {
                MarketKind::Spot => &a["spot_markets"],
                MarketKind::Derivative => &a["derivative_markets"],
            };
            let listed = list.as_array().is_some_and(|l| {
                l.iter().any(|m| {
                    m.as_str()
                        .is_some_and(|m| m.eq_ignore_ascii_case(&market.id))
                })
            });
            a["subaccount_id"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(sub))
                && listed
        }
        _ => false,
    };
    live && allowed
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SUB: &str = "0xaa00000000000000000000000000000000000000000000000000000000000000";

    fn grant(authorization: Value, expiration: Option<&str>) -> GrantJson {
        GrantJson {
            authorization,
            expiration: expiration.map(str::to_owned),
        }
    }

    #[test]
    fn a_grant_covers_its_subaccount_market_and_time_only() {
        let now = OffsetDateTime::parse("2026-11-30T00:00:00Z", &Rfc3339).unwrap();
        let spot = MarketRef::spot("0x01");
        let typed = json!({"@type": TYPED_AUTHZ, "subaccount_id": SUB,
            "spot_markets": ["0x01"], "derivative_markets": ["0x02"]});
        assert!(covers(&grant(typed.clone(), None), SUB, &spot, now));
        assert!(covers(
            &grant(typed.clone(), Some("2026-12-01T00:00:00Z")),
            SUB,
            &spot,
            now
        ));
        assert!(!covers(
            &grant(typed.clone(), Some("2026-11-29T00:00:00Z")),
            SUB,
            &spot,
            now
        ));
        assert!(!covers(
            &grant(typed.clone(), None),
            SUB,
            &MarketRef::spot("0x02"),
            now
        ));
        assert!(covers(
            &grant(typed.clone(), None),
            SUB,
            &MarketRef::derivative("0x02"),
            now
        ));
        let other_sub = SUB.replace("aa", "bb");
        assert!(!covers(&grant(typed, None), &other_sub, &spot, now));
        let generic = json!({"@type": GENERIC_AUTHZ, "msg": BATCH_MSG});
        assert!(covers(&grant(generic, None), SUB, &spot, now));
        let send = json!({"@type": GENERIC_AUTHZ, "msg": "/cosmos.bank.v1beta1.MsgSend"});
        assert!(!covers(&grant(send, None), SUB, &spot, now));
    }
}
