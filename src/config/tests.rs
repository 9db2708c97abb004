use std::io::Write;

use secrecy::ExposeSecret;

use super::env::{aliases, env_key};
use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_are_valid() {
    let s = Settings::load_from(None, Vec::new()).unwrap();
    assert_eq!(s.http.bind.port(), 8443);
    assert_eq!(s.vault.kv_mount, "wallets");
}

#[test]
fn env_overrides_nested_keys() {
    let s = Settings::load_from(
        None,
        env(&[
            ("TRADEBOT_VAULT__ADDRESS", "https://v.example:8200"),
            ("TRADEBOT_LOG__FORMAT", "json"),
        ]),
    )
    .unwrap();
    assert_eq!(s.vault.address, "https://v.example:8200");
    assert_eq!(s.log.format, LogFormat::Json);
}

#[test]
fn secret_comes_from_file_and_never_prints() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "s.very-secret-token-value").unwrap();
    let path = f.path().to_str().unwrap().to_owned();
    let s = Settings::load_from(None, env(&[("TRADEBOT_VAULT__TOKEN_FILE", &path)])).unwrap();
    assert_eq!(
        s.vault.token.as_ref().unwrap().expose_secret(),
        "s.very-secret-token-value"
    );
    let debug = format!("{s:?}");
    assert!(
        !debug.contains("very-secret"),
        "Debug leaked the token: {debug}"
    );
}

#[test]
fn every_secret_key_has_a_file_variant() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "from-the-file").unwrap();
    let path = f.path().to_str().unwrap().to_owned();
    for key in SECRET_KEYS {
        let var = format!("{}_FILE", env_key(key));
        assert_eq!(file_env_key(&var).as_deref(), Some(*key));
        let s = Settings::load_from(None, env(&[(&var, &path)])).unwrap();
        let value = match *key {
            "vault.token" => s.vault.token.as_ref().map(|t| t.expose_secret().to_owned()),
            other => panic!("secret key {other} has no reader in this test"),
        };
        assert_eq!(value.as_deref(), Some("from-the-file"), "{key}");
    }
}

#[test]
fn a_secret_set_both_ways_is_refused_in_one_line() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "from-the-file").unwrap();
    let path = f.path().to_str().unwrap().to_owned();
    for key in SECRET_KEYS {
        let file_var = format!("{}_FILE", env_key(key));
        let directs =
            std::iter::once(env_key(key)).chain(aliases(key).iter().map(|a| (*a).to_owned()));
        for direct in directs {
            let err = Settings::load_from(
                None,
                env(&[(&direct, "direct-secret-value"), (&file_var, &path)]),
            )
            .unwrap_err();
            let msg = format!("{err:#}");
            assert!(msg.contains(&direct) && msg.contains(&file_var), "{msg}");
            assert!(
                !msg.contains('\n') && !msg.contains("secret-value"),
                "{msg}"
            );
        }
        // Either one alone is fine.
        Settings::load_from(None, env(&[(&env_key(key), "direct")])).unwrap();
    }
}

#[test]
fn unreadable_secret_file_is_one_clear_line() {
    let err = Settings::load_from(
        None,
        env(&[("TRADEBOT_VAULT__TOKEN_FILE", "/nonexistent/x")]),
    )
    .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("TRADEBOT_VAULT__TOKEN_FILE"), "{msg}");
    assert!(!msg.contains('\n'));
}

