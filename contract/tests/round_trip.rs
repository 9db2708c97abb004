//! The contract both ways: every spec the dashboard can build parses back equal and passes the
//! bot's validation; every event kind the bot can write parses back on the dashboard's side.

#![allow(clippy::unwrap_used)] // test helpers (every_spec, injective) live outside #[test] fns
use serde_json::json;
use tradebot_contract::events::{parse_line, BalanceLine, EventLine, OrderLine};
use tradebot_contract::markets::MARKET_NAMES;
use tradebot_contract::spec::{ExchangeKind, InjectiveSpec, VaultAccess};
use tradebot_contract::{BotId, BotSpec, BotType, Event, MarketId, WalletId};

const INJ_MARKET: &str = "0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe";

fn vault(wallet: &WalletId) -> VaultAccess {
    VaultAccess {
        address: "https://vault:8200".into(),
        ca_cert_pem: Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into()),
        kv_mount: "wallets".into(),
        wallet_id: wallet.clone(),
        market_key: None,
    }
}

fn injective() -> InjectiveSpec {
    serde_json::from_value(json!({
        "network": "testnet",
        "market_id": INJ_MARKET,
        "granter": "inj1hkhdaj2a2clmq5jq6mspsggqs32vynpk228q3r",
    }))
    .unwrap()
}

/// Every (bot type, market, exchange) the dashboard can start, with the vault section.
fn every_spec() -> Vec<BotSpec> {
    let wallet = WalletId::parse("desk-1").unwrap();
    let mut out = Vec::new();
    for bot_type in BotType::ALL {
        for market in MARKET_NAMES {
            for exchange in [ExchangeKind::Paper, ExchangeKind::Injective] {
                let spec = BotSpec::new(
                    BotId::for_wallet(&wallet, [1, 2, 3]),
                    wallet.clone(),
                    MarketId::parse(market).unwrap(),
                    bot_type,
                    json!({}),
                )
                .with_vault(vault(&wallet))
                .with_status_interval(2);
                out.push(match exchange {
                    ExchangeKind::Paper => spec,
                    ExchangeKind::Injective => spec.with_injective(injective()),
                });
            }
        }
    }
    out
}

