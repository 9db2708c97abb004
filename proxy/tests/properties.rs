//! Properties of the create policy over generated bodies: spelling never gets a forbidden key
//! through, accepted bodies are a fixed point of the policy, and nothing dangerous is forwarded.
#![allow(clippy::unwrap_used)]

use proptest::collection::vec;
use proptest::prelude::*;
use tradebot_socket_proxy::invariants;
use tradebot_socket_proxy::policy::Policy;

fn policy() -> Policy {
    Policy::from_toml(include_str!("../policy.toml")).unwrap()
}

fn body(top: &str, hc: &str) -> String {
    let splice = |s: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!(",{s}")
        }
    };
    format!(
        r#"{{"Image":"tradebot/bot:local","Labels":{{"io.tradebot.managed":"true","io.tradebot.stack":"tradebot"}}{},"HostConfig":{{"NetworkMode":"tradebot_bots","LogConfig":{{"Config":{{"max-size":"1m","max-file":"1"}}}}{}}}}}"#,
        splice(top),
        splice(hc)
    )
}

/// Forbidden keys with a value that would do harm.
const DANGEROUS: &[(&str, &str)] = &[
    ("Privileged", "true"),
    ("Binds", r#"["/:/host"]"#),
    ("Mounts", r#"[{"Type":"bind","Source":"/","Target":"/h"}]"#),
    ("CapAdd", r#"["SYS_ADMIN"]"#),
    ("Devices", r#"[{"PathOnHost":"/dev/sda"}]"#),
    ("PidMode", r#""host""#),
    ("IpcMode", r#""host""#),
    ("UTSMode", r#""host""#),
    ("UsernsMode", r#""host""#),
    ("CgroupnsMode", r#""host""#),
    ("Sysctls", r#"{"kernel.x":"1"}"#),
    ("ExtraHosts", r#"["h:host-gateway"]"#),
    ("SecurityOpt", r#"["seccomp=unconfined"]"#),
    ("ReadonlyRootfs", "false"),
    ("CapDrop", r#"["NET_RAW"]"#),
    ("NetworkMode", r#""host""#),
    ("MemorySwap", "-1"),
    ("LogConfig", r#"{"Type":"syslog"}"#),
];

/// Spells `key` with each letter's case flipped and/or as a `\u` escape, as chosen.
fn spell(key: &str, choices: &[(bool, bool, bool)]) -> String {
    key.chars()
        .zip(choices.iter().cycle())
        .map(|(c, &(flip, escape, upper))| {
            let c = if flip {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            } else {
                c
            };
            match (escape, upper) {
                (true, true) => format!("\\u{:04X}", c as u32),
                (true, false) => format!("\\u{:04x}", c as u32),
                _ => c.to_string(),
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_spelling_of_a_forbidden_key_is_refused(
        which in any::<prop::sample::Index>(),
        choices in vec(any::<(bool, bool, bool)>(), 1..16),
        at_top in any::<bool>(),
    ) {
        let (key, value) = DANGEROUS[which.index(DANGEROUS.len())];
        let member = format!(r#""{}":{value}"#, spell(key, &choices));
        let raw = if at_top { body(&member, "") } else { body("", &member) };
        let result = invariants::create_policy(&policy(), raw.as_bytes());
        prop_assert!(result.is_err(), "accepted: {raw}");
    }

    #[test]
    fn canonical_bodies_are_accepted_and_idempotent(
        memory in proptest::option::of(1i64..=536_870_912),
        cpus in proptest::option::of(1i64..=2_000_000_000),
        pids in proptest::option::of(1i64..=512),
        user in proptest::option::of("[1-9][0-9]{0,4}:[1-9][0-9]{0,4}"),
        env in proptest::sample::subsequence(vec!["TRADEBOT_BOT_SPEC={}", "TRADEBOT_WRAPPING_TOKEN=s.x", "RUST_LOG=debug"], 0..=3),
        tmpfs_kib in proptest::option::of(1i64..=65536),
        key_case in vec(any::<(bool, bool, bool)>(), 1..8),
    ) {
        let mut hc = Vec::new();
        if let Some(m) = memory { hc.push(format!(r#""{}":{m}"#, spell("Memory", &key_case))); }
        if let Some(c) = cpus { hc.push(format!(r#""NanoCpus":{c}"#)); }
        if let Some(p) = pids { hc.push(format!(r#""PidsLimit":{p}"#)); }
        if let Some(k) = tmpfs_kib { hc.push(format!(r#""Tmpfs":{{"/tmp":"size={k}k,noexec"}}"#)); }
        let mut top = vec![format!(r#""Env":{}"#, serde_json::to_string(&env).unwrap())];
        if let Some(u) = &user { top.push(format!(r#""{}":"{u}""#, spell("User", &key_case))); }
        let raw = body(&top.join(","), &hc.join(","));
        // create_policy asserts the hardening and that the canonical body re-checks unchanged.
        let checked = invariants::create_policy(&policy(), raw.as_bytes());
        prop_assert!(checked.is_ok(), "refused {raw}: {:?}", checked.err());
        let canonical = checked.unwrap().body.to_string();
        let again = policy().check_create(canonical.as_bytes(), None).unwrap();
        prop_assert_eq!(again.body.to_string(), canonical);
    }

    #[test]
    fn no_accepted_body_carries_danger(
        extras in vec((any::<prop::sample::Index>(), vec(any::<(bool, bool, bool)>(), 1..8), 0u8..4), 0..4),
    ) {
        // Each extra is a forbidden key in some spelling, with a harmful or an "off" value.
        let mut used = std::collections::HashSet::new();
        let members: Vec<String> = extras
            .iter()
            .filter_map(|(which, choices, v)| {
                let (key, bad) = DANGEROUS[which.index(DANGEROUS.len())];
                if key == "NetworkMode" || !used.insert(key) { return None; }
                let value = match v { 0 => "null", 1 => "false", 2 => "[]", _ => bad };
                Some(format!(r#""{}":{value}"#, spell(key, choices)))
            })
            .collect();
        let raw = body("", &members.join(","));
        if let Ok(c) = invariants::create_policy(&policy(), raw.as_bytes()) {
            let text = c.body.to_string().to_ascii_lowercase();
            for needle in ["binds", "capadd", "\"privileged\":true", "devices", "mounts", "sysctls", "unconfined", "syslog"] {
                prop_assert!(!text.contains(needle), "{needle} in {text}");
            }
        }
    }
}
