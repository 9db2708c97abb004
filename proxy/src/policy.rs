//! The container-create policy: what a bot container may look like. A request body is parsed
//! strictly (see `json`), checked field by field against an allow-list, completed with the
//! hardening the caller left out, and re-serialised canonically. The daemon only ever sees our
//! re-serialisation, never the caller's bytes.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::json::parse_strict;

/// The policy file (TOML). See proxy/policy.toml for the shipped one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `repo:tag` or `repo:tag@sha256:<digest>`; with a digest, only that exact reference.
    pub images: Vec<String>,
    /// The only network a bot may join.
    pub network: String,
    /// Label that marks containers this proxy manages (value must be "true").
    pub managed_label: String,
    /// Other labels must start with this prefix.
    pub label_prefix: String,
    /// Env variable names a bot may receive.
    pub env_allowed: Vec<String>,
    /// Env names whose values are never logged and are redacted from inspect responses.
    pub env_secret: Vec<String>,
    /// Container names must start with this prefix.
    pub name_prefix: String,
    pub user_default: String,
    pub limits: Limits,
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
}

fn default_max_body() -> usize {
    64 * 1024
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub memory_default: i64,
    pub memory_max: i64,
    pub nano_cpus_default: i64,
    pub nano_cpus_max: i64,
    pub pids_default: i64,
    pub pids_max: i64,
    pub tmpfs_max_bytes: i64,
}

/// A refusal with a reason a human understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

fn deny<T>(reason: impl Into<String>) -> Result<T, Denied> {
    Err(Denied(reason.into()))
}

/// Fields that exist in the Docker API but are never allowed, with what they would enable.
const FORBIDDEN: &[(&str, &str)] = &[
    ("Binds", "bind mounts expose host paths"),
    (
        "Mounts",
        "mounts can expose host paths and the Docker socket",
    ),
    ("Volumes", "volumes are not allowed for bots (stateless)"),
    (
        "VolumesFrom",
        "sharing another container's volumes is not allowed",
    ),
    ("Devices", "host devices are not allowed"),
    ("DeviceRequests", "device requests (GPUs) are not allowed"),
    ("DeviceCgroupRules", "device cgroup rules are not allowed"),
    ("Privileged", "privileged containers are root on the host"),
    ("CapAdd", "adding capabilities is not allowed"),
    ("PidMode", "sharing the host's PID namespace is not allowed"),
    ("IpcMode", "sharing the host's IPC namespace is not allowed"),
    ("UTSMode", "sharing the host's UTS namespace is not allowed"),
    (
        "UsernsMode",
        "changing the user namespace mode is not allowed",
    ),
    (
        "CgroupnsMode",
        "changing the cgroup namespace is not allowed",
    ),
    ("Cgroup", "joining another cgroup is not allowed"),
    ("CgroupParent", "choosing the cgroup parent is not allowed"),
    ("Sysctls", "sysctls are not allowed"),
    (
        "ExtraHosts",
        "extra hosts (e.g. host-gateway) are not allowed",
    ),
    ("Links", "links to other containers are not allowed"),
    ("PortBindings", "publishing ports is not allowed"),
    ("PublishAllPorts", "publishing ports is not allowed"),
    ("ExposedPorts", "exposing ports is not allowed"),
    ("Dns", "custom DNS is not allowed"),
    ("DnsOptions", "custom DNS is not allowed"),
    ("DnsSearch", "custom DNS is not allowed"),
    ("Runtime", "choosing the runtime is not allowed"),
    ("Isolation", "choosing isolation is not allowed"),
    ("OomKillDisable", "disabling the OOM killer is not allowed"),
    ("Ulimits", "ulimits are set by the daemon's defaults"),
    ("VolumeDriver", "volume drivers are not allowed"),
    ("MaskedPaths", "changing masked paths is not allowed"),
    ("ReadonlyPaths", "changing read-only paths is not allowed"),
    ("ContainerIDFile", "container id files are not allowed"),
    ("Healthcheck", "healthchecks are defined by the image"),
    ("Entrypoint", "the entrypoint is fixed by the image"),
    ("WorkingDir", "the working directory is fixed by the image"),
    ("Shell", "shell form is not allowed"),
    ("OnBuild", "build triggers are not allowed"),
    ("MacAddress", "MAC addresses are not allowed"),
    ("Domainname", "domain names are not allowed"),
    ("OpenStdin", "stdin is not allowed"),
    ("StdinOnce", "stdin is not allowed"),
    ("AttachStdin", "stdin is not allowed"),
    ("CpusetCpus", "cpuset pinning is not allowed"),
    ("CpusetMems", "cpuset pinning is not allowed"),
    ("CpuShares", "use NanoCpus"),
    ("CpuQuota", "use NanoCpus"),
    ("CpuPeriod", "use NanoCpus"),
    ("MemorySwappiness", "swap settings are not allowed"),
    ("KernelMemory", "kernel memory settings are not allowed"),
    ("BlkioWeight", "block I/O settings are not allowed"),
    ("GroupAdd", "supplementary groups are not allowed"),
    (
        "AutoRemove",
        "auto-remove would lose a crashed bot's exit reason",
    ),
    ("Init", "the init process is fixed"),
    ("Annotations", "annotations are not allowed"),
    ("ConsoleSize", "console size is not allowed"),
];

