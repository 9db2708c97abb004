//! Trade-only delegated keys. The granter (the funded wallet) grants the bot's key a typed
//! `BatchUpdateOrdersAuthz` for its subaccount and markets, with an expiry. The bot then trades
//! through authz MsgExec; a leaked bot key can place and cancel orders in those markets only,
//! and can never withdraw, transfer or send funds. Its fees are paid by the granter through a
//! fee allowance ([`crate::feegrant`]), granted in the same transaction ([`delegation_msgs`]),
//! so the bot key holds no funds either.
//!
//! What the chain enforces (cosmos-sdk x/authz and injective-core's exchange authz, v1.20): the
//! grant is stored under the type url of the message it authorizes
//! (`/injective.exchange.v2.MsgBatchUpdateOrders`), so a revoke names that url; the expiry must
//! be after the current block time; `MsgExec` of an expired or revoked grant fails with
//! "authorization not found" (authz 2) or "authorization expired" (authz 6); the typed
//! authorization accepts only batches on its subaccount and markets.

use cosmos_sdk_proto::cosmos::authz::v1beta1::{Grant, MsgGrant, MsgRevoke};
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use cosmos_sdk_proto::{Any, Timestamp};

use crate::address::{Address, SubaccountId};
use crate::feegrant::{self, AllowanceError, AllowanceSpec};
use crate::proto;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSpec {
    pub granter: Address,
    pub grantee: Address,
    pub subaccount: SubaccountId,
    pub spot_markets: Vec<String>,
    pub derivative_markets: Vec<String>,
    /// Unix seconds; the chain refuses an expiry in the past.
    pub expires_at: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GrantError {
    #[error("the grant must name at least one market")]
    NoMarkets,
    #[error("the subaccount must belong to the granter")]
    ForeignSubaccount,
    #[error("granter and grantee must differ")]
    SelfGrant,
    #[error(transparent)]
    Allowance(#[from] AllowanceError),
}

/// The MsgGrant the granter signs.
pub fn grant_msg(spec: &GrantSpec) -> Result<MsgGrant, GrantError> {
    if spec.spot_markets.is_empty() && spec.derivative_markets.is_empty() {
        return Err(GrantError::NoMarkets);
    }
    if spec.subaccount.address() != spec.granter {
        return Err(GrantError::ForeignSubaccount);
    }
    if spec.granter == spec.grantee {
        return Err(GrantError::SelfGrant);
    }
    let authz = proto::BatchUpdateOrdersAuthz {
        subaccount_id: spec.subaccount.to_hex(),
        spot_markets: spec.spot_markets.clone(),
        derivative_markets: spec.derivative_markets.clone(),
    };
    Ok(MsgGrant {
        granter: spec.granter.to_bech32(),
        grantee: spec.grantee.to_bech32(),
        grant: Some(Grant {
            authorization: Some(proto::to_any(&authz)),
            expiration: Some(Timestamp {
                seconds: spec.expires_at,
                nanos: 0,
            }),
        }),
    })
}

/// The trade-only grant and the fee allowance that pays for it, for one transaction signed by
/// the granter: both expire together; `fee_spend_limit` caps what the bot key can burn in fees.
pub fn delegation_msgs(
    spec: &GrantSpec,
    fee_spend_limit: Vec<Coin>,
) -> Result<Vec<Any>, GrantError> {
    let grant = grant_msg(spec)?;
    let allowance = feegrant::allowance_msg(&AllowanceSpec {
        granter: spec.granter,
        grantee: spec.grantee,
        spend_limit: fee_spend_limit,
        expires_at: spec.expires_at,
    })?;
    Ok(vec![proto::to_any(&grant), proto::to_any(&allowance)])
}

/// What a delegation grants, for the operator to read before it is signed (the ops CLI and
/// the dashboard's keys CLI print it): parties, the authorization and its subaccount and
/// markets, the fee allowance's messages and spend limit (coins), the expiry (unix seconds).
pub fn delegation_summary(spec: &GrantSpec, fee_spend_limit: &[Coin]) -> serde_json::Value {
    serde_json::json!({
        "granter": spec.granter.to_bech32(),
        "grantee": spec.grantee.to_bech32(),
        "authorization": proto::type_url::<proto::BatchUpdateOrdersAuthz>(),
        "subaccount_id": spec.subaccount.to_hex(),
        "spot_markets": spec.spot_markets,
        "derivative_markets": spec.derivative_markets,
        "fee_allowance": "/cosmos.feegrant.v1beta1.AllowedMsgAllowance",
        "fee_allowed_messages": ["/cosmos.authz.v1beta1.MsgExec"],
        "fee_spend_limit": fee_spend_limit.iter().map(|c| format!("{}{}", c.amount, c.denom)).collect::<Vec<_>>(),
        "expiration_unix": spec.expires_at,
    })
}

/// What a revocation ends, for the operator to read.
pub fn revocation_summary(granter: Address, grantee: Address) -> serde_json::Value {
    serde_json::json!({
        "granter": granter.to_bech32(),
        "grantee": grantee.to_bech32(),
        "revokes": [proto::type_url::<proto::MsgBatchUpdateOrders>(), "fee allowance"],
    })
}

/// Ends the trade grant at once (the grant is keyed by the type url of the message it allows).
pub fn revoke_msg(granter: Address, grantee: Address) -> MsgRevoke {
    MsgRevoke {
        granter: granter.to_bech32(),
        grantee: grantee.to_bech32(),
        msg_type_url: proto::type_url::<proto::MsgBatchUpdateOrders>(),
    }
}

/// The revoke of the trade grant and of its fee allowance, for one transaction.
pub fn revocation_msgs(granter: Address, grantee: Address) -> Vec<Any> {
    vec![
        proto::to_any(&revoke_msg(granter, grantee)),
        proto::to_any(&feegrant::revoke_allowance_msg(granter, grantee)),
    ]
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    #[test]
    fn typed_grant_limited_to_markets_with_expiry() {
        let granter = Address::from_bytes([1; 20]);
        let grantee = Address::from_bytes([2; 20]);
        let spec = GrantSpec {
            granter,
            grantee,
            subaccount: granter.subaccount(0),
            spot_markets: vec!["0xaa".into()],
            derivative_markets: vec![],
            expires_at: 1_900_000_000,
        };
        let msg = grant_msg(&spec).unwrap();
        let grant = msg.grant.unwrap();
        let any = grant.authorization.unwrap();
        assert_eq!(
            any.type_url,
            "/injective.exchange.v2.BatchUpdateOrdersAuthz"
        );
        let authz = proto::BatchUpdateOrdersAuthz::decode(any.value.as_slice()).unwrap();
        assert_eq!(authz.spot_markets, vec!["0xaa".to_owned()]);
        assert_eq!(authz.subaccount_id, granter.subaccount(0).to_hex());
        assert_eq!(grant.expiration.unwrap().seconds, 1_900_000_000);

        let foreign = GrantSpec {
            subaccount: grantee.subaccount(0),
            ..spec.clone()
        };
        assert_eq!(grant_msg(&foreign), Err(GrantError::ForeignSubaccount));
        let none = GrantSpec {
            spot_markets: vec![],
            ..spec.clone()
        };
        assert_eq!(grant_msg(&none), Err(GrantError::NoMarkets));
        let selfish = GrantSpec {
            grantee: granter,
            ..spec
        };
        assert_eq!(grant_msg(&selfish), Err(GrantError::SelfGrant));
    }

    #[test]
    fn delegation_is_one_grant_and_one_allowance_expiring_together() {
        let granter = Address::from_bytes([1; 20]);
        let grantee = Address::from_bytes([2; 20]);
        let spec = GrantSpec {
            granter,
            grantee,
            subaccount: granter.subaccount(0),
            spot_markets: vec!["0xaa".into()],
            derivative_markets: vec!["0xbb".into()],
            expires_at: 1_900_000_000,
        };
        let limit = feegrant::parse_coins("5inj").unwrap();
        let msgs = delegation_msgs(&spec, limit).unwrap();
        let urls: Vec<&str> = msgs.iter().map(|m| m.type_url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "/cosmos.authz.v1beta1.MsgGrant",
                "/cosmos.feegrant.v1beta1.MsgGrantAllowance"
            ]
        );
        let allowance = cosmos_sdk_proto::cosmos::feegrant::v1beta1::MsgGrantAllowance::decode(
            msgs[1].value.as_slice(),
        )
        .unwrap();
        assert_eq!(allowance.granter, granter.to_bech32());
        assert_eq!(allowance.grantee, grantee.to_bech32());
        assert_eq!(
            delegation_msgs(&spec, vec![]),
            Err(GrantError::Allowance(AllowanceError::NoSpendLimit))
        );
        let none = GrantSpec {
            spot_markets: vec![],
            derivative_markets: vec![],
            ..spec
        };
        assert_eq!(
            delegation_msgs(&none, feegrant::parse_coins("5inj").unwrap()),
            Err(GrantError::NoMarkets)
        );
    }

    #[test]
    fn revocation_names_the_batch_message_and_the_allowance() {
        let (granter, grantee) = (Address::from_bytes([1; 20]), Address::from_bytes([2; 20]));
        let msgs = revocation_msgs(granter, grantee);
        assert_eq!(msgs[0].type_url, "/cosmos.authz.v1beta1.MsgRevoke");
        let revoke = MsgRevoke::decode(msgs[0].value.as_slice()).unwrap();
        assert_eq!(
            revoke.msg_type_url,
            "/injective.exchange.v2.MsgBatchUpdateOrders"
        );
        assert_eq!(
            (revoke.granter, revoke.grantee),
            (granter.to_bech32(), grantee.to_bech32())
        );
        assert_eq!(
            msgs[1].type_url,
            "/cosmos.feegrant.v1beta1.MsgRevokeAllowance"
        );
    }
}
