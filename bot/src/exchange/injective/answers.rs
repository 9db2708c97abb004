//! What the connector's answers mean for the engine: errors as [`ExchangeError`]s, and the
//! orders a batch did not place.

use tradebot_injective::client::ClientError;
use tradebot_injective::msgs::RejectedOrder;

use super::super::ExchangeError;

/// Transport trouble, timeouts and unconfirmed txs: the state of our orders is unknown.
/// The connector's messages carry status codes and chain logs, never keys or request bodies.
impl From<ClientError> for ExchangeError {
    fn from(e: ClientError) -> Self {
        if let Some(reason) = e.grant_gone() {
            return ExchangeError::PermissionGone(reason);
        }
        match e {
            ClientError::Transport(..)
            | ClientError::Status { .. }
            | ClientError::NotConfirmed(_) => ExchangeError::Unavailable(e.to_string()),
            ClientError::Decode(..) => ExchangeError::Data(e.to_string()),
            _ => ExchangeError::Refused(e.to_string()),
        }
    }
}

/// Why the chain refused the order `cid` inside a successful batch, with its code.
pub(super) fn rejection(rejected: &[RejectedOrder], cid: &str) -> String {
    match rejected.iter().find(|r| r.cid == cid) {
        Some(RejectedOrder {
            code: Some(code),
            reason,
            ..
        }) => format!("{reason} (exchange code {code})"),
        Some(r) => r.reason.clone(),
        None => "no order hash in the response".to_owned(),
    }
}

/// Errors after which the chain certainly holds none of the batch's orders: refused before
/// broadcast (local checks) or delivered with a failure code (the whole tx reverted).
pub(super) fn nothing_placed(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::TxFailed { .. }
            | ClientError::OutOfGas { .. }
            | ClientError::Order(_)
            | ClientError::Decimal(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(cid: &str, code: Option<u32>, reason: &str) -> RejectedOrder {
        RejectedOrder {
            cid: cid.into(),
            market_id: "0x01".into(),
            code,
            reason: reason.into(),
        }
    }

    #[test]
    fn a_rejection_carries_the_chains_code_for_its_own_cid() {
        let all = [
            refused("a", Some(59), "post-only order would cross"),
            refused("b", None, "rejected by the exchange"),
        ];
        assert_eq!(
            rejection(&all, "a"),
            "post-only order would cross (exchange code 59)"
        );
        assert_eq!(rejection(&all, "b"), "rejected by the exchange");
        assert_eq!(rejection(&all, "c"), "no order hash in the response");
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;

    fn failed(codespace: &str, code: u32, log: &str) -> ClientError {
        ClientError::TxFailed {
            code,
            codespace: codespace.into(),
            description: "described".into(),
            log: log.into(),
        }
    }

    #[test]
    fn a_gone_grant_or_allowance_is_a_lost_permission_and_other_refusals_are_not() {
        for e in [
            failed("authz", 2, "authorization not found"),
            failed("authz", 6, "authorization expired"),
            failed("feegrant", 3, "fee limit exceeded"),
            failed("sdk", 38, "fee-grant not found: not found"),
        ] {
            match ExchangeError::from(e) {
                ExchangeError::PermissionGone(m) => {
                    assert!(
                        m.contains("renew it with `tradebot-injective grant`"),
                        "{m}"
                    );
                    assert!(!m.contains('\n'), "one line: {m}");
                }
                other => panic!("not a lost permission: {other:?}"),
            }
        }
        for e in [
            failed("sdk", 38, "account not found"),
            failed("sdk", 5, "insufficient funds"),
            failed("exchange", 59, "post-only order would cross"),
        ] {
            assert!(
                matches!(ExchangeError::from(e), ExchangeError::Refused(_)),
                "a plain refusal"
            );
        }
    }
}
