//! Which chain refusals mean a delegated bot key has lost its rights: the authz grant or the
//! fee allowance is missing, expired, revoked or spent. The bot cannot trade again until an
//! operator renews them (`tradebot-injective grant`), so the adapter treats these as halting,
//! with the one-line reason given here.
//!
//! Codes (cosmos-sdk x/authz and x/feegrant as injectived v1.20 embeds them): `MsgExec` of a
//! grant that is gone or expired fails with authz 2 "authorization not found" (an expired grant
//! is read as absent, and pruned) or authz 6 "authorization expired"; a fee allowance that is
//! spent or expired fails the fee deduction with feegrant 2 or 3, a revoked one with sdk 38
//! "not found" wrapped as "fee-grant not found", a message outside an `AllowedMsgAllowance`
//! with feegrant 7.

use crate::client::ClientError;

const AUTHZ_GONE: [u32; 3] = [2, 5, 6];
const FEEGRANT_GONE: [u32; 4] = [2, 3, 5, 7];
const SDK_NOT_FOUND: u32 = 38;

impl ClientError {
    /// `Some(one-line reason)` when the chain refused the tx because the bot key's authz grant
    /// or fee allowance is missing, expired, revoked or spent.
    pub fn grant_gone(&self) -> Option<String> {
        let ClientError::TxFailed {
            code,
            codespace,
            description,
            log,
        } = self
        else {
            return None;
        };
        let what = match codespace.as_str() {
            "authz" if AUTHZ_GONE.contains(code) => "trading grant (authz)",
            "feegrant" if FEEGRANT_GONE.contains(code) => "fee allowance (feegrant)",
            "sdk" if *code == SDK_NOT_FOUND && log.contains("fee-grant") => {
                "fee allowance (feegrant)"
            }
            _ => return None,
        };
        Some(format!(
            "the bot key's {what} from the granter is missing, expired, revoked or spent \
             ({codespace} {code}: {description}); renew it with `tradebot-injective grant`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(codespace: &str, code: u32, log: &str) -> ClientError {
        ClientError::TxFailed {
            code,
            codespace: codespace.into(),
            description: crate::errors::describe(codespace, code)
                .unwrap_or("unknown")
                .into(),
            log: log.into(),
        }
    }

    #[test]
    fn grant_and_allowance_refusals_are_recognised_with_one_line() {
        for (space, code, log) in [
            (
                "authz",
                2,
                "failed to get grant with given granter: authorization not found",
            ),
            ("authz", 6, "authorization expired"),
            (
                "feegrant",
                3,
                "inj1x does not allow to pay fees for inj1y: fee allowance expired",
            ),
            ("feegrant", 2, "fee limit exceeded"),
            (
                "feegrant",
                7,
                "message does not exist in allowed messages: message not allowed",
            ),
            (
                "sdk",
                38,
                "inj1x does not allow to pay fees for inj1y: fee-grant not found: not found",
            ),
        ] {
            let reason = failed(space, code, log).grant_gone();
            let reason = reason.unwrap_or_else(|| panic!("{space} {code} not recognised"));
            assert_eq!(reason.lines().count(), 1, "{reason}");
            assert!(reason.contains(&format!("{space} {code}")), "{reason}");
            assert!(reason.contains("tradebot-injective grant"), "{reason}");
        }
        let fee = failed("feegrant", 3, "").grant_gone().unwrap();
        assert!(fee.contains("fee allowance"), "{fee}");
        let authz = failed("authz", 2, "").grant_gone().unwrap();
        assert!(authz.contains("trading grant"), "{authz}");
    }

    #[test]
    fn other_refusals_are_not_taken_for_a_lost_grant() {
        for e in [
            failed("sdk", 38, "account inj1x not found"),
            failed("sdk", 5, "insufficient funds"),
            failed("exchange", 59, "post-only"),
            failed(
                "authz",
                3,
                "expiration time of authorization should be more than current time",
            ),
            failed("feegrant", 4, "invalid duration"),
            ClientError::NoSigner,
            ClientError::OutOfGas {
                gas_wanted: 1,
                gas_used: 2,
            },
        ] {
            assert_eq!(e.grant_gone(), None, "{e}");
        }
    }
}
