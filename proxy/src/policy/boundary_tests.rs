//! Each refusing check pinned at its boundary: the last value allowed and the first refused,
//! so that an inverted or loosened comparison fails a test (no Docker needed).

use super::host_config::{check_log_config, check_tmpfs_options, parse_size};
use super::tests::policy;
use super::*;

const LABELS: &str = r#""Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"}"#;
/// The bounded logs every create must give (policy.toml: 100 MiB, 5 files at most).
pub(super) const LOGS: &str =
    r#""LogConfig":{"Type":"json-file","Config":{"max-size":"10m","max-file":"3"}}"#;

fn create(top: &str, hc: &str) -> Result<CheckedCreate, Denied> {
    let top = if top.is_empty() {
        String::new()
    } else {
        format!(",{top}")
    };
    let hc = match (hc.is_empty(), hc.contains("LogConfig")) {
        (true, _) => format!(",{LOGS}"),
        (false, true) => format!(",{hc}"),
        (false, false) => format!(",{hc},{LOGS}"),
    };
    policy().check_create(
        format!(
            r#"{{"Image":"tradebot/bot:local",{LABELS}{top},"HostConfig":{{"NetworkMode":"tradebot_bots"{hc}}}}}"#
        )
        .as_bytes(),
        None,
    )
}

fn refused(top: &str, hc: &str, reason: &str) {
    match create(top, hc) {
        Ok(c) => panic!("accepted {top} {hc}: {}", c.body),
        Err(e) => assert!(e.0.contains(reason), "{top} {hc}: {e} (wanted {reason:?})"),
    }
}