/// Top-level create fields we accept (canonical spelling).
const TOP: &[&str] = &[
    "Image",
    "Env",
    "Labels",
    "Cmd",
    "User",
    "Hostname",
    "StopSignal",
    "StopTimeout",
    "Tty",
    "AttachStdout",
    "AttachStderr",
    "HostConfig",
    "NetworkingConfig",
];
const HOST: &[&str] = &[
    "Memory",
    // Only equal to Memory (no swap), which is what we forward: our own output is accepted.
    "MemorySwap",
    // Only false; our own output says so explicitly.
    "Privileged",
    "NanoCpus",
    "PidsLimit",
    "CapDrop",
    "ReadonlyRootfs",
    "SecurityOpt",
    "NetworkMode",
    "RestartPolicy",
    "Tmpfs",
    "LogConfig",
];

/// Maps an object's keys (any ASCII case) onto canonical names; unknown or forbidden keys are
/// refused with a reason. `where_` names the object in messages.
fn canonical<'a>(
    obj: &'a Value,
    allowed: &[&'static str],
    where_: &str,
) -> Result<BTreeMap<&'static str, &'a Value>, Denied> {
    let Some(map) = obj.as_object() else {
        return deny(format!("{where_} must be an object"));
    };
    let mut out = BTreeMap::new();
    for (key, value) in map {
        if let Some(name) = allowed.iter().find(|a| a.eq_ignore_ascii_case(key)) {
            out.insert(*name, value);
        } else if let Some((name, why)) =
            FORBIDDEN.iter().find(|(f, _)| f.eq_ignore_ascii_case(key))
        {
            // Tolerate explicit "off" values that bollard may send (false/null/empty).
            if is_off(value) {
                continue;
            }
            return deny(format!("{where_}.{name}: {why}"));
        } else {
            return deny(format!(
                "{where_}.{key}: unknown field (only allow-listed fields are accepted)"
            ));
        }
    }
    Ok(out)
}

fn is_off(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(n) => n.as_i64() == Some(0),
        Value::Bool(true) => false,
    }
}

fn string<'a>(v: &'a Value, what: &str) -> Result<&'a str, Denied> {
    v.as_str()
        .ok_or_else(|| Denied(format!("{what} must be a string")))
}

fn strings<'a>(v: &'a Value, what: &str) -> Result<Vec<&'a str>, Denied> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => a.iter().map(|x| string(x, what)).collect(),
        _ => deny(format!("{what} must be a list of strings")),
    }
}

fn int(v: &Value, what: &str) -> Result<i64, Denied> {
    v.as_i64()
        .ok_or_else(|| Denied(format!("{what} must be an integer")))
}

/// The checked, completed create request, ready to forward.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCreate {
    /// Canonical JSON body for the daemon.
    pub body: Value,
    /// For the decision log: image, env names (never values), labels.
    pub summary: String,
}

