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
}
