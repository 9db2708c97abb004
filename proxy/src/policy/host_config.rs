//! `HostConfig`: the part of a create body that decides what the container may do to the host.
//!
//! One rule for every hardening field: a field that is absent (or null, which Go's decoder
//! treats the same) gets the hardened default; a field that is given is checked as given and
//! refused unless it is a value the policy allows. A weakening value (`CapDrop: []`,
//! `Memory: 0`, `SecurityOpt: []`, `NetworkMode: ""`, ...) is an error, never replaced.
//! Only spellings with the same meaning are normalised (`["ALL","NET_RAW"]` -> `["ALL"]`,
//! `no-new-privileges` -> `no-new-privileges:true`, `RestartPolicy.Name ""` -> `"no"`).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::fields::{canonical, given, int, string, strings, HOST};
use super::{deny, Denied, Limits, Policy};

type Fields<'a> = BTreeMap<&'static str, &'a Value>;

impl Policy {
    /// Checks `HostConfig` (absent = `{}`) and returns the hardened one to forward.
    pub(super) fn check_host_config(&self, hc: Option<&Value>) -> Result<Value, Denied> {
        let empty = json!({});
        let hc = canonical(hc.unwrap_or(&empty), HOST, "HostConfig")?;
        let l = &self.limits;
        let memory = bounded(&hc, "Memory", l.memory_default, l.memory_max)?;
        let cpus = bounded(&hc, "NanoCpus", l.nano_cpus_default, l.nano_cpus_max)?;
        let pids = bounded(&hc, "PidsLimit", l.pids_default, l.pids_max)?;
        if let Some(swap) = given(&hc, "MemorySwap") {
            if swap.as_i64() != Some(memory) {
                return deny(
                    "HostConfig.MemorySwap: swap is not allowed (only MemorySwap = Memory)",
                );
            }
        }
        check_hardening(&hc)?;
        if let Some(mode) = given(&hc, "NetworkMode") {
            let mode = string(mode, "NetworkMode")?;
            if mode != self.network {
                return deny(format!(
                    "HostConfig.NetworkMode {mode:?}: bots join {} only",
                    self.network
                ));
            }
        }
        check_restart_policy(&hc)?;
        let tmpfs = check_tmpfs(&hc, l.tmpfs_max_bytes)?;
        let mut out = json!({
            "Memory": memory,
            "MemorySwap": memory,
            "NanoCpus": cpus,
            "PidsLimit": pids,
            "CapDrop": ["ALL"],
            "ReadonlyRootfs": true,
            "SecurityOpt": ["no-new-privileges:true"],
            "NetworkMode": self.network,
            "RestartPolicy": { "Name": "no" },
            "Privileged": false,
        });
        if !tmpfs.is_empty() {
            out["Tmpfs"] = Value::Object(tmpfs);
        }
        out["LogConfig"] = check_log_config(given(&hc, "LogConfig"), l)?;
        Ok(out)
    }
}

/// A limit: absent gets `default`; given must be an integer in `1..=max`. 0 and -1 mean
/// "unlimited" to the daemon, so they are refused like any other value out of range.
fn bounded(hc: &Fields, key: &str, default: i64, max: i64) -> Result<i64, Denied> {
    let Some(v) = given(hc, key) else {
        return Ok(default);
    };
    let n = int(v, &format!("HostConfig.{key}"))?;
    if !(1..=max).contains(&n) {
        return deny(format!("HostConfig.{key}: {n} is outside 1..={max}"));
    }
    Ok(n)
}

/// Privileged only false, CapDrop must hold ALL, ReadonlyRootfs only true, SecurityOpt only
/// (and at least) no-new-privileges.
fn check_hardening(hc: &Fields) -> Result<(), Denied> {
    if given(hc, "Privileged").is_some_and(|v| v != &Value::Bool(false)) {
        return deny("HostConfig.Privileged: privileged containers are root on the host");
    }
    if let Some(drop) = given(hc, "CapDrop") {
        let drop = strings(drop, "HostConfig.CapDrop")?;
        if !drop.iter().any(|c| c.eq_ignore_ascii_case("ALL")) {
            return deny(
                "HostConfig.CapDrop must be [\"ALL\"] (a shorter list keeps capabilities)",
            );
        }
    }
    if given(hc, "ReadonlyRootfs").is_some_and(|v| v != &Value::Bool(true)) {
        return deny(
            "HostConfig.ReadonlyRootfs: bots run with a read-only root filesystem (only true)",
        );
    }
    if let Some(opts) = given(hc, "SecurityOpt") {
        let opts = strings(opts, "HostConfig.SecurityOpt")?;
        if opts.is_empty() {
            return deny("HostConfig.SecurityOpt: [] drops no-new-privileges; give no-new-privileges or leave it out");
        }
        for o in opts {
            let lower = o.to_ascii_lowercase();
            if !matches!(
                lower.as_str(),
                "no-new-privileges" | "no-new-privileges:true" | "no-new-privileges=true"
            ) {
                return deny(format!("HostConfig.SecurityOpt {lower:?}: only no-new-privileges (seccomp/apparmor stay at their defaults)"));
            }
        }
    }
    Ok(())
}

/// Keys in any case, like the daemon: `{"NAME":"always"}` is a restart policy too. Name ""
/// means "no" to the daemon (Engine API, RestartPolicy).
fn check_restart_policy(hc: &Fields) -> Result<(), Denied> {
    let Some(rp) = given(hc, "RestartPolicy") else {
        return Ok(());
    };
    let rp = canonical(
        rp,
        &["Name", "MaximumRetryCount"],
        "HostConfig.RestartPolicy",
    )?;
    let name = match given(&rp, "Name") {
        Some(n) => string(n, "RestartPolicy.Name")?,
        None => "",
    };
    let retries = given(&rp, "MaximumRetryCount").map_or(Ok(0), |n| int(n, "MaximumRetryCount"))?;
    if !matches!(name, "" | "no") || retries != 0 {
        return deny(
            "HostConfig.RestartPolicy: the dashboard restarts bots (with backoff), not the daemon",
        );
    }
    Ok(())
}

