use super::*;

#[test]
fn accepts_plain_ids() {
    for ok in ["demo", "desk-1", "a", "w_2", "0abc", &"x".repeat(32)] {
        assert_eq!(WalletId::parse(ok).unwrap().as_str(), ok);
        assert_eq!(BotId::parse(ok).unwrap().as_str(), ok);
    }
    assert!(BotId::parse(&"x".repeat(48)).is_ok());
    for ok in ["INJ/USDT", "TIA/USDT-PERP", "A1/B2"] {
        assert_eq!(MarketId::parse(ok).unwrap().as_str(), ok);
    }
    assert!(LaunchId::parse("0123456789abcdef").is_ok());
}

#[test]
fn refuses_path_characters_and_junk() {
    for bad in [
        "",
        "../x",
        "a/b",
        "a b",
        "A",
        "-a",
        "_a",
        ".",
        "a.b",
        "a*",
        "a+",
        "é",
        "a\n",
        &"x".repeat(33),
    ] {
        assert!(WalletId::parse(bad).is_err(), "{bad:?} accepted");
    }
    assert!(BotId::parse(&"x".repeat(49)).is_err());
    for bad in [
        "inj/usdt",
        "INJUSDT",
        "/USDT",
        "INJ/",
        "INJ/USDT-perp",
        "A/B/C",
    ] {
        assert!(MarketId::parse(bad).is_err(), "{bad:?} accepted");
    }
    for bad in ["", "0123456789abcde", "0123456789ABCDEF", &"a".repeat(65)] {
        assert!(LaunchId::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn refusals_name_the_id_and_echo_a_short_printable_prefix() {
    let err = WalletId::parse(&format!("a\n{}", "b".repeat(100))).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("invalid wallet id \"a?"), "{text}");
    assert!(!text.contains('\n') && text.len() < 160, "{text}");
    let err = MarketId::parse("inj/usdt").unwrap_err().to_string();
    assert!(err.contains("market id"), "{err}");
}

#[test]
fn built_ids_parse_and_serde_runs_the_parser() {
    let w = WalletId::parse("desk-1").unwrap();
    let bot = BotId::for_wallet(&w, [0xab, 0x01, 0xff]);
    assert_eq!(bot.as_str(), "desk-1-ab01ff");
    assert_eq!(BotId::parse(bot.as_str()), Ok(bot.clone()));
    let long = WalletId::parse(&"w".repeat(32)).unwrap();
    assert!(BotId::parse(BotId::for_wallet(&long, [0; 3]).as_str()).is_ok());
    let launch = LaunchId::from_random([1, 2, 3, 4, 5, 6, 7, 0xfe]);
    assert_eq!(launch.as_str(), "01020304050607fe");
    assert_eq!(LaunchId::parse(launch.as_str()), Ok(launch));
    assert_eq!(serde_json::to_string(&bot).unwrap(), "\"desk-1-ab01ff\"");
    assert_eq!(
        serde_json::from_str::<BotId>("\"desk-1-ab01ff\"").unwrap(),
        bot
    );
    let err = serde_json::from_str::<WalletId>("\"../x\"").unwrap_err();
    assert!(err.to_string().contains("invalid wallet id"), "{err}");
}

proptest::proptest! {
    #[test]
    fn parsed_ids_are_safe_path_segments(s in "\\PC{0,60}") {
        if let Ok(id) = WalletId::parse(&s) {
            proptest::prop_assert!(!id.as_str().contains(['/', '.', ' ', '*', '+']));
            proptest::prop_assert!(id.as_str().len() <= 32);
        }
        if let Ok(id) = BotId::parse(&s) {
            proptest::prop_assert!(!id.as_str().contains(['/', '.', ' ', '*', '+']));
            proptest::prop_assert!(id.as_str().len() <= 48);
        }
        if let Ok(id) = LaunchId::parse(&s) {
            proptest::prop_assert!(id.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        }
        if let Ok(id) = MarketId::parse(&s) {
            proptest::prop_assert!(!id.as_str().contains(['.', ' ', '*', '+']));
            proptest::prop_assert_eq!(id.as_str().matches('/').count(), 1);
        }
    }

    #[test]
    fn every_wallet_id_makes_a_valid_bot_id(w in "[a-z0-9][a-z0-9_-]{0,31}", n in proptest::array::uniform3(0u8..)) {
        let wallet = WalletId::parse(&w).unwrap();
        let bot = BotId::for_wallet(&wallet, n);
        proptest::prop_assert_eq!(BotId::parse(bot.as_str()), Ok(bot));
    }

    #[test]
    fn ids_round_trip_through_json(s in "[a-z0-9][a-z0-9_-]{0,31}") {
        let id = WalletId::parse(&s).unwrap();
        let json = serde_json::to_string(&id).unwrap();
        proptest::prop_assert_eq!(serde_json::from_str::<WalletId>(&json).unwrap(), id);
    }

    #[test]
    fn market_slugs_are_one_to_one_path_segments(
        a in "[A-Z0-9]{1,12}/[A-Z0-9]{1,12}(-PERP)?",
        b in "[A-Z0-9]{1,12}/[A-Z0-9]{1,12}(-PERP)?",
    ) {
        let (ma, mb) = (MarketId::parse(&a).unwrap(), MarketId::parse(&b).unwrap());
        let slug = ma.slug();
        proptest::prop_assert!(!slug.contains('/'));
        proptest::prop_assert!(slug.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'));
        proptest::prop_assert_eq!(ma == mb, slug == mb.slug());
    }
}