impl Policy {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string().replace('\n', " "))
    }

    /// Checks a create body (`raw` bytes as received) and the `name` query parameter.
    pub fn check_create(&self, raw: &[u8], name: Option<&str>) -> Result<CheckedCreate, Denied> {
        if raw.len() > self.max_body_bytes {
            return deny(format!("body over {} bytes", self.max_body_bytes));
        }
        if let Some(name) = name {
            self.check_name(name)?;
        }
        let value = parse_strict(raw).map_err(|e| Denied(e.0))?;
        let top = canonical(&value, TOP, "body")?;
        let mut out = Map::new();

        let image = string(top.get("Image").copied().unwrap_or(&Value::Null), "Image")?;
        self.check_image(image)?;
        out.insert("Image".into(), json!(image));

        let mut env_names = Vec::new();
        if let Some(env) = top.get("Env") {
            let entries = strings(env, "Env")?;
            for entry in &entries {
                let (name, _) = entry
                    .split_once('=')
                    .ok_or_else(|| Denied("Env entries must be NAME=value".into()))?;
                if !self.env_allowed.iter().any(|a| a == name) {
                    return deny(format!("Env {name}: not in the allow-list"));
                }
                if env_names.contains(&name) {
                    return deny(format!("Env {name}: given twice"));
                }
                env_names.push(name);
            }
            out.insert("Env".into(), json!(entries));
        }

        let labels = top
            .get("Labels")
            .and_then(|l| l.as_object())
            .ok_or_else(|| Denied("Labels are required".into()))?;
        let mut seen = Vec::new();
        for (k, v) in labels {
            let lower = k.to_ascii_lowercase();
            if seen.contains(&lower) {
                return deny(format!("label {k}: given twice"));
            }
            seen.push(lower);
            if !k.starts_with(&self.label_prefix) {
                return deny(format!(
                    "label {k}: only labels under {} are allowed",
                    self.label_prefix
                ));
            }
            string(v, "label values")?;
        }
        if labels.get(&self.managed_label).and_then(Value::as_str) != Some("true") {
            return deny(format!("label {}=true is required", self.managed_label));
        }
        out.insert("Labels".into(), Value::Object(labels.clone()));

        if let Some(cmd) = top.get("Cmd") {
            out.insert("Cmd".into(), json!(strings(cmd, "Cmd")?));
        }
        let user = match top.get("User") {
            Some(u) if !is_off(u) => string(u, "User")?,
            _ => self.user_default.as_str(),
        };
        out.insert("User".into(), json!(canonical_user(user)?));
        if let Some(h) = top.get("Hostname") {
            let h = string(h, "Hostname")?;
            if !h.is_empty() {
                check_name_chars(h, "Hostname")?;
                out.insert("Hostname".into(), json!(h));
            }
        }
        if let Some(s) = top.get("StopSignal") {
            let s = string(s, "StopSignal")?;
            if !matches!(s, "" | "SIGTERM" | "SIGINT" | "15" | "2") {
                return deny("StopSignal: only SIGTERM or SIGINT");
            }
            if !s.is_empty() {
                out.insert("StopSignal".into(), json!(s));
            }
        }
        if let Some(t) = top.get("StopTimeout") {
            let t = int(t, "StopTimeout")?;
            if !(0..=60).contains(&t) {
                return deny("StopTimeout: 0-60 seconds");
            }
            out.insert("StopTimeout".into(), json!(t));
        }
        for flag in ["Tty", "AttachStdout", "AttachStderr"] {
            if let Some(v) = top.get(flag) {
                let b = v
                    .as_bool()
                    .ok_or_else(|| Denied(format!("{flag} must be a boolean")))?;
                if flag == "Tty" && b {
                    return deny("Tty: not allowed");
                }
                out.insert(flag.into(), json!(b));
            }
        }
        out.insert(
            "HostConfig".into(),
            self.check_host_config(top.get("HostConfig").copied())?,
        );
        self.check_networking(top.get("NetworkingConfig").copied())?;
        out.insert(
            "NetworkingConfig".into(),
            json!({ "EndpointsConfig": { self.network.clone(): {} } }),
        );
        let summary = format!(
            "image={image} env_names={env_names:?} labels={:?}",
            labels.keys().collect::<Vec<_>>()
        );
        Ok(CheckedCreate {
            body: Value::Object(out),
            summary,
        })
    }

    fn check_name(&self, name: &str) -> Result<(), Denied> {
        check_name_chars(name, "name")?;
        if !name.starts_with(&self.name_prefix) {
            return deny(format!("name must start with {}", self.name_prefix));
        }
        Ok(())
    }

    fn check_image(&self, image: &str) -> Result<(), Denied> {
        let ok = self.images.iter().any(|allowed| {
            if allowed.contains('@') {
                image == allowed
            } else {
                // Without a pinned digest: the tag, or the tag with any digest.
                image == allowed || image.split_once('@').is_some_and(|(tag, _)| tag == allowed)
            }
        });
        if !ok {
            return deny(format!("image {image:?} is not in the allow-list"));
        }
        Ok(())
    }

    fn check_host_config(&self, hc: Option<&Value>) -> Result<Value, Denied> {
        let empty = json!({});
        let hc = canonical(hc.unwrap_or(&empty), HOST, "HostConfig")?;
        let l = &self.limits;
        let bounded = |key: &str, default: i64, max: i64| -> Result<i64, Denied> {
            match hc.get(key) {
                None => Ok(default),
                Some(v) if is_off(v) => Ok(default),
                Some(v) => {
                    let n = int(v, key)?;
                    if n < 1 || n > max {
                        return deny(format!("HostConfig.{key}: {n} is outside 1..={max}"));
                    }
                    Ok(n)
                }
            }
        };
        let memory = bounded("Memory", l.memory_default, l.memory_max)?;
        let cpus = bounded("NanoCpus", l.nano_cpus_default, l.nano_cpus_max)?;
        let pids = bounded("PidsLimit", l.pids_default, l.pids_max)?;
        if let Some(swap) = hc.get("MemorySwap").filter(|v| !is_off(v)) {
            if swap.as_i64() != Some(memory) {
                return deny(
                    "HostConfig.MemorySwap: swap is not allowed (only MemorySwap = Memory)",
                );
            }
        }
        if hc.get("Privileged").is_some_and(|v| !is_off(v)) {
            return deny("HostConfig.Privileged: privileged containers are root on the host");
        }
        if let Some(drop) = hc.get("CapDrop") {
            let drop = strings(drop, "CapDrop")?;
            if !drop.is_empty() && !drop.iter().any(|c| c.eq_ignore_ascii_case("ALL")) {
                return deny("HostConfig.CapDrop must be [\"ALL\"]");
            }
        }
        if let Some(ro) = hc.get("ReadonlyRootfs") {
            if ro.as_bool() == Some(false) {
                return deny(
                    "HostConfig.ReadonlyRootfs: bots run with a read-only root filesystem",
                );
            }
        }
        if let Some(opts) = hc.get("SecurityOpt") {
            for o in strings(opts, "SecurityOpt")? {
                let o = o.to_ascii_lowercase();
                if o != "no-new-privileges"
                    && o != "no-new-privileges:true"
                    && o != "no-new-privileges=true"
                {
                    return deny(format!("HostConfig.SecurityOpt {o:?}: only no-new-privileges (seccomp/apparmor stay at their defaults)"));
                }
            }
        }
        if let Some(mode) = hc.get("NetworkMode") {
            let mode = string(mode, "NetworkMode")?;
            if !mode.is_empty() && mode != self.network {
                return deny(format!(
                    "HostConfig.NetworkMode {mode:?}: bots join {} only",
                    self.network
                ));
            }
        }
        if let Some(rp) = hc.get("RestartPolicy") {
            // Keys in any case, like the daemon: `{"NAME":"always"}` is a restart policy too.
            let rp = canonical(
                rp,
                &["Name", "MaximumRetryCount"],
                "HostConfig.RestartPolicy",
            )?;
            let name = match rp.get("Name") {
                Some(n) => string(n, "RestartPolicy.Name")?,
                None => "",
            };
            let retries = rp
                .get("MaximumRetryCount")
                .map_or(Ok(0), |n| int(n, "MaximumRetryCount"))?;
            if !matches!(name, "" | "no") || retries != 0 {
                return deny("HostConfig.RestartPolicy: the dashboard restarts bots (with backoff), not the daemon");
            }
        }
        let mut tmpfs = Map::new();
        if let Some(t) = hc.get("Tmpfs") {
            let Some(t) = t.as_object() else {
                return deny("HostConfig.Tmpfs must be an object");
            };
            for (path, opts) in t {
                if path != "/tmp" {
                    return deny(format!("HostConfig.Tmpfs {path:?}: only /tmp"));
                }
                let opts = string(opts, "Tmpfs options")?;
                check_tmpfs_options(opts, l.tmpfs_max_bytes)?;
                tmpfs.insert(path.clone(), json!(opts));
            }
        }
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
        if let Some(log) = hc.get("LogConfig") {
            out["LogConfig"] = check_log_config(log)?;
        }
        Ok(out)
    }

    fn check_networking(&self, nc: Option<&Value>) -> Result<(), Denied> {
        let Some(nc) = nc else { return Ok(()) };
        let nc = canonical(nc, &["EndpointsConfig"], "NetworkingConfig")?;
        let Some(eps) = nc.get("EndpointsConfig") else {
            return Ok(());
        };
        let Some(eps) = eps.as_object() else {
            return deny("NetworkingConfig.EndpointsConfig must be an object");
        };
        for (name, cfg) in eps {
            if name != &self.network {
                return deny(format!("network {name:?}: bots join {} only", self.network));
            }
            if !is_off(cfg) {
                return deny(
                    "NetworkingConfig: endpoint settings (aliases, addresses) are not allowed",
                );
            }
        }
        Ok(())
    }
}