#[test]
fn weakening_values_are_refused_never_replaced() {
    for (hc, reason) in [
        (r#""CapDrop":[]"#, "CapDrop"),
        (r#""CapDrop":["NET_RAW","SYS_ADMIN"]"#, "CapDrop"),
        (r#""Memory":0"#, "outside 1..="),
        (r#""Memory":-1"#, "outside 1..="),
        (r#""Memory":"""#, "integer"),
        (r#""NanoCpus":0"#, "outside 1..="),
        (r#""PidsLimit":0"#, "outside 1..="),
        (r#""PidsLimit":-1"#, "outside 1..="),
        (r#""MemorySwap":0"#, "swap"),
        (r#""MemorySwap":-1"#, "swap"),
        (r#""SecurityOpt":[]"#, "drops no-new-privileges"),
        (
            r#""SecurityOpt":["no-new-privileges:false"]"#,
            "only no-new-privileges",
        ),
        (r#""ReadonlyRootfs":0"#, "read-only"),
        (r#""ReadonlyRootfs":"true""#, "read-only"),
        (r#""Privileged":0"#, "root on the host"),
        (r#""Privileged":"""#, "root on the host"),
        (r#""LogConfig":{"Type":""}"#, "json-file or local"),
        (r#""MaskedPaths":[]"#, "masked paths"),
        (r#""ReadonlyPaths":[]"#, "read-only paths"),
    ] {
        refused("", hc, reason);
    }
    refused(r#""User":"""#, "", "non-root uid");
    refused(r#""User":"1000""#, "", "uid:gid");
}

#[test]
fn absent_and_null_get_the_hardened_defaults() {
    let p = policy();
    let all_null = r#""Memory":null,"NanoCpus":null,"PidsLimit":null,"MemorySwap":null,"CapDrop":null,"SecurityOpt":null,"ReadonlyRootfs":null,"Privileged":null,"RestartPolicy":null,"Tmpfs":null,"MaskedPaths":null"#;
    let top = r#""User":null,"Env":null,"Cmd":null"#;
    for (top, hc) in [("", ""), (top, all_null)] {
        let c = create(top, hc).unwrap();
        let hc = &c.body["HostConfig"];
        assert_eq!(hc["Memory"], p.limits.memory_default);
        assert_eq!(hc["MemorySwap"], p.limits.memory_default);
        assert_eq!(hc["NanoCpus"], p.limits.nano_cpus_default);
        assert_eq!(hc["PidsLimit"], p.limits.pids_default);
        assert_eq!(hc["CapDrop"], json!(["ALL"]));
        assert_eq!(hc["SecurityOpt"], json!(["no-new-privileges:true"]));
        assert_eq!(hc["ReadonlyRootfs"], true);
        assert_eq!(hc["Privileged"], false);
        assert!(hc.get("Tmpfs").is_none());
        assert_eq!(
            hc["LogConfig"],
            json!({"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}})
        );
        assert_eq!(c.body["User"], p.user_default);
        assert!(c.body.get("Env").is_none() && c.body.get("Cmd").is_none());
    }
    // Same meaning, normalised: ALL among others, other spellings of no-new-privileges.
    let c = create(
        "",
        r#""CapDrop":["net_raw","all"],"SecurityOpt":["NO-NEW-PRIVILEGES","no-new-privileges=true"],"Privileged":false,"ReadonlyRootfs":true,"RestartPolicy":{"Name":""}"#,
    )
    .unwrap();
    assert_eq!(c.body["HostConfig"]["CapDrop"], json!(["ALL"]));
    // "Off" values of forbidden fields mean what leaving them out means: dropped.
    let c = create(
        r#""OpenStdin":false"#,
        r#""CapAdd":[],"Binds":null,"OomKillDisable":false"#,
    )
    .unwrap();
    let text = c.body.to_string();
    assert!(
        !text.contains("CapAdd") && !text.contains("OpenStdin"),
        "{text}"
    );
}

#[test]
fn limits_are_pinned_at_both_ends() {
    let l = policy().limits;
    for (key, max) in [
        ("Memory", l.memory_max),
        ("NanoCpus", l.nano_cpus_max),
        ("PidsLimit", l.pids_max),
    ] {
        for n in [1, max] {
            let c = create("", &format!(r#""{key}":{n}"#)).unwrap();
            assert_eq!(c.body["HostConfig"][key], n);
        }
        refused("", &format!(r#""{key}":{}"#, max + 1), "outside");
    }
    // MemorySwap only equal to the memory in force (given or default).
    assert!(create("", r#""Memory":1048576,"MemorySwap":1048576"#).is_ok());
    refused("", r#""Memory":1048576,"MemorySwap":1048577"#, "swap");
    assert!(create("", &format!(r#""MemorySwap":{}"#, l.memory_default)).is_ok());
}

#[test]
fn network_mode_is_the_bots_network_only() {
    assert!(create("", "").is_ok());
    let p = policy();
    for mode in [
        "",
        "host",
        "bridge",
        "default",
        "none",
        "tradebot_bots2",
        "container:x",
    ] {
        let raw = format!(
            r#"{{"Image":"tradebot/bot:local",{LABELS},"HostConfig":{{"NetworkMode":"{mode}"}}}}"#
        );
        let err = p.check_create(raw.as_bytes(), None).unwrap_err();
        assert!(err.0.contains("bots join"), "{mode}: {err}");
    }
    let raw = format!(r#"{{"Image":"tradebot/bot:local",{LABELS},"HostConfig":{{{LOGS}}}}}"#);
    let c = p.check_create(raw.as_bytes(), None).unwrap();
    assert_eq!(c.body["HostConfig"]["NetworkMode"], "tradebot_bots");
}

#[test]
fn tmpfs_size_and_mode_are_pinned() {
    let max = 64 * 1024 * 1024;
    for ok in [
        format!("size={max}"),
        "size=1".into(),
        "size=64m,mode=1777,noexec,nosuid,nodev,rw".into(),
        "size=65536k,mode=7".into(),
        "mode=0700,size=1k".into(),
    ] {
        assert!(check_tmpfs_options(&ok, max).is_ok(), "{ok}");
    }
    for bad in [
        format!("size={}", max + 1),
        "size=0".into(),
        "size=65m".into(),
        "noexec".into(),
        "size=1m,mode=".into(),
        "size=1m,mode=17777".into(),
        "size=1m,mode=0778".into(),
        "size=1m,mode=u+x".into(),
        "size=1m,exec".into(),
        "size=1m,noexec=1".into(),
        "size=1m,noexec,noexec".into(),
        "size=1m,mode=700,mode=777".into(),
    ] {
        assert!(check_tmpfs_options(&bad, max).is_err(), "{bad}");
    }
    assert!(create("", r#""Tmpfs":{"/tmp":"size=1m"}"#).is_ok());
    refused("", r#""Tmpfs":{"/tmp":"size=1m,mode=17777"}"#, "each once");
    refused("", r#""Tmpfs":{"/var/tmp":"size=1m"}"#, "only /tmp");
    refused("", r#""Tmpfs":["/tmp"]"#, "object");
}

#[test]
fn sizes_use_binary_multipliers() {
    assert_eq!(parse_size("7"), Some(7));
    assert_eq!(parse_size("5k"), Some(5 * 1024));
    assert_eq!(parse_size("5K"), Some(5 * 1024));
    assert_eq!(parse_size("3m"), Some(3 * 1024 * 1024));
    assert_eq!(parse_size("3M"), Some(3 * 1024 * 1024));
    assert_eq!(parse_size("2g"), Some(2 * 1024 * 1024 * 1024));
    assert_eq!(parse_size("2G"), Some(2 * 1024 * 1024 * 1024));
    for bad in ["", "m", "+5", "1.5m", "5kb", "-1", "9223372036854775807k"] {
        assert_eq!(parse_size(bad), None, "{bad}");
    }
}

#[test]
fn log_options_are_pinned() {
    let limits = policy().limits;
    assert_eq!((limits.log_max_bytes, limits.log_max_files), (100 << 20, 5));
    let log =
        |config: &str| check_log_config(Some(&serde_json::from_str(config).unwrap()), &limits);
    for ok in [
        r#"{"Config":{"max-size":"100m","max-file":"5","compress":"true"}}"#,
        r#"{"Config":{"max-size":"104857600","max-file":"05"}}"#,
        r#"{"Type":"local","Config":{"max-size":"1","max-file":"1","compress":"false"}}"#,
        r#"{"Type":"json-file","Config":{"max-file":"3","max-size":"102400k"}}"#,
    ] {
        assert!(log(ok).is_ok(), "{ok}");
    }
    for (bad, why) in [
        (
            r#"{"Config":{"max-size":"101m","max-file":"1"}}"#,
            "max-size",
        ),
        (
            r#"{"Config":{"max-size":"104857601","max-file":"1"}}"#,
            "max-size",
        ),
        (
            r#"{"Config":{"max-size":"102401k","max-file":"1"}}"#,
            "max-size",
        ),
        (r#"{"Config":{"max-size":"1g","max-file":"1"}}"#, "max-size"),
        (r#"{"Config":{"max-size":"0","max-file":"1"}}"#, "max-size"),
        (r#"{"Config":{"max-size":"1m","max-file":"0"}}"#, "max-file"),
        (r#"{"Config":{"max-size":"1m","max-file":"6"}}"#, "max-file"),
        (
            r#"{"Config":{"max-size":"1m","max-file":"+5"}}"#,
            "max-file",
        ),
        (
            r#"{"Config":{"max-size":"1m","max-file":"-1"}}"#,
            "max-file",
        ),
        (
            r#"{"Config":{"max-size":"1m","max-file":"1","compress":"yes"}}"#,
            "compress",
        ),
        (
            r#"{"Config":{"max-size":"1m","max-file":"1","labels":"x"}}"#,
            "labels",
        ),
        (r#"{"Config":{"max-size":"1m"}}"#, "max-file is required"),
        (r#"{"Config":{"max-file":"1"}}"#, "max-size is required"),
        (r#"{"Config":{}}"#, "is required"),
        (
            r#"{"Config":null}"#,
            "Config with max-size and max-file is required",
        ),
        (
            r#"{"Config":["max-size"]}"#,
            "Config with max-size and max-file is required",
        ),
        (r#"{}"#, "Config with max-size and max-file is required"),
        (
            r#"{"Type":"syslog","Config":{"max-size":"1m","max-file":"1"}}"#,
            "json-file or local",
        ),
        (
            r#"{"Type":"","Config":{"max-size":"1m","max-file":"1"}}"#,
            "json-file or local",
        ),
    ] {
        match log(bad) {
            Ok(v) => panic!("accepted {bad}: {v}"),
            Err(e) => assert!(e.0.contains(why), "{bad}: {e} (wanted {why:?})"),
        }
    }
    assert_eq!(
        check_log_config(None, &limits).unwrap_err().0,
        "HostConfig.LogConfig is required: bot logs must be bounded (json-file with max-size and max-file)"
    );
    assert_eq!(
        log(r#"{"Config":{"max-size":"10m","max-file":"3"}}"#).unwrap(),
        json!({"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}})
    );
}

#[test]
fn a_create_without_bounded_logs_is_refused_not_completed() {
    let p = policy();
    for hc in [
        r#"{"NetworkMode":"tradebot_bots"}"#,
        r#"{"NetworkMode":"tradebot_bots","LogConfig":null}"#,
    ] {
        let raw = format!(r#"{{"Image":"tradebot/bot:local",{LABELS},"HostConfig":{hc}}}"#);
        let e = p.check_create(raw.as_bytes(), None).unwrap_err();
        assert!(e.0.contains("LogConfig is required"), "{hc}: {e}");
    }
    let bare = format!(r#"{{"Image":"tradebot/bot:local",{LABELS}}}"#);
    assert!(
        p.check_create(bare.as_bytes(), None).is_err(),
        "no HostConfig at all"
    );
    refused("", r#""LogConfig":{"Type":"json-file"}"#, "is required");
}

#[test]
fn names_are_pinned() {
    let p = policy();
    let named = |name: &str| {
        p.check_create(
            format!(r#"{{"Image":"tradebot/bot:local",{LABELS},"HostConfig":{{{LOGS}}}}}"#)
                .as_bytes(),
            Some(name),
        )
    };
    let long = format!("tradebot-bot-{}", "a".repeat(128 - 13));
    assert_eq!(long.len(), 128);
    for ok in [long.as_str(), "tradebot-bot-a", "tradebot-bot-A_b.c-9"] {
        assert!(named(ok).is_ok(), "{ok}");
    }
    for bad in [
        format!("{long}a"),
        String::new(),
        "-tradebot-bot-a".into(),
        "tradebot-bot-a/b".into(),
        "tradebot-bot-a b".into(),
        "tradebot-bot-é".into(),
        "tradebot-bot-a:b".into(),
        "evil-tradebot-bot-a".into(),
    ] {
        assert!(named(&bad).is_err(), "{bad}");
    }
    assert!(check_name_chars("a", "x").is_ok());
    assert!(check_name_chars("9", "x").is_ok());
    assert!(check_name_chars(".a", "x").is_err());
    assert!(check_name_chars("_a", "x").is_err());
    refused(r#""Hostname":"bad/host""#, "", "Hostname");
    assert_eq!(
        create(r#""Hostname":"bot-1""#, "").unwrap().body["Hostname"],
        "bot-1"
    );
}

#[test]
fn process_fields_are_pinned() {
    refused(r#""StopSignal":"SIGSTOP""#, "", "StopSignal");
    refused(r#""StopSignal":"SIGKILL""#, "", "StopSignal");
    assert!(create(r#""StopSignal":"SIGINT""#, "").is_ok());
    assert_eq!(
        create(r#""StopSignal":"SIGINT""#, "").unwrap().body["StopSignal"],
        "SIGINT"
    );
    assert!(create(r#""StopSignal":"""#, "")
        .unwrap()
        .body
        .get("StopSignal")
        .is_none());
    refused(r#""StopTimeout":61"#, "", "0-60");
    refused(r#""StopTimeout":-1"#, "", "0-60");
    assert_eq!(
        create(r#""StopTimeout":60"#, "").unwrap().body["StopTimeout"],
        60
    );
    assert_eq!(
        create(r#""StopTimeout":0"#, "").unwrap().body["StopTimeout"],
        0
    );
    refused(r#""Tty":1"#, "", "boolean");
    assert_eq!(create(r#""Tty":false"#, "").unwrap().body["Tty"], false);
    refused(r#""Env":["RUST_LOG"]"#, "", "NAME=value");
    refused(r#""Env":"RUST_LOG=1""#, "", "list of strings");
    refused(r#""Cmd":[1]"#, "", "string");
    let c = create(r#""Cmd":["--once"],"Env":["RUST_LOG=info"]"#, "").unwrap();
    assert_eq!(c.body["Cmd"], json!(["--once"]));
    assert_eq!(c.body["Env"], json!(["RUST_LOG=info"]));
}

#[test]
fn restart_policy_is_no_only() {
    for ok in [
        r#"{"Name":"no"}"#,
        r#"{"Name":""}"#,
        r#"{"MaximumRetryCount":0}"#,
        "{}",
    ] {
        assert!(
            create("", &format!(r#""RestartPolicy":{ok}"#)).is_ok(),
            "{ok}"
        );
    }
    for bad in [
        r#"{"Name":"on-failure"}"#,
        r#"{"Name":"unless-stopped"}"#,
        r#"{"Name":"no","MaximumRetryCount":1}"#,
        r#"{"Name":"no","MaximumRetryCount":-1}"#,
    ] {
        refused("", &format!(r#""RestartPolicy":{bad}"#), "restarts bots");
    }
}

#[test]
fn the_body_limit_is_inclusive() {
    let p = policy();
    let raw = format!(r#"{{"Image":"tradebot/bot:local",{LABELS},"HostConfig":{{{LOGS}}}}}"#);
    let exact = format!("{raw}{}", " ".repeat(p.max_body_bytes - raw.len()));
    assert!(p.check_create(exact.as_bytes(), None).is_ok());
    let over = format!("{exact} ");
    let err = p.check_create(over.as_bytes(), None).unwrap_err();
    assert!(err.0.contains("body over"), "{err}");
}

#[test]
fn creates_carry_this_stacks_labels() {
    let with_labels = |labels: &str| {
        policy().check_create(
            format!(
                r#"{{"Image":"tradebot/bot:local","Labels":{labels},"HostConfig":{{{LOGS}}}}}"#
            )
            .as_bytes(),
            None,
        )
    };
    assert!(
        with_labels(r#"{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"}"#).is_ok()
    );
    for (labels, reason) in [
        (
            r#"{"io.tradebot.managed":"true"}"#,
            "io.tradebot.stack=tradebot is required",
        ),
        (
            r#"{"io.tradebot.managed":"true","io.tradebot.stack":"other"}"#,
            "io.tradebot.stack=tradebot",
        ),
        (
            r#"{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot2"}"#,
            "io.tradebot.stack=tradebot",
        ),
        (
            r#"{"io.tradebot.managed":"true","io.tradebot.stack":""}"#,
            "io.tradebot.stack=tradebot",
        ),
        (
            r#"{"io.tradebot.stack":"tradebot"}"#,
            "io.tradebot.managed=true",
        ),
        (
            r#"{"io.tradebot.managed":"True","io.tradebot.stack":"tradebot"}"#,
            "io.tradebot.managed=true",
        ),
        (
            r#"{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot","x":"1"}"#,
            "only labels",
        ),
        (
            r#"{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot","io.tradebot.n":1}"#,
            "label values",
        ),
        ("[]", "Labels are required"),
    ] {
        let err = with_labels(labels).unwrap_err();
        assert!(err.0.contains(reason), "{labels}: {err}");
    }
}

#[test]
fn only_this_stacks_bots_are_owned() {
    let p = policy();
    assert!(p.owns(&json!({"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"})));
    for labels in [
        json!({"io.tradebot.managed":"true","io.tradebot.stack":"other"}),
        json!({"io.tradebot.managed":"true"}),
        json!({"io.tradebot.managed":"false","io.tradebot.stack":"tradebot"}),
        json!({"io.tradebot.stack":"tradebot"}),
        json!(null),
    ] {
        assert!(!p.owns(&labels), "{labels}");
    }
}

#[test]
fn list_and_event_filters_are_scoped_to_this_stack() {
    let p = policy();
    let filters = |q: Vec<(String, String)>| -> Value {
        let (k, v) = q.last().unwrap();
        assert_eq!(k, "filters");
        serde_json::from_str(v).unwrap()
    };
    let ours = json!(["io.tradebot.managed=true", "io.tradebot.stack=tradebot"]);
    let q = p
        .scope_query(vec![("all".into(), "1".into())], false)
        .unwrap();
    assert_eq!(q[0], ("all".into(), "1".into()));
    assert_eq!(filters(q), json!({ "label": ours }));
    // The caller's filters stay and are ANDed; `type` is forced for events.
    let given = r#"{"label":["io.tradebot.stack=other"],"type":["image"],"status":["running"]}"#;
    let f = filters(
        p.scope_query(vec![("filters".into(), given.into())], true)
            .unwrap(),
    );
    assert_eq!(
        f["label"],
        json!([
            "io.tradebot.stack=other",
            "io.tradebot.managed=true",
            "io.tradebot.stack=tradebot"
        ])
    );
    assert_eq!(f["type"], json!(["container"]));
    assert_eq!(f["status"], json!(["running"]));
    let f = filters(
        p.scope_query(
            vec![("filters".into(), r#"{"label":{"a=b":true}}"#.into())],
            false,
        )
        .unwrap(),
    );
    assert_eq!(
        f["label"],
        json!([
            "a=b",
            "io.tradebot.managed=true",
            "io.tradebot.stack=tradebot"
        ])
    );
    assert!(f.get("type").is_none());
    for bad in ["[]", r#"{"label":"x"}"#, "{", r#"{"label":[],"LABEL":[]}"#] {
        assert!(
            p.scope_query(vec![("filters".into(), bad.into())], false)
                .is_err(),
            "{bad}"
        );
    }
}

#[test]
fn unenforceable_policies_are_refused_at_load() {
    let shipped = include_str!("../../policy.toml");
    assert!(Policy::from_toml(shipped).is_ok());
    for (from, to) in [
        (
            "images = [\"tradebot/bot:local\"]",
            "images = [\"tradebot/bot:local@sha256:abc\"]",
        ),
        (
            "images = [\"tradebot/bot:local\"]",
            "images = [\"@sha256:\"]",
        ),
        (
            "images = [\"tradebot/bot:local\"]",
            &format!("images = [\"x@md5:{}\"]", "a".repeat(64)),
        ),
        (
            "images = [\"tradebot/bot:local\"]",
            &format!("images = [\"x@sha256:{}\"]", "A".repeat(64)),
        ),
        ("stack = \"tradebot\"", "stack = \"\""),
        ("stack = \"tradebot\"", "stack = \"a/b\""),
        (
            "stack_label = \"io.tradebot.stack\"",
            "stack_label = \"stack\"",
        ),
        (
            "managed_label = \"io.tradebot.managed\"",
            "managed_label = \"managed\"",
        ),
        ("network = \"tradebot_bots\"", "network = \"\""),
        ("user_default = \"65532:65532\"", "user_default = \"0:0\""),
    ] {
        assert!(shipped.contains(from), "{from}");
        let text = shipped.replace(from, to);
        assert!(Policy::from_toml(&text).is_err(), "{to}");
    }
    let pinned = shipped.replace(
        "images = [\"tradebot/bot:local\"]",
        &format!("images = [\"x:1@sha256:{}\"]", "0f".repeat(32)),
    );
    assert!(Policy::from_toml(&pinned).is_ok());
}

#[test]
fn endpoint_settings_are_refused() {
    let p = policy();
    let with_endpoint = |cfg: &str| {
        p.check_create(
            format!(r#"{{"Image":"tradebot/bot:local",{LABELS},"HostConfig":{{{LOGS}}},"NetworkingConfig":{{"EndpointsConfig":{{"tradebot_bots":{cfg}}}}}}}"#)
                .as_bytes(),
            None,
        )
    };
    assert!(with_endpoint("{}").is_ok());
    assert!(with_endpoint("null").is_ok());
    for bad in [
        r#"{"Aliases":["vault"]}"#,
        r#"{"IPAMConfig":{"IPv4Address":"172.30.0.2"}}"#,
    ] {
        let err = with_endpoint(bad).unwrap_err();
        assert!(err.0.contains("endpoint settings"), "{bad}: {err}");
    }
}

#[test]
fn user_ids_are_digits_only() {
    // Rust's integer parser takes a leading '+'; the daemon's user lookup would not.
    for bad in ["+1000:1000", "1000:+1000", " 1000:1000", "1e3:1000"] {
        refused(&format!(r#""User":"{bad}""#), "", "numeric non-root");
    }
}

#[test]
fn the_body_limit_defaults_to_64_kib() {
    let shipped = include_str!("../../policy.toml");
    let line = "max_body_bytes = 65536\n";
    assert!(shipped.contains(line));
    let p = Policy::from_toml(&shipped.replace(line, "")).unwrap();
    assert_eq!(p.max_body_bytes, 65536);
}

#[test]
fn forbidden_fields_pass_only_with_their_off_value() {
    for (top, hc) in [
        ("", r#""CpuShares":0"#),
        ("", r#""BlkioWeight":0"#),
        ("", r#""Dns":[]"#),
        ("", r#""Runtime":"""#),
        ("", r#""Sysctls":{}"#),
        (r#""OpenStdin":false"#, ""),
        (r#""Entrypoint":null"#, ""),
    ] {
        assert!(create(top, hc).is_ok(), "{top} {hc}");
    }
    for (top, hc, reason) in [
        ("", r#""CpuShares":512"#, "use NanoCpus"),
        ("", r#""BlkioWeight":-1"#, "block I/O"),
        ("", r#""KernelMemory":1.5"#, "kernel memory"),
        ("", r#""Dns":["1.1.1.1"]"#, "DNS"),
        ("", r#""Runtime":"runc""#, "runtime"),
        ("", r#""Sysctls":{"a":"1"}"#, "sysctls"),
        ("", r#""Init":true"#, "init"),
        (r#""OpenStdin":true"#, "", "stdin"),
        (r#""Entrypoint":"sh""#, "", "entrypoint"),
    ] {
        refused(top, hc, reason);
    }
}
