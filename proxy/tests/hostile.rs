//! Sends the hostile corpus (hostile.toml) to the real proxy in front of the real Docker engine:
//! every request must get its expected status, and the daemon's containers, images, volumes
//! and networks must be unchanged afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::{docker, start_proxy, unique, DaemonState, TestImage, TestNetwork};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    rule: String,
    method: Option<String>,
    path: Option<String>,
    hc: Option<String>,
    top: Option<String>,
    body: Option<String>,
    pad: Option<usize>,
    #[serde(default)]
    headers: Vec<String>,
    auth: Option<String>,
    raw: Option<String>,
    raw_pad: Option<usize>,
    expect: u16,
    /// Text the refusal must hold: the request was refused by the rule it exercises.
    reason: Option<String>,
    must_not_contain: Option<String>,
}

/// Values for the corpus placeholders.
struct Vars(Vec<(&'static str, String)>);

impl Vars {
    fn fill(&self, s: &str) -> String {
        self.0
            .iter()
            .fold(s.to_owned(), |acc, (k, v)| acc.replace(k, v))
    }
}

const BASE: &str = r#"{"Image":"{IMAGE}","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"{STACK}"}<TOP>,"HostConfig":{"NetworkMode":"{NET}"<LOGS><HC>}}"#;
/// The bounded logs every create must give, unless the case is about `LogConfig` itself.
const LOGS: &str = r#","LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}"#;

fn base_body(top: &str, hc: &str) -> String {
    let splice = |s: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!(",{s}")
        }
    };
    let logs = if hc.contains("LogConfig") { "" } else { LOGS };
    BASE.replace("<TOP>", &splice(top))
        .replace("<LOGS>", logs)
        .replace("<HC>", &splice(hc))
}

/// The bytes of one request: raw as given, or built from method/path/body/headers.
fn request_bytes(case: &Case, n: usize, vars: &Vars) -> Vec<u8> {
    if let Some(raw) = &case.raw {
        let mut bytes = vars.fill(raw).into_bytes();
        bytes.extend(std::iter::repeat_n(b'a', case.raw_pad.unwrap_or(0)));
        return bytes;
    }
    let is_create = case.hc.is_some() || case.top.is_some();
    let method = case.method.as_deref().unwrap_or("POST");
    let path = match &case.path {
        Some(p) => vars.fill(p),
        None => vars.fill(&format!("/v1.41/containers/create?name={{PREFIX}}-c{n}")),
    };
    let mut body = match (&case.body, is_create) {
        (Some(b), _) => vars.fill(b),
        (None, true) => vars.fill(&base_body(
            case.top.as_deref().unwrap_or(""),
            case.hc.as_deref().unwrap_or(""),
        )),
        (None, false) => String::new(),
    };
    body.push_str(&" ".repeat(case.pad.unwrap_or(0)));
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: proxy\r\n");
    match case.auth.as_deref().unwrap_or("good") {
        "good" => head.push_str(&vars.fill("Authorization: Bearer {TOKEN}\r\n")),
        "wrong" => head.push_str("Authorization: Bearer tbproxytest-wrong-token-000000\r\n"),
        _ => {}
    }
    for h in &case.headers {
        head.push_str(&vars.fill(h));
        head.push_str("\r\n");
    }
    if !case.headers.iter().any(|h| h.starts_with("Connection:")) {
        head.push_str("Connection: close\r\n");
    }
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend(body.into_bytes());
    bytes
}

/// Sends bytes, reads until the peer closes (or 5 s), returns every status code seen and the
/// text. Writing may fail half-way when the proxy refuses early and closes: that is fine.
async fn exchange(addr: std::net::SocketAddr, bytes: &[u8]) -> (Vec<u16>, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(bytes).await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let statuses = text
        .match_indices("HTTP/1.")
        .filter_map(|(i, _)| text.get(i + 9..i + 12))
        .filter_map(|s| s.parse().ok())
        .collect();
    (statuses, text)
}

/// Objects that appeared or vanished, minus those another engineer's concurrent tests made
/// (they share this daemon): anything of ours is named `tbproxytest-` or uses our image.
fn unexplained_changes(before: &DaemonState, after: &DaemonState, image: &str) -> Vec<String> {
    let mut out = Vec::new();
    for id in after.containers.symmetric_difference(&before.containers) {
        let (exists, info) = docker(&["inspect", "-f", "{{.Name}} {{.Config.Image}}", id]);
        if !exists || info.contains("tbproxytest-") || info.contains(image) {
            out.push(format!("container {id} {}", info.trim()));
        }
    }
    for id in after.images.symmetric_difference(&before.images) {
        let (exists, tags) = docker(&["image", "inspect", "-f", "{{.RepoTags}}", id]);
        if !exists || tags.contains("tbproxytest") || tags.trim() == "[]" {
            out.push(format!("image {id} {}", tags.trim()));
        }
    }
    for v in after.volumes.symmetric_difference(&before.volumes) {
        // Anonymous volumes are 64 hex digits: only a container create makes those.
        if v.starts_with("tbproxytest-") || v.len() == 64 {
            out.push(format!("volume {v}"));
        }
    }
    for id in after.networks.symmetric_difference(&before.networks) {
        let (exists, name) = docker(&["network", "inspect", "-f", "{{.Name}}", id]);
        if !exists || name.contains("tbproxytest-") {
            out.push(format!("network {id} {}", name.trim()));
        }
    }
    out
}

