use super::boundary_tests::LOGS;
use super::*;

pub(crate) fn policy() -> Policy {
    Policy::from_toml(include_str!("../../policy.toml")).unwrap()
}

fn body(extra_host: &str, extra_top: &str) -> String {
    format!(
        r#"{{"Image":"tradebot/bot:local","Env":["TRADEBOT_BOT_SPEC={{}}","TRADEBOT_WRAPPING_TOKEN=hvs.secret"],
           "Labels":{{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot","io.tradebot.bot-id":"b1"}}{extra_top},
           "HostConfig":{{"NetworkMode":"tradebot_bots"{logs}{extra_host}}}}}"#,
        logs = if extra_host.contains("LogConfig") {
            String::new()
        } else {
            format!(",{}", super::boundary_tests::LOGS)
        }
    )
}

#[test]
fn a_plain_bot_is_accepted_and_hardened() {
    let p = policy();
    let c = p
        .check_create(body("", "").as_bytes(), Some("tradebot-bot-b1"))
        .unwrap();
    let hc = &c.body["HostConfig"];
    assert_eq!(hc["CapDrop"], json!(["ALL"]));
    assert_eq!(hc["ReadonlyRootfs"], true);
    assert_eq!(hc["SecurityOpt"], json!(["no-new-privileges:true"]));
    assert_eq!(hc["Memory"], p.limits.memory_default);
    assert_eq!(hc["PidsLimit"], p.limits.pids_default);
    assert_eq!(c.body["User"], "65532:65532");
    assert_eq!(
        c.body["NetworkingConfig"]["EndpointsConfig"]["tradebot_bots"],
        json!({})
    );
    assert!(
        !c.summary.contains("hvs.secret"),
        "env values must not reach the log summary"
    );
}

#[test]
fn keys_in_other_cases_are_canonicalised() {
    let raw = r#"{"image":"tradebot/bot:local","LABELS":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"hostconfig":{"memory":1048576,"logconfig":{"config":{"max-size":"1m","max-file":"1"}}}}"#;
    let c = policy().check_create(raw.as_bytes(), None).unwrap();
    assert_eq!(c.body["Image"], "tradebot/bot:local");
    assert_eq!(c.body["HostConfig"]["Memory"], 1048576);
}