/// Only /tmp options we understand, each once: the kernel takes the *last* `size=`, so a
/// repeated option could slip a second, larger size past a first-match check.
fn check_tmpfs_options(opts: &str, max_bytes: i64) -> Result<(), Denied> {
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
            ("mode", v)
                if !v.is_empty()
                    && v.len() <= 4
                    && v.bytes().all(|b| (b'0'..=b'7').contains(&b)) => {}
            ("noexec" | "nosuid" | "nodev" | "rw", "") => {}
            _ => return refuse(),
        }
    }
    match size {
        Some(s) if (1..=max_bytes).contains(&s) => Ok(()),
        _ => refuse(),
    }
}

/// Log drivers that keep logs on the daemon (the dashboard reads them through the API); a
/// remote driver (syslog, gelf, fluentd...) would make the daemon connect wherever we are told.
/// Rebuilt from checked parts: the caller's object is never forwarded.
fn check_log_config(log: &Value) -> Result<Value, Denied> {
    let log = canonical(log, &["Type", "Config"], "HostConfig.LogConfig")?;
    let ty = match log.get("Type") {
        Some(t) => string(t, "LogConfig.Type")?,
        None => "",
    };
    if !matches!(ty, "" | "json-file" | "local") {
        return deny("HostConfig.LogConfig: json-file or local only (the dashboard reads logs through the API)");
    }
    let mut config = Map::new();
    if let Some(c) = log.get("Config").filter(|c| !c.is_null()) {
        let Some(c) = c.as_object() else {
            return deny("HostConfig.LogConfig.Config must be an object");
        };
        for (k, v) in c {
            let v = string(v, "LogConfig.Config values")?;
            let ok = match k.as_str() {
                "max-size" => parse_size(v).is_some_and(|s| (1..=256 * 1024 * 1024).contains(&s)),
                "max-file" => v.parse::<u8>().is_ok_and(|n| (1..=10).contains(&n)),
                "compress" => matches!(v, "true" | "false"),
                _ => false,
            };
            if !ok {
                return deny(format!(
                    "HostConfig.LogConfig.Config {k:?}: only max-size (<= 256m), max-file (1-10), compress"
                ));
            }
            config.insert(k.clone(), json!(v));
        }
    }
    let ty = if ty.is_empty() { "json-file" } else { ty };
    Ok(json!({ "Type": ty, "Config": config }))
}