#[test]
fn every_spec_the_dashboard_builds_parses_in_the_bot() {
    let specs = every_spec();
    assert_eq!(specs.len(), BotType::ALL.len() * MARKET_NAMES.len() * 2);
    for spec in specs {
        let raw = serde_json::to_string(&spec).unwrap();
        let parsed = BotSpec::parse(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(parsed, spec, "{raw}");
        assert_eq!(
            parsed.exchange == ExchangeKind::Injective,
            parsed.injective.is_some()
        );
        assert!(raw.contains("\"vault\""), "{raw}");
    }
}

#[test]
fn a_spec_whose_exchange_and_section_disagree_does_not_pass() {
    let mut spec = every_spec().remove(0);
    spec.exchange = ExchangeKind::Injective;
    let raw = serde_json::to_string(&spec).unwrap();
    let err = BotSpec::parse(&raw).unwrap_err();
    assert!(err.contains("needs an injective section"), "{err}");
}

/// One of each kind, with every optional field set.
fn every_event() -> Vec<Event> {
    let s = |x: &str| x.to_owned();
    let all = vec![
        Event::Ready {
            bot_id: s("b1"),
            wallet: s("w"),
            market: s("INJ/USDT"),
            bot_type: s("grid"),
        },
        Event::Status {
            bot_id: s("b1"),
            state: s("running"),
            open_orders: 1,
            position: s("-0.5"),
            realized_pnl: s("1.25"),
            unrealized_pnl: s("-0.1"),
            mid: Some(s("20.004")),
            fees: Some(s("0.01")),
            fills: Some(3),
            orders: Some(vec![OrderLine {
                id: 7,
                side: s("buy"),
                price: s("19.9"),
                remaining: s("0.5"),
            }]),
            balances: Some(vec![
                BalanceLine {
                    asset: s("INJ"),
                    total: s("250.5"),
                    available: s("250"),
                },
                BalanceLine {
                    asset: s("USDT"),
                    total: s("4989.9949975"),
                    available: s("4979.0"),
                },
            ]),
        },
        Event::OrdersCancelled {
            bot_id: s("b1"),
            reason: s("shutdown"),
            count: 2,
            order_ids: vec![4, 5],
        },
        Event::Fill {
            bot_id: s("b1"),
            order_id: 7,
            side: s("sell"),
            price: s("19.985"),
            quantity: s("0.999"),
            fee: s("0.00998251"),
            liquidity: s("maker"),
            position: s("-0.999"),
            realized_pnl: s("-0.00998251"),
            trade_id: Some(s("1207_3")),
        },
        Event::OrderRejected {
            bot_id: s("b1"),
            side: s("buy"),
            price: s("1"),
            quantity: s("0.2"),
            reason: s("notional 0.2 is below the market minimum 1"),
        },
        Event::RiskHalt {
            bot_id: s("b1"),
            rule: s("max_daily_loss"),
            message: s("day PnL -201 is below -200"),
        },
        Event::Error {
            bot_id: s("b1"),
            class: s("tampering"),
            message: s("a \"quoted\"\nline"),
        },
        Event::Finished {
            bot_id: s("b1"),
            reason: s("schedule_ended"),
            executed: s("0"),
            target: s("0.01"),
        },
        Event::Stopped {
            bot_id: s("b1"),
            reason: s("sigterm"),
        },
    ];
    // Adding a variant without adding it above fails to compile here.
    for e in &all {
        match e {
            Event::Ready { .. }
            | Event::Status { .. }
            | Event::OrdersCancelled { .. }
            | Event::Fill { .. }
            | Event::OrderRejected { .. }
            | Event::RiskHalt { .. }
            | Event::Error { .. }
            | Event::Finished { .. }
            | Event::Stopped { .. } => {}
        }
    }
    all
}

#[test]
fn every_event_the_bot_writes_parses_on_the_dashboard_side() {
    let events = every_event();
    let mut kinds: Vec<&str> = events.iter().map(Event::kind).collect();
    kinds.dedup();
    assert_eq!(kinds.len(), events.len(), "one event of each kind");
    for event in events {
        // The bot writes borrowed text; the dashboard reads owned text.
        let borrowed = borrow(&event);
        let line = serde_json::to_string(&EventLine::new(1_795_595_988_301, borrowed)).unwrap();
        assert!(!line.contains('\n'), "{line}");
        let (parsed, raw) = parse_line(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(parsed.event, event, "{line}");
        assert_eq!(parsed.ts_ms, 1_795_595_988_301);
        assert_eq!(raw["event"], event.kind());
    }
}

/// The bot's view of an event: the same values, borrowed.
fn borrow(e: &Event) -> Event<&str> {
    match e {
        Event::Ready {
            bot_id,
            wallet,
            market,
            bot_type,
        } => Event::Ready {
            bot_id,
            wallet,
            market,
            bot_type,
        },
        Event::Status {
            bot_id,
            state,
            open_orders,
            position,
            realized_pnl,
            unrealized_pnl,
            mid,
            fees,
            fills,
            orders,
            balances,
        } => Event::Status {
            bot_id,
            state,
            open_orders: *open_orders,
            position,
            realized_pnl,
            unrealized_pnl,
            mid: mid.as_deref(),
            fees: fees.as_deref(),
            fills: *fills,
            orders: orders.clone(),
            balances: balances.clone(),
        },
        Event::OrdersCancelled {
            bot_id,
            reason,
            count,
            order_ids,
        } => Event::OrdersCancelled {
            bot_id,
            reason,
            count: *count,
            order_ids: order_ids.clone(),
        },
        Event::Fill {
            bot_id,
            order_id,
            side,
            price,
            quantity,
            fee,
            liquidity,
            position,
            realized_pnl,
            trade_id,
        } => Event::Fill {
            bot_id,
            order_id: *order_id,
            side,
            price,
            quantity,
            fee,
            liquidity,
            position,
            realized_pnl,
            trade_id: trade_id.as_deref(),
        },
        Event::OrderRejected {
            bot_id,
            side,
            price,
            quantity,
            reason,
        } => Event::OrderRejected {
            bot_id,
            side,
            price,
            quantity,
            reason,
        },
        Event::RiskHalt {
            bot_id,
            rule,
            message,
        } => Event::RiskHalt {
            bot_id,
            rule,
            message,
        },
        Event::Error {
            bot_id,
            class,
            message,
        } => Event::Error {
            bot_id,
            class,
            message,
        },
        Event::Finished {
            bot_id,
            reason,
            executed,
            target,
        } => Event::Finished {
            bot_id,
            reason,
            executed,
            target,
        },
        Event::Stopped { bot_id, reason } => Event::Stopped { bot_id, reason },
    }
}
