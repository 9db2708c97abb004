use std::time::Duration;

use secrecy::ExposeSecret;

use super::*;

fn config() -> ManagerConfig {
    ManagerConfig {
        stack: "prod".into(),
        image: "tradebot-bot:1".into(),
        network: "tradebot-bots".into(),
        vault_address: "https://vault:8200".into(),
        vault_ca_pem: Some("-----BEGIN CERTIFICATE-----".into()),
        kv_mount: "wallets".into(),
        markets: vec!["INJ/USDT".into()],
        status_interval_secs: 7,
        ready_timeout: Duration::from_secs(30),
        stop_grace_secs: 12,
        restart_max: 3,
        restart_base: Duration::from_secs(1),
        memory_bytes: 64 << 20,
        nano_cpus: 250_000_000,
        pids_limit: 64,
        logs: crate::runtime::LogLimits::new("7m", 4).unwrap(),
        max_bots: 1020,
        networks: Default::default(),
    }
}

fn who(bot_type: BotType, market: &str) -> BotIdentity {
    let wallet = WalletId::parse("desk-1").unwrap();
    BotIdentity {
        bot_id: BotId::for_wallet(&wallet, [1, 2, 3]),
        wallet,
        market: MarketId::parse(market).unwrap(),
        bot_type,
        operator: "alice".into(),
    }
}

fn launch() -> LaunchId {
    LaunchId::from_random([0xab; 8])
}

#[test]
fn labels_mark_the_container_managed_and_say_who_the_bot_is() {
    let w = who(BotType::Grid, "INJ/USDT-PERP");
    let plan = LaunchPlan::new(&w, &launch(), &serde_json::json!({}), None, &config());
    let want = [
        ("io.tradebot.managed", "true"),
        ("io.tradebot.stack", "prod"),
        ("io.tradebot.bot-id", "desk-1-010203"),
        ("io.tradebot.wallet", "desk-1"),
        ("io.tradebot.market", "INJ/USDT-PERP"),
        ("io.tradebot.type", "grid"),
        ("io.tradebot.launch-id", "abababababababab"),
        ("io.tradebot.operator", "alice"),
    ];
    assert_eq!(plan.labels.len(), want.len(), "{:?}", plan.labels);
    for (k, v) in want {
        assert_eq!(plan.labels.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert_eq!(plan.name, "tradebot-bot-desk-1-010203");
}

#[test]
fn labels_parse_back_to_the_same_identity_and_bad_ones_are_named() {
    let w = who(BotType::MarketMaker, "INJ/USDT");
    let labels = Labels::of(&w, &launch(), "prod");
    let back = Labels::parse(&labels).unwrap();
    assert_eq!(back.who, w);
    assert_eq!(back.launch_id, launch());
    assert_eq!(back.stack, "prod");
    let mut missing = labels.clone();
    missing.remove("io.tradebot.wallet");
    let err = Labels::parse(&missing).unwrap_err();
    assert!(err.contains("io.tradebot.wallet is missing"), "{err}");
    let mut bad = labels;
    bad.insert("io.tradebot.type".into(), "hodl".into());
    let err = Labels::parse(&bad).unwrap_err();
    assert!(err.contains("io.tradebot.type"), "{err}");
}

#[test]
fn container_settings_come_from_the_configuration() {
    let plan = LaunchPlan::new(
        &who(BotType::Twap, "INJ/USDT"),
        &launch(),
        &serde_json::json!({}),
        None,
        &config(),
    );
    assert_eq!(
        plan.settings,
        ContainerSettings {
            image: "tradebot-bot:1".into(),
            network: "tradebot-bots".into(),
            memory_bytes: 64 << 20,
            nano_cpus: 250_000_000,
            pids_limit: 64,
            stop_timeout_secs: 12,
            logs: crate::runtime::LogLimits::new("7m", 4).unwrap(),
        }
    );
}

#[test]
fn the_spec_of_every_bot_type_is_one_the_bot_accepts() {
    for bot_type in BotType::ALL {
        for market in ["INJ/USDT", "INJ/USDT-PERP"] {
            let w = who(bot_type, market);
            let params = serde_json::json!({});
            let plan = LaunchPlan::new(&w, &launch(), &params, None, &config());
            let raw = serde_json::to_string(&plan.spec).unwrap();
            // What the bot runs at start-up: parse and validate, from the wire text.
            let parsed = BotSpec::parse(&raw).unwrap();
            assert_eq!(parsed, plan.spec);
            assert_eq!(parsed.bot_id, w.bot_id);
            assert_eq!(parsed.wallet_id.as_str(), "desk-1");
            assert_eq!(parsed.market.as_str(), market);
            assert_eq!(parsed.bot_type, bot_type);
            assert_eq!(parsed.exchange.as_str(), "paper");
            assert!(parsed.injective.is_none());
            assert_eq!(parsed.status_interval_secs, 7);
            let vault = parsed.vault.unwrap();
            assert_eq!(vault.address, "https://vault:8200");
            assert_eq!(vault.wallet_id.as_str(), "desk-1");
            assert_eq!(vault.kv_mount, "wallets");
            assert!(vault.ca_cert_pem.is_some());
        }
    }
}

#[test]
fn the_container_carries_the_spec_and_the_token_and_prints_neither_value() {
    let w = who(BotType::Grid, "INJ/USDT");
    let plan = LaunchPlan::new(
        &w,
        &launch(),
        &serde_json::json!({"levels": 4}),
        None,
        &config(),
    );
    let spec = serde_json::to_string(&plan.spec).unwrap();
    let container = plan.into_container(SecretString::from("hvs.wrap-secret".to_owned()));
    let env: HashMap<_, _> = container
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.expose_secret().to_owned()))
        .collect();
    assert_eq!(env[TOKEN_ENV], "hvs.wrap-secret");
    assert_eq!(env[SPEC_ENV], spec);
    assert!(spec.contains(r#""levels":4"#), "{spec}");
    let shown = format!("{container:?}");
    assert!(!shown.contains("hvs.wrap-secret"), "{shown}");
    assert_eq!(container.name, "tradebot-bot-desk-1-010203");
    assert_eq!(container.stop_timeout_secs, 12);
    assert_eq!(
        (container.logs.max_size(), container.logs.max_file()),
        ("7m", 4),
        "the log bounds come from the settings"
    );
}