#[test]
fn plain_http_vault_is_refused_unless_dangerous_flag() {
    let err = Settings::load_from(
        None,
        env(&[("TRADEBOT_VAULT__ADDRESS", "http://vault:8200")]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("plain http"));
    Settings::load_from(
        None,
        env(&[
            ("TRADEBOT_VAULT__ADDRESS", "http://vault:8200"),
            ("TRADEBOT_VAULT__DANGEROUS_ALLOW_PLAIN_HTTP", "true"),
        ]),
    )
    .unwrap();
}

#[test]
fn half_configured_tls_is_refused() {
    let err =
        Settings::load_from(None, env(&[("TRADEBOT_HTTP__CERT_FILE", "/x.pem")])).unwrap_err();
    assert!(err.to_string().contains("together"));
}

#[test]
fn unknown_keys_are_refused() {
    let err = Settings::load_from(None, env(&[("TRADEBOT_HTTP__BINDD", "x")])).unwrap_err();
    assert!(err.to_string().contains("bindd"), "{err}");
}

#[test]
fn bad_subnet_is_refused() {
    let err = Settings::load_from(None, env(&[("TRADEBOT_VAULT__BOTS_SUBNET", "10.0.0.0/40")]))
        .unwrap_err();
    assert!(format!("{err:#}").contains("bots_subnet"));
}

#[test]
fn trusted_proxies_are_parsed_as_cidrs_and_bad_ones_refused() {
    let s = Settings::load_from(
        None,
        env(&[(
            "TRADEBOT_AUTH__TRUSTED_PROXIES",
            r#"["10.0.0.2/32", "fd00::/8"]"#,
        )]),
    )
    .unwrap();
    assert_eq!(s.auth.trusted_proxies.len(), 2);
    assert!(s.auth.trusted_proxies[0].contains(&"10.0.0.2".parse::<std::net::IpAddr>().unwrap()));
    let err = Settings::load_from(
        None,
        env(&[("TRADEBOT_AUTH__TRUSTED_PROXIES", r#"["10.0.0.2"]"#)]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("invalid configuration"), "{err}");
    assert!(!err.to_string().contains('\n'), "one line: {err}");
    assert!(Settings::load_from(None, Vec::new())
        .unwrap()
        .auth
        .trusted_proxies
        .is_empty());
}

#[test]
fn the_default_bots_range_holds_a_thousand_bots_and_dashboard_cidrs_parse() {
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert!(
        s.vault.bots_capacity() >= 1000,
        "{}",
        s.vault.bots_capacity()
    );
    assert!(s.vault.dashboard_cidr_list().is_empty());
    let s = Settings::load_from(
        None,
        env(&[
            ("TRADEBOT_VAULT__BOTS_SUBNET", "10.1.0.0/24"),
            (
                "TRADEBOT_VAULT__DASHBOARD_CIDRS",
                "10.2.0.0/24, 10.3.0.7/32",
            ),
        ]),
    )
    .unwrap();
    assert_eq!(s.vault.bots_capacity(), 252);
    assert_eq!(
        s.vault.dashboard_cidr_list(),
        ["10.2.0.0/24", "10.3.0.7/32"]
    );
    let err = Settings::load_from(
        None,
        env(&[("TRADEBOT_VAULT__DASHBOARD_CIDRS", "10.2.0.0/24,nope")]),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("dashboard_cidrs"), "{err:#}");
}

#[test]
fn cidrs_are_ipv4_with_a_prefix_of_at_most_32() {
    assert_eq!(parse_cidr("10.1.0.0/32").unwrap().prefix_len(), 32);
    assert_eq!(parse_cidr("0.0.0.0/0").unwrap().prefix_len(), 0);
    for bad in [
        "10.1.0.0/33",
        "10.1.0.0",
        "10.1.0/24",
        "fd00::/64",
        "10.1.0.0/x",
        "",
    ] {
        assert!(parse_cidr(bad).is_err(), "{bad:?}");
    }
    // The bots' capacity at the prefix boundaries: a /30 holds nothing once the network,
    // broadcast, Vault and spare addresses are out.
    let capacity = |cidr: &str| {
        Settings::load_from(None, env(&[("TRADEBOT_VAULT__BOTS_SUBNET", cidr)]))
            .unwrap()
            .vault
            .bots_capacity()
    };
    assert_eq!(capacity("10.1.0.0/30"), 0);
    assert_eq!(capacity("10.1.0.0/29"), 4);
}