fn check_name_chars(name: &str, what: &str) -> Result<(), Denied> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        deny(format!(
            "{what} {name:?}: letters, digits, '-', '_', '.' only"
        ))
    }
}

/// Non-root: a numeric uid other than 0 (names could map to root inside the image), and a
/// numeric gid other than 0. Without a gid the runtime picks the image's passwd entry or, in a
/// scratch image, gid 0: so an omitted gid becomes the uid (`1000` -> `1000:1000`).
fn canonical_user(user: &str) -> Result<String, Denied> {
    let (uid, gid) = user.split_once(':').unwrap_or((user, user));
    let id = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u32>().ok().filter(|n| *n != 0)
    };
    match (id(uid), id(gid)) {
        (Some(u), Some(g)) => Ok(format!("{u}:{g}")),
        (None, _) => deny(format!("User {user:?}: a numeric non-root uid is required")),
        (_, None) => deny(format!("User {user:?}: a numeric non-root gid is required")),
    }
}

fn parse_size(s: &str) -> Option<i64> {
    let (digits, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1024),
        'm' | 'M' => (&s[..s.len() - 1], 1024 * 1024),
        'g' | 'G' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    // Digits only: `+5`, `1.5` and the like mean different things to different parsers.
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok().and_then(|n| n.checked_mul(mult))
}

#[cfg(test)]
mod tests;
