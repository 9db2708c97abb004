//! ABCI error codes of the exchange, sdk, authz and feegrant modules (copied from the shared
//! fixture table), so rejections are reported with a reason rather than a bare number.

const TABLE: &str = include_str!("abci_errors.tsv");

/// Description of `code` in `codespace` (`exchange`, `sdk`, `authz`, `feegrant`).
pub fn describe(codespace: &str, code: u32) -> Option<&'static str> {
    TABLE.lines().skip(1).find_map(|line| {
        let mut cols = line.split('\t');
        let (module, c, text) = (cols.next()?, cols.next()?, cols.next()?);
        (module == codespace && c.parse::<u32>().ok()? == code).then_some(text)
    })
}

/// The registered error a node message names, as `(codespace, code, description)`.
///
/// Cosmos errors print as `context: context: description` (errors.Wrap puts the cause last),
/// sometimes followed by ` [file:line]`; the last `: `-separated segment equal to a registered
/// description wins. Node answers that are not a `tx_response` (HTTP 500 of a broadcast or a
/// simulation) carry only this text, so this is how their code is recovered. A description
/// registered twice (`insufficient funds`: sdk 5, exchange 95) is read as the sdk one.
pub fn find_in(message: &str) -> Option<(&'static str, u32, &'static str)> {
    let rows = || {
        TABLE.lines().skip(1).filter_map(|line| {
            let mut cols = line.split('\t');
            let (module, c, text) = (cols.next()?, cols.next()?, cols.next()?);
            Some((module, c.parse::<u32>().ok()?, text))
        })
    };
    message
        .split(": ")
        .map(|seg| seg.split(" [").next().unwrap_or(seg).trim())
        .filter_map(|seg| {
            let mut hits = rows().filter(|r| r.2 == seg);
            let first = hits.next()?;
            Some(hits.chain([first]).find(|r| r.0 == "sdk").unwrap_or(first))
        })
        .last()
}

/// sdk code 32: the signer's sequence is not the one the chain expects.
pub const SDK_WRONG_SEQUENCE: u32 = 32;
/// sdk code 11: the transaction ran out of gas.
pub const SDK_OUT_OF_GAS: u32 = 11;

#[cfg(test)]
mod tests {
    #[test]
    fn known_codes() {
        assert_eq!(
            super::describe("exchange", 6),
            Some("subaccount has insufficient deposits")
        );
        assert!(super::describe("sdk", 32).is_some_and(|t| t.contains("sequence")));
        assert!(super::describe("sdk", 11).is_some_and(|t| t.contains("gas")));
        assert_eq!(super::describe("nope", 1), None);
    }

    #[test]
    fn finds_the_innermost_registered_error() {
        use super::find_in;
        assert_eq!(
            find_in("account sequence mismatch, expected 7, got 6: incorrect account sequence"),
            Some(("sdk", 32, "incorrect account sequence"))
        );
        assert_eq!(
            find_in("failed to execute message; message index: 0: msg contains subaccountID but no cancel all marketIDs: invalid batch msg update [x/exchange/types/v2/msgs.go:1958]"),
            Some(("exchange", 58, "invalid batch msg update"))
        );
        assert_eq!(
            find_in("spendable balance 0inj is smaller than 5inj: insufficient funds"),
            Some(("sdk", 5, "insufficient funds"))
        );
        assert_eq!(find_in("something else entirely"), None);
    }
}
