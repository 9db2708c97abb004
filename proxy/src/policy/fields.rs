//! The field tables of the create policy and the typed readers every check uses. Keys are
//! matched the way the daemon (Go's `encoding/json`) matches them: ASCII case-insensitively.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{deny, Denied};

/// Fields that exist in the Docker API but are never allowed, with what they would enable.
/// An "off" value (see [`is_off`]) means the same to the daemon as leaving the field out, so
/// it is tolerated and dropped; any other value is refused.
pub(super) const FORBIDDEN: &[(&str, &str)] = &[
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

/// Forbidden fields whose empty value is *not* the same as leaving them out: the daemon
/// applies its default masked and read-only paths (`/proc/kcore`, `/proc/sys`, ...) only when
/// the field is absent or null; `[]` removes them all. Only null is tolerated here.
const EMPTY_IS_NOT_OFF: &[&str] = &["MaskedPaths", "ReadonlyPaths"];

/// Top-level create fields we accept (canonical spelling).
pub(super) const TOP: &[&str] = &[
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

/// HostConfig fields we accept (canonical spelling).
pub(super) const HOST: &[&str] = &[
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

/// Maps an object's keys (any ASCII case) onto canonical names. Allowed keys are returned
/// with their values; forbidden keys are dropped when their value is "off" and refused
/// otherwise; unknown keys are refused. `where_` names the object in messages.
pub(super) fn canonical<'a>(
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
            let off = if EMPTY_IS_NOT_OFF.contains(name) {
                value.is_null()
            } else {
                is_off(value)
            };
            if !off {
                return deny(format!("{where_}.{name}: {why}"));
            }
        } else {
            return deny(format!(
                "{where_}.{key}: unknown field (only allow-listed fields are accepted)"
            ));
        }
    }
    Ok(out)
}

/// The zero values Go decodes as "not set": null, false, "", [], {}, 0.
pub(super) fn is_off(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(n) => n.as_i64() == Some(0),
        Value::Bool(true) => false,
    }
}

/// The value of `key` unless it is absent or null: Go's decoder leaves a field untouched for
/// null, so the daemon cannot tell the two apart and neither do we. Every other value,
/// including a zero or an empty list, is the caller's explicit choice and is checked as such.
pub(super) fn given<'a>(map: &BTreeMap<&'static str, &'a Value>, key: &str) -> Option<&'a Value> {
    map.get(key).copied().filter(|v| !v.is_null())
}

pub(super) fn string<'a>(v: &'a Value, what: &str) -> Result<&'a str, Denied> {
    v.as_str()
        .ok_or_else(|| Denied(format!("{what} must be a string")))
}

/// A list of strings (callers read null as absent through [`given`] first).
pub(super) fn strings<'a>(v: &'a Value, what: &str) -> Result<Vec<&'a str>, Denied> {
    match v {
        Value::Array(a) => a.iter().map(|x| string(x, what)).collect(),
        _ => deny(format!("{what} must be a list of strings")),
    }
}

pub(super) fn int(v: &Value, what: &str) -> Result<i64, Denied> {
    v.as_i64()
        .ok_or_else(|| Denied(format!("{what} must be an integer")))
}
