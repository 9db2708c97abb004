//! Monitoring for devops: the dashboard's `/metrics` with a paper bot running (real OpenBao,
//! socket proxy and Docker engine) is valid exposition text (`promtool check metrics`) and
//! carries the bot's figures; the alert rules and the Grafana dashboard in `ops/monitoring/`
//! name only metrics the dashboard exports, and the rules pass `promtool` and their unit tests.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use app::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn monitoring_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/ops/monitoring"))
}

/// `promtool ARGS` in ops/monitoring with `stdin`; panics with its output unless it succeeds.
fn promtool(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new("promtool")
        .args(args)
        .current_dir(monitoring_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect(
            "promtool is needed (Debian package prometheus; ops/install-test-deps installs it)",
        );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?} failed:\n{text}");
    text
}

/// Every `tradebot_*` metric name in `text`, histogram suffixes folded into the family name.
fn names_in(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("tradebot_") {
        let start = i + at;
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_lowercase() || bytes[end] == b'_') {
            end += 1;
        }
        let name = &text[start..end];
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        names.insert(family.to_owned());
        i = end;
    }
    names
}

#[test]
fn the_alert_rules_and_the_scrape_config_pass_promtool_and_the_rule_tests() {
    let out = promtool(&["check", "rules", "alerts.yml"], "");
    assert!(out.contains("SUCCESS: 13 rules found"), "{out}");
    promtool(&["test", "rules", "alerts_test.yml"], "");
    promtool(&["check", "config", "--syntax-only", "prometheus.yml"], "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_carry_each_bots_figures_and_every_name_the_rules_use() {
    let app = spawn_app("mon", &[]).await;
    let o = app.operator.clone();
    let wallet = app.demo_wallet("mon");
    let body =
        json!({ "wallet": wallet, "market": "INJ/USDT", "bot_type": "market_maker", "params": {} });
    let (s, bot) = app.start(&o, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{bot}");
    let id = bot["bot_id"].as_str().unwrap().to_owned();
    // Wait for the bot's first status event.
    let mut status = serde_json::Value::Null;
    for _ in 0..300 {
        let (_, d) = app
            .call(app.request(Method::GET, &format!("/api/bots/{id}"), Some(&o)))
            .await;
        if d["bot"]["last_status"]["realized_pnl"].is_string() {
            status = d["bot"]["last_status"].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(status.is_object(), "no status event from bot {id}");

    let metrics = app.get_text("/metrics", Some(&o)).await;
    // Valid exposition text, by Prometheus' own linter.
    promtool(&["check", "metrics"], &metrics);
    let labels = format!(
        "bot_id=\"{id}\",wallet=\"{wallet}\",market=\"INJ/USDT\",bot_type=\"market_maker\""
    );
    assert!(
        metrics.contains(&format!(
            "tradebot_bot_info{{{labels},state=\"running\"}} 1\n"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("tradebot_bot_restarts{{{labels}}} 0\n")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("tradebot_bot_realized_pnl{{{labels}}} ")),
        "{metrics}"
    );
    assert!(
        metrics.contains("tradebot_dependency_up{dependency=\"vault\"} 1\n")
            && metrics.contains("tradebot_dependency_up{dependency=\"docker\"} 1\n"),
        "{metrics}"
    );

    // The rules and the Grafana dashboard name only metrics the dashboard exports.
    let exported = names_in(&metrics);
    for file in ["alerts.yml", "grafana-dashboard.json"] {
        let text = std::fs::read_to_string(monitoring_dir().join(file)).unwrap();
        let used = names_in(&text);
        assert!(!used.is_empty(), "{file} names no metric");
        let unknown: Vec<_> = used.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "{file} uses metrics the dashboard does not export: {unknown:?}"
        );
    }
    let grafana: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(monitoring_dir().join("grafana-dashboard.json")).unwrap(),
    )
    .unwrap();
    assert!(grafana["panels"].as_array().is_some_and(|p| p.len() >= 8));

    let (s, stopped) = app
        .call(app.request(Method::POST, &format!("/api/bots/{id}/stop"), Some(&o)))
        .await;
    assert_eq!(s, StatusCode::OK, "{stopped}");
}
