//! What must hold for *any* input, checked by the fuzz targets (proxy/fuzz) and by the stable
//! smoke fuzz and property tests (proxy/tests). Each function runs the real parser and panics
//! only when an invariant is broken: a refusal is a normal outcome.

use serde_json::Value;

use crate::policy::{CheckedCreate, Denied, Policy};
use crate::routes::{route_target, Endpoint, Routed};

/// Fields that must never reach the daemon, whatever their spelling or value.
const NEVER_FORWARDED: &[&str] = &[
    "binds",
    "mounts",
    "volumes",
    "volumesfrom",
    "devices",
    "devicerequests",
    "devicecgrouprules",
    "capadd",
    "pidmode",
    "ipcmode",
    "utsmode",
    "usernsmode",
    "cgroupnsmode",
    "sysctls",
    "extrahosts",
    "portbindings",
    "entrypoint",
];

/// Runs the create policy on `raw`. On acceptance: the body is hardened, holds no forbidden
/// field, and re-checking it gives the same body (the canonical form is a fixed point).
pub fn create_policy(policy: &Policy, raw: &[u8]) -> Result<CheckedCreate, Denied> {
    let result = policy.check_create(raw, None);
    match &result {
        Ok(checked) => {
            assert_hardened(policy, &checked.body);
            let again = policy
                .check_create(checked.body.to_string().as_bytes(), None)
                .map_err(|d| d.0);
            assert_eq!(
                again.as_ref().map(|c| &c.body),
                Ok(&checked.body),
                "the canonical body must be accepted unchanged"
            );
        }
        Err(denied) => assert!(!denied.0.is_empty(), "a refusal carries a reason"),
    }
    result
}

fn assert_hardened(policy: &Policy, body: &Value) {
    let hc = &body["HostConfig"];
    assert_eq!(hc["Privileged"], Value::Bool(false));
    assert_eq!(hc["CapDrop"], serde_json::json!(["ALL"]));
    assert_eq!(hc["ReadonlyRootfs"], Value::Bool(true));
    assert_eq!(
        hc["SecurityOpt"],
        serde_json::json!(["no-new-privileges:true"])
    );
    assert_eq!(hc["NetworkMode"].as_str(), Some(policy.network.as_str()));
    let within = |key: &str, max: i64| hc[key].as_i64().is_some_and(|n| (1..=max).contains(&n));
    assert!(within("Memory", policy.limits.memory_max));
    assert!(within("NanoCpus", policy.limits.nano_cpus_max));
    assert!(within("PidsLimit", policy.limits.pids_max));
    assert_eq!(hc["MemorySwap"], hc["Memory"]);
    let user = body["User"].as_str().unwrap_or("0");
    assert!(
        user.split(':')
            .all(|id| id.parse::<u32>().is_ok_and(|n| n != 0)),
        "user {user:?} must be numeric and non-root"
    );
    assert!(policy
        .images
        .iter()
        .any(|i| body["Image"].as_str() == Some(i.as_str())));
    assert!(
        policy.owns(&body["Labels"]),
        "a create must carry this stack's labels"
    );
    for obj in [body, hc] {
        if let Some(map) = obj.as_object() {
            for key in map.keys() {
                assert!(
                    !NEVER_FORWARDED.contains(&key.to_ascii_lowercase().as_str()),
                    "{key} forwarded"
                );
            }
        }
    }
}

/// Runs the framing check and the router on one raw request line plus headers
/// (`METHOD target HTTP/1.1\r\n...`). On acceptance: an allow-listed method, and nothing in
/// the path that could mean something else to the daemon.
pub fn request_line(raw: &[u8]) -> Result<Routed, Denied> {
    let _ = crate::framing::check_head(raw);
    let line = raw
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .unwrap_or_default();
    let Ok(line) = std::str::from_utf8(line) else {
        return Err(Denied("not UTF-8".into()));
    };
    let mut parts = line.splitn(3, ' ');
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let result = route_target(method, path, query);
    if let Ok(routed) = &result {
        assert!(matches!(method, "GET" | "HEAD" | "POST" | "DELETE"));
        // Dots inside a name are fine (`bot..1` is a valid container name); dot segments,
        // empty segments and escapes are not.
        assert!(!path.contains('%'));
        assert!(path
            .split('/')
            .skip(1)
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".."));
        if let Some(id) = routed.endpoint.container() {
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')));
        }
        if matches!(routed.endpoint, Endpoint::ContainerCreate) {
            assert!(method == "POST");
        }
        let allowed = routed.endpoint.allowed_query();
        assert!(routed
            .query
            .iter()
            .all(|(k, _)| allowed.contains(&k.as_str())));
    }
    result
}