struct VolumeGuard(String);

impl Drop for VolumeGuard {
    fn drop(&mut self) {
        docker(&["volume", "rm", "-f", &self.0]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_corpus_is_refused_and_the_daemon_is_unchanged() {
    let corpus: Corpus = toml::from_str(include_str!("hostile.toml")).unwrap();
    let image = TestImage::build();
    let prefix = unique("hostile");
    let network = TestNetwork::create(&prefix);
    let proxy = start_proxy(&image.tag, &network.name).await;

    // Targets: an unlabelled container made directly on the host, a managed one made through
    // the proxy (so endpoint denials are about the endpoint, not the label), a volume.
    let unmanaged_name = format!("{prefix}-unmanaged");
    let (ok, out) = docker(&["create", "--name", &unmanaged_name, &image.tag]);
    assert!(ok, "docker create: {out}");
    let unmanaged = out.trim().to_owned();
    // A bot of another stack on the same engine: managed, but not this proxy's.
    let other_name = format!("{prefix}-other-stack");
    let (ok, out) = docker(&[
        "create",
        "--name",
        &other_name,
        "--label",
        "io.tradebot.managed=true",
        "--label",
        "io.tradebot.stack=tbproxytest-other",
        &image.tag,
    ]);
    assert!(ok, "docker create: {out}");
    let other = out.trim().to_owned();
    let volume = VolumeGuard(format!("{prefix}-vol"));
    assert!(docker(&["volume", "create", &volume.0]).0);
    let mut vars = Vars(vec![
        ("{IMAGE}", image.tag.clone()),
        ("{NET}", network.name.clone()),
        ("{UNMANAGED_NAME}", unmanaged_name.clone()),
        ("{UNMANAGED_SHORT}", unmanaged[..12].to_owned()),
        ("{UNMANAGED}", unmanaged.clone()),
        ("{VOLUME}", volume.0.clone()),
        ("{PREFIX}", prefix.clone()),
        ("{STACK}", proxy.policy.stack.clone()),
        ("{OTHER_NAME}", other_name.clone()),
        ("{OTHER}", other.clone()),
        ("{TOKEN}", proxy.token.clone()),
    ]);
    let create = format!(
        "POST /v1.41/containers/create?name={prefix}-managed HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        proxy.token,
        vars.fill(&base_body("", "")).len(),
        vars.fill(&base_body("", ""))
    );
    let (statuses, text) = exchange(proxy.addr, create.as_bytes()).await;
    assert_eq!(statuses.first(), Some(&201), "positive control: {text}");
    let managed = text
        .split("\"Id\":\"")
        .nth(1)
        .and_then(|s| s.get(..64))
        .unwrap()
        .to_owned();
    vars.0.push(("{MANAGED}", managed));

    let before = DaemonState::snapshot();
    let mut failures = Vec::new();
    let mut table: BTreeMap<(String, u16), usize> = BTreeMap::new();
    for (n, case) in corpus.case.iter().enumerate() {
        let bytes = request_bytes(case, n, &vars);
        let (statuses, text) = exchange(proxy.addr, &bytes).await;
        let first = statuses.first().copied().unwrap_or(0);
        *table.entry((case.rule.clone(), first)).or_default() += 1;
        if first != case.expect {
            failures.push(format!(
                "#{n} {}: expected {}, got {first}: {}",
                case.name,
                case.expect,
                text.lines().last().unwrap_or("")
            ));
        } else if case.raw.is_some() && statuses.iter().any(|s| (200..300).contains(s)) {
            failures.push(format!(
                "#{n} {}: a smuggled request was answered: {statuses:?}",
                case.name
            ));
        } else if let Some(reason) = case.reason.as_ref().filter(|r| !text.contains(r.as_str())) {
            failures.push(format!(
                "#{n} {}: refused, but not for {reason:?}: {}",
                case.name,
                text.lines().last().unwrap_or("")
            ));
        } else if let Some(needle) = &case.must_not_contain {
            if text.contains(&vars.fill(needle)) {
                failures.push(format!("#{n} {}: response holds {needle}", case.name));
            }
        }
    }
    let after = DaemonState::snapshot();

    println!("hostile corpus: {} requests", corpus.case.len());
    println!("| rule | status | requests |\n|---|---|---|");
    for ((rule, status), count) in &table {
        println!("| {rule} | {status} | {count} |");
    }
    let changes = unexplained_changes(&before, &after, &image.tag);
    assert!(
        corpus.case.len() >= 60,
        "the corpus must keep at least 60 requests"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(changes.is_empty(), "daemon state changed: {changes:?}");
    // Neither the unlabelled container nor the other stack's bot was started, stopped or
    // removed through the proxy.
    for id in [&unmanaged, &other] {
        let (ok, state) = docker(&["inspect", "-f", "{{.State.Status}}", id]);
        assert!(ok && state.trim() == "created", "container {id}: {state}");
    }
}