#[test]
fn dangerous_host_config_is_refused_with_reasons() {
    let p = policy();
    for (extra, reason) in [
        (r#","Privileged":true"#, "root on the host"),
        (r#","Binds":["/:/host"]"#, "host paths"),
        (
            r#","Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/s"}]"#,
            "Docker socket",
        ),
        (r#","Devices":[{"PathOnHost":"/dev/sda"}]"#, "devices"),
        (r#","CapAdd":["SYS_ADMIN"]"#, "capabilities"),
        (r#","PidMode":"host""#, "PID"),
        (r#","IpcMode":"host""#, "IPC"),
        (r#","UTSMode":"host""#, "UTS"),
        (r#","UsernsMode":"host""#, "user namespace"),
        (r#","Sysctls":{"net.ipv4.ip_forward":"1"}"#, "sysctls"),
        (r#","SecurityOpt":["seccomp=unconfined"]"#, "seccomp"),
        (
            r#","SecurityOpt":["apparmor=unconfined"]"#,
            "seccomp/apparmor",
        ),
        (
            r#","ExtraHosts":["host.docker.internal:host-gateway"]"#,
            "host-gateway",
        ),
        (r#","ReadonlyRootfs":false"#, "read-only"),
        (r#","CapDrop":["NET_RAW"]"#, "ALL"),
        (r#","Memory":99999999999"#, "outside"),
        (r#","NanoCpus":99000000000"#, "outside"),
        (r#","PidsLimit":-1"#, "outside"),
        (r#","RestartPolicy":{"Name":"always"}"#, "restarts"),
        (r#","PortBindings":{"80/tcp":[{"HostPort":"80"}]}"#, "ports"),
        (r#","Tmpfs":{"/etc":"size=1m"}"#, "only /tmp"),
        (r#","Tmpfs":{"/tmp":"size=1m,exec"}"#, "exec"),
        (r#","NoSuchThing":1"#, "unknown field"),
        // Found by the hostile corpus: these used to pass (first-match or case-sensitive checks).
        (r#","LogConfig":{"TYPE":"syslog"}"#, "json-file or local"),
        (
            r#","LogConfig":{"Type":"json-file","Config":{"syslog-address":"tcp://1.2.3.4:1"}}"#,
            "only max-size",
        ),
        (
            r#","LogConfig":{"Type":"local","driver":"gelf"}"#,
            "unknown field",
        ),
        (r#","Tmpfs":{"/tmp":"size=1m,size=64g"}"#, "each once"),
        (r#","Tmpfs":{"/tmp":"size=+1m"}"#, "each once"),
        (r#","RestartPolicy":{"NAME":"always"}"#, "restarts"),
        (
            r#","RestartPolicy":{"Name":"no","MaximumRetryCount":5}"#,
            "restarts",
        ),
    ] {
        let err = p
            .check_create(body(extra, "").as_bytes(), None)
            .unwrap_err();
        assert!(err.0.contains(reason), "{extra}: {err}");
    }
    let err = p
        .check_create(body(r#","NetworkMode":"host""#, "").as_bytes(), None)
        .unwrap_err();
    assert!(err.0.contains("duplicate"), "{err}");
}

#[test]
fn identity_image_env_and_labels_are_checked() {
    let p = policy();
    for (raw, reason) in [
        (
            r#"{"Image":"alpine","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"}}"#,
            "allow-list",
        ),
        (
            r#"{"Image":"tradebot/bot:other","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"}}"#,
            "allow-list",
        ),
        (r#"{"Image":"tradebot/bot:local","Labels":{}}"#, "required"),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"false"}}"#,
            "required",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot","com.evil":"x"}}"#,
            "only labels",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":{"LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}},"Env":["LD_PRELOAD=/x"]}"#,
            "allow-list",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":{"LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}},"Env":["RUST_LOG=a","RUST_LOG=b"]}"#,
            "twice",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":{"LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}},"User":"root"}"#,
            "non-root",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":{"LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}},"User":"0:0"}"#,
            "non-root",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":{"LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}},"User":"1000:0"}"#,
            "non-root",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":{"LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}},"Entrypoint":["/bin/sh"]}"#,
            "entrypoint",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":{"LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}},"Tty":true}"#,
            "Tty",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":{"LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}},"NetworkingConfig":{"EndpointsConfig":{"bridge":{}}}}"#,
            "bots join",
        ),
        (
            r#"{"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":{"LogConfig":{"Config":{"max-size":"1m","max-file":"1"}}},"image":"alpine"}"#,
            "duplicate",
        ),
    ] {
        let err = p.check_create(raw.as_bytes(), None).unwrap_err();
        assert!(err.0.contains(reason), "{raw}: {err}");
    }
    assert!(p
        .check_create(body("", "").as_bytes(), Some("evil"))
        .is_err());
    assert!(p
        .check_create(body("", "").as_bytes(), Some("tradebot-bot-../x"))
        .is_err());
}

#[test]
fn log_config_is_rebuilt_not_forwarded() {
    let c = policy()
        .check_create(
            body(
                r#","LogConfig":{"type":"local","config":{"max-size":"10m","max-file":"2"}}"#,
                "",
            )
            .as_bytes(),
            None,
        )
        .unwrap();
    assert_eq!(
        c.body["HostConfig"]["LogConfig"],
        json!({"Type":"local","Config":{"max-size":"10m","max-file":"2"}})
    );
}

#[test]
fn images_match_the_allow_list_exactly() {
    let a = format!("sha256:{}", "a".repeat(64));
    let b = format!("sha256:{}", "b".repeat(64));
    let with_image = |p: &Policy, image: &str| {
        p.check_create(
            format!(r#"{{"Image":"{image}","Labels":{{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"}},"HostConfig":{{{LOGS}}}}}"#)
                .as_bytes(),
            None,
        )
    };
    // A pinned digest: exactly that reference, not the bare tag, not another digest.
    let mut p = policy();
    p.images = vec![format!("tradebot/bot:1@{a}")];
    p.validate().unwrap();
    assert!(with_image(&p, &format!("tradebot/bot:1@{a}")).is_ok());
    assert!(with_image(&p, &format!("tradebot/bot:1@{b}")).is_err());
    assert!(with_image(&p, "tradebot/bot:1").is_err());
    // A tag without a digest: that tag only; the tag plus any digest is refused (the daemon
    // would run whatever that digest names).
    let p = policy();
    assert!(with_image(&p, "tradebot/bot:local").is_ok());
    let err = with_image(&p, &format!("tradebot/bot:local@{a}")).unwrap_err();
    assert!(err.0.contains("digest must be pinned"), "{err}");
    assert!(with_image(&p, "tradebot/bot:local2").is_err());
    assert!(with_image(&p, "tradebot/bot").is_err());
}

proptest::proptest! {
    #[test]
    fn accepted_bodies_are_always_hardened(
        mem in proptest::option::of(0i64..2_000_000_000),
        user in proptest::option::of("[0-9]{1,6}(:[0-9]{1,6})?"),
        caps in proptest::option::of(proptest::sample::select(vec!["ALL", "all"])),
    ) {
        let mut hc = serde_json::Map::new();
        if let Some(m) = mem { hc.insert("Memory".into(), json!(m)); }
        if let Some(c) = caps { hc.insert("CapDrop".into(), json!([c])); }
        let mut top = json!({"Image":"tradebot/bot:local","Labels":{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"},"HostConfig":hc});
        if let Some(u) = &user { top["User"] = json!(u); }
        if let Ok(c) = policy().check_create(top.to_string().as_bytes(), None) {
            let hc = &c.body["HostConfig"];
            proptest::prop_assert_eq!(&hc["CapDrop"], &json!(["ALL"]));
            proptest::prop_assert_eq!(&hc["ReadonlyRootfs"], &json!(true));
            proptest::prop_assert_eq!(&hc["Privileged"], &json!(false));
            let m = hc["Memory"].as_i64().unwrap();
            proptest::prop_assert!(m >= 1 && m <= policy().limits.memory_max);
            let u = c.body["User"].as_str().unwrap();
            proptest::prop_assert!(!u.starts_with("0:") && u != "0");
        }
    }
}

#[test]
fn user_needs_an_explicit_non_root_group() {
    // Found by the smoke fuzz: "1000:" passed. A missing gid means gid 0 in a scratch image.
    let with_user = |u: &str| {
        policy().check_create(
            format!(r#"{{"Image":"tradebot/bot:local","Labels":{{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"}},"HostConfig":{{{LOGS}}},"User":"{u}"}}"#)
                .as_bytes(),
            None,
        )
    };
    assert_eq!(with_user("1000:2000").unwrap().body["User"], "1000:2000");
    assert_eq!(with_user("1:1").unwrap().body["User"], "1:1");
    // "1000" alone would run with gid 0: refused, not completed.
    for bad in [
        "1000",
        "",
        "1000:",
        ":1000",
        "0",
        "0:1000",
        "1000:0",
        "root",
        "1000:staff",
        "-1",
    ] {
        assert!(with_user(bad).is_err(), "{bad}");
    }
}