/// Only `/tmp`, with options [`check_tmpfs_options`] accepts; forwarded as given.
fn check_tmpfs(hc: &Fields, max_bytes: i64) -> Result<Map<String, Value>, Denied> {
    let mut out = Map::new();
    let Some(t) = given(hc, "Tmpfs") else {
        return Ok(out);
    };
    let Some(t) = t.as_object() else {
        return deny("HostConfig.Tmpfs must be an object");
    };
    for (path, opts) in t {
        if path != "/tmp" {
            return deny(format!("HostConfig.Tmpfs {path:?}: only /tmp"));
        }
        let opts = string(opts, "Tmpfs options")?;
        check_tmpfs_options(opts, max_bytes)?;
        out.insert(path.clone(), json!(opts));
    }
    Ok(out)
}

/// `size=<n>[k|m|g]` (required, `1..=max_bytes`), `mode=<1-4 octal digits>`, `noexec`,
/// `nosuid`, `nodev`, `rw`; each once: the kernel takes the *last* `size=`, so a repeated
/// option could slip a second, larger size past a first-match check.
pub(super) fn check_tmpfs_options(opts: &str, max_bytes: i64) -> Result<(), Denied> {
    let refuse = || {
        deny(format!(
            "HostConfig.Tmpfs /tmp: options size=<= {max_bytes} bytes, mode=<octal>, noexec, nosuid, nodev, rw; each once"
        ))
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut size = None;
    for opt in opts.split(',') {
        let (name, value) = opt.split_once('=').unwrap_or((opt, ""));
        if seen.contains(&name) {
            return refuse();
        }
        seen.push(name);
        match (name, value) {
            ("size", v) => size = parse_size(v),
            ("mode", v) if is_octal_mode(v) => {}
            ("noexec" | "nosuid" | "nodev" | "rw", "") => {}
            _ => return refuse(),
        }
    }
    match size {
        Some(s) if (1..=max_bytes).contains(&s) => Ok(()),
        _ => refuse(),
    }
}

/// 1 to 4 octal digits (`1777`, `700`).
fn is_octal_mode(v: &str) -> bool {
    (1..=4).contains(&v.len()) && v.bytes().all(|b| (b'0'..=b'7').contains(&b))
}

/// Log drivers that keep logs on the daemon (the dashboard reads them through the API); a
/// remote driver (syslog, gelf, fluentd...) would make the daemon connect wherever we are told.
/// `Type` absent = json-file; `""` (the daemon's own default driver, whatever that is) is
/// refused. Logs must be bounded: `LogConfig` is required, with `max-size` (`1..=`
/// `limits.log_max_bytes`) and `max-file` (`1..=limits.log_max_files`); nothing is filled in
/// for the caller. Rebuilt from checked parts: the caller's object is never forwarded.
pub(super) fn check_log_config(log: Option<&Value>, l: &Limits) -> Result<Value, Denied> {
    let Some(log) = log else {
        return deny("HostConfig.LogConfig is required: bot logs must be bounded (json-file with max-size and max-file)");
    };
    let log = canonical(log, &["Type", "Config"], "HostConfig.LogConfig")?;
    let ty = match given(&log, "Type") {
        Some(t) => string(t, "LogConfig.Type")?,
        None => "json-file",
    };
    if !matches!(ty, "json-file" | "local") {
        return deny("HostConfig.LogConfig: json-file or local only (the dashboard reads logs through the API)");
    }
    let Some(c) = given(&log, "Config").and_then(Value::as_object) else {
        return deny("HostConfig.LogConfig.Config with max-size and max-file is required (bot logs must be bounded)");
    };
    let mut config = Map::new();
    for (k, v) in c {
        let v = string(v, "LogConfig.Config values")?;
        let ok = match k.as_str() {
            "max-size" => parse_size(v).is_some_and(|s| (1..=l.log_max_bytes).contains(&s)),
            "max-file" => v.parse::<i64>().is_ok_and(|n| {
                v.bytes().all(|b| b.is_ascii_digit()) && (1..=l.log_max_files).contains(&n)
            }),
            "compress" => matches!(v, "true" | "false"),
            _ => false,
        };
        if !ok {
            return deny(format!(
                "HostConfig.LogConfig.Config {k:?}: only max-size (1 to {} bytes), max-file (1-{}), compress",
                l.log_max_bytes, l.log_max_files
            ));
        }
        config.insert(k.clone(), json!(v));
    }
    for key in ["max-size", "max-file"] {
        if !config.contains_key(key) {
            return deny(format!(
                "HostConfig.LogConfig.Config: {key} is required (bot logs must be bounded)"
            ));
        }
    }
    Ok(json!({ "Type": ty, "Config": config }))
}

/// `<digits>[k|m|g]` (either case; binary multiples, as Docker's `units.RAMInBytes` for these
/// suffixes) in bytes; `None` for anything else (`+5`, `1.5`, `5kb` mean different things to
/// different parsers) or on overflow.
pub(super) fn parse_size(s: &str) -> Option<i64> {
    let (digits, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1024),
        'm' | 'M' => (&s[..s.len() - 1], 1024 * 1024),
        'g' | 'G' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok().and_then(|n| n.checked_mul(mult))
}
