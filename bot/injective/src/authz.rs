//! Trade-only delegated keys. The granter (the funded wallet) grants the bot's key a typed
//! `BatchUpdateOrdersAuthz` for its subaccount and markets, with an expiry. The bot then trades
//! through authz MsgExec; a leaked bot key can place and cancel orders in those markets only,
//! and can never withdraw, transfer or send funds.

use cosmos_sdk_proto::cosmos::authz::v1beta1::{Grant, MsgGrant};
use cosmos_sdk_proto::Timestamp;

use crate::address::{Address, SubaccountId};
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
}
