//! Fee allowances (x/feegrant) for delegated bot keys: the granter pays the fees of the bot
//! key's transactions, up to a spend limit and until an expiry, so the bot key needs no funds
//! at all. The allowance is restricted to authz `MsgExec` (an `AllowedMsgAllowance` around a
//! `BasicAllowance`): the chain checks the top-level messages of the tx against that list, so
//! the bot key cannot spend the allowance on anything but trading through its authz grant.
//!
//! What the chain enforces (cosmos-sdk x/feegrant, the version injectived v1.20 embeds): the
//! expiry must be after the current block time when granted; at most one allowance per
//! (granter, grantee) pair, a second grant is refused; the grant creates the grantee's account
//! when it has none, which is what lets a never-funded key sign; an exhausted or expired
//! allowance is deleted and the fee deduction fails ("fee limit exceeded", "fee allowance
//! expired"); a revoked one fails as "fee-grant not found".

use cosmos_sdk_proto::cosmos::authz::v1beta1::MsgExec;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use cosmos_sdk_proto::cosmos::feegrant::v1beta1::{
    AllowedMsgAllowance, BasicAllowance, MsgGrantAllowance, MsgRevokeAllowance,
};
use cosmos_sdk_proto::Timestamp;

use crate::address::Address;
use crate::proto;

/// A fee allowance from `granter` to `grantee` for `MsgExec` transactions only.
#[derive(Debug, Clone, PartialEq)]
pub struct AllowanceSpec {
    pub granter: Address,
    pub grantee: Address,
    /// The most the grantee may spend on fees over the allowance's life; never empty (an empty
    /// limit would be unlimited).
    pub spend_limit: Vec<Coin>,
    /// Unix seconds.
    pub expires_at: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AllowanceError {
    #[error("the fee allowance needs a spend limit")]
    NoSpendLimit,
    #[error("granter and grantee must differ")]
    SelfGrant,
    #[error("bad spend limit {0:?}: expected coins like 1000000000000000000inj")]
    BadCoins(String),
}

/// The MsgGrantAllowance the granter signs.
pub fn allowance_msg(spec: &AllowanceSpec) -> Result<MsgGrantAllowance, AllowanceError> {
    if spec.spend_limit.is_empty() {
        return Err(AllowanceError::NoSpendLimit);
    }
    if spec.granter == spec.grantee {
        return Err(AllowanceError::SelfGrant);
    }
    let basic = BasicAllowance {
        spend_limit: spec.spend_limit.clone(),
        expiration: Some(Timestamp {
            seconds: spec.expires_at,
            nanos: 0,
        }),
    };
    let allowed = AllowedMsgAllowance {
        allowance: Some(proto::to_any(&basic)),
        allowed_messages: vec![proto::type_url::<MsgExec>()],
    };
    Ok(MsgGrantAllowance {
        granter: spec.granter.to_bech32(),
        grantee: spec.grantee.to_bech32(),
        allowance: Some(proto::to_any(&allowed)),
    })
}

/// Ends the allowance at once.
pub fn revoke_allowance_msg(granter: Address, grantee: Address) -> MsgRevokeAllowance {
    MsgRevokeAllowance {
        granter: granter.to_bech32(),
        grantee: grantee.to_bech32(),
    }
}

/// `1000inj,5peggy0x...` -> coins, each a positive integer amount followed by a denom.
pub fn parse_coins(text: &str) -> Result<Vec<Coin>, AllowanceError> {
    let bad = || AllowanceError::BadCoins(text.chars().take(80).collect());
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let split = part.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
            let (amount, denom) = part.split_at(split);
            let value: u128 = amount.parse().map_err(|_| bad())?;
            let denom_ok = denom.starts_with(|c: char| c.is_ascii_alphabetic())
                && denom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/:._-".contains(c));
            if value == 0 || !denom_ok {
                return Err(bad());
            }
            Ok(Coin {
                denom: denom.to_owned(),
                amount: value.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use cosmos_sdk_proto::cosmos::feegrant::v1beta1::AllowedMsgAllowance;
    use prost::Message;

    use super::*;

    fn spec() -> AllowanceSpec {
        AllowanceSpec {
            granter: Address::from_bytes([1; 20]),
            grantee: Address::from_bytes([2; 20]),
            spend_limit: parse_coins("1000000000000000000inj").unwrap(),
            expires_at: 1_900_000_000,
        }
    }

    #[test]
    fn allowance_is_limited_to_msg_exec_with_a_spend_limit_and_expiry() {
        let msg = allowance_msg(&spec()).unwrap();
        assert_eq!(msg.granter, Address::from_bytes([1; 20]).to_bech32());
        assert_eq!(msg.grantee, Address::from_bytes([2; 20]).to_bech32());
        let any = msg.allowance.unwrap();
        assert_eq!(any.type_url, "/cosmos.feegrant.v1beta1.AllowedMsgAllowance");
        let allowed = AllowedMsgAllowance::decode(any.value.as_slice()).unwrap();
        assert_eq!(
            allowed.allowed_messages,
            vec!["/cosmos.authz.v1beta1.MsgExec".to_owned()]
        );
        let inner = allowed.allowance.unwrap();
        assert_eq!(inner.type_url, "/cosmos.feegrant.v1beta1.BasicAllowance");
        let basic = BasicAllowance::decode(inner.value.as_slice()).unwrap();
        assert_eq!(basic.expiration.unwrap().seconds, 1_900_000_000);
        assert_eq!(basic.spend_limit.len(), 1);
        assert_eq!(basic.spend_limit[0].denom, "inj");
        assert_eq!(basic.spend_limit[0].amount, "1000000000000000000");
    }

    #[test]
    fn refuses_unlimited_and_self_allowances() {
        let unlimited = AllowanceSpec {
            spend_limit: vec![],
            ..spec()
        };
        assert_eq!(allowance_msg(&unlimited), Err(AllowanceError::NoSpendLimit));
        let selfish = AllowanceSpec {
            grantee: Address::from_bytes([1; 20]),
            ..spec()
        };
        assert_eq!(allowance_msg(&selfish), Err(AllowanceError::SelfGrant));
    }

    #[test]
    fn revoke_names_both_parties() {
        let m = revoke_allowance_msg(Address::from_bytes([1; 20]), Address::from_bytes([2; 20]));
        assert_eq!(m.granter, Address::from_bytes([1; 20]).to_bech32());
        assert_eq!(m.grantee, Address::from_bytes([2; 20]).to_bech32());
    }

    #[test]
    fn coins_parse_and_refuse() {
        let two = parse_coins("5inj, 7peggy0xdAC17F958D2ee523a2206206994597C13D831ec7").unwrap();
        assert_eq!(
            two.iter()
                .map(|c| (c.amount.as_str(), c.denom.as_str()))
                .collect::<Vec<_>>(),
            vec![
                ("5", "inj"),
                ("7", "peggy0xdAC17F958D2ee523a2206206994597C13D831ec7")
            ]
        );
        for bad in [
            "",
            "inj",
            "ibc/ABC12",
            "10",
            "0inj",
            "-5inj",
            "5 inj",
            "5inj,",
            "1.5inj",
            "5in j",
        ] {
            assert!(parse_coins(bad).is_err(), "{bad:?}");
        }
        assert!(parse_coins(
            "3ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2"
        )
        .is_ok());
    }
}
