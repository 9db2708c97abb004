use super::*;

#[test]
fn parses_expected_sequence() {
    let log = "account sequence mismatch, expected 6, got 5: incorrect account sequence";
    assert_eq!(expected_sequence(log), Some(6));
    assert_eq!(expected_sequence("nope"), None);
}

#[test]
fn gas_margin_is_multiplied_then_added() {
    assert_eq!(with_margin(100_000, Decimal::new(13, 1), 20_000), 150_000);
    assert_eq!(with_margin(3, Decimal::new(15, 1), 0), 5);
    assert_eq!(with_margin(u64::MAX, Decimal::TWO, 1), u64::MAX);
}

#[test]
fn refusals_are_classified_by_kind() {
    let seq = "account sequence mismatch, expected 9, got 8: incorrect account sequence";
    assert!(matches!(refusal(seq, None), SendError::Sequence(l) if l == seq));
    // The ABCI code of the body wins over the text.
    assert!(matches!(
        refusal("whatever", Some(("sdk".into(), 32))),
        SendError::Sequence(_)
    ));
    assert!(matches!(
        refusal("whatever", Some(("sdk".into(), 11))),
        SendError::Other(ClientError::OutOfGas { .. })
    ));
    assert!(matches!(
        refusal("post-only", Some(("exchange".into(), 59))),
        SendError::Other(ClientError::TxFailed { code: 59, ref description, .. })
            if description == "post-only order exceeds top of book price"
    ));
    let oog = "out of gas in location: ReadFlat; gasWanted: 120000, gasUsed: 120734: out of gas";
    assert!(matches!(
        refusal(oog, None),
        SendError::Other(ClientError::OutOfGas {
            gas_wanted: 120000,
            gas_used: 120734
        })
    ));
    let invalid = "msg contains subaccountID but no cancel all marketIDs: invalid batch msg update";
    assert!(matches!(
        refusal(invalid, None),
        SendError::Other(ClientError::TxFailed { code: 58, ref codespace, .. }) if codespace == "exchange"
    ));
    assert!(matches!(
        refusal("who knows", None),
        SendError::Other(ClientError::TxFailed { code: 0, .. })
    ));
    let e = SendError::from(ClientError::Status {
        path: "/x".into(),
        status: 502,
        body: seq.into(),
        abci: None,
    });
    assert!(matches!(e, SendError::Other(ClientError::Status { .. })));
}

#[test]
fn delivered_out_of_gas_is_recognised_with_or_without_its_code() {
    let resp = |codespace: &str, code: u32, log: &str| models::TxResponse {
        code,
        codespace: codespace.into(),
        raw_log: log.into(),
        gas_wanted: 100,
        gas_used: 101,
        ..Default::default()
    };
    for r in [
        resp("sdk", 11, ""),
        resp(
            "undefined",
            111222,
            "panic: out of gas in location: WritePerByte",
        ),
    ] {
        assert!(matches!(
            tx_failure(&r),
            ClientError::OutOfGas {
                gas_wanted: 100,
                gas_used: 101
            }
        ));
    }
    assert!(matches!(
        tx_failure(&resp("exchange", 59, "")),
        ClientError::TxFailed { code: 59, .. }
    ));
}

#[test]
fn logs_are_kept_on_one_line_without_control_codes() {
    let raw =
        "\u{1}\u{13}vmG\n\r does not allow to pay fees for \u{7f}x: fee-grant not found: not found";
    let SendError::Other(e) = refusal(raw, None) else {
        panic!("not a refusal")
    };
    let text = e.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(text.contains("(sdk 38: not found)"), "{text}");
    let resp = models::TxResponse {
        code: 38,
        codespace: "sdk".into(),
        raw_log: format!("{raw}{}", "x".repeat(400)),
        ..Default::default()
    };
    let text = tx_failure(&resp).to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(text.len() < 400, "{}", text.len());
}
