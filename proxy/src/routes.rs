//! Which Docker API endpoints exist for us, parsed from the request line. Anything not listed
//! here is refused with a reason: deny by default.

use crate::policy::Denied;

/// An allowed endpoint. Container ids/names are as given; the server resolves them and checks
/// the managed label before forwarding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Ping,
    Version,
    ContainerList,
    ContainerCreate,
    ContainerInspect(String),
    ContainerStart(String),
    ContainerStop(String),
    ContainerKill(String),
    ContainerWait(String),
    ContainerRemove(String),
    ContainerLogs(String),
    Events,
}

impl Endpoint {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Endpoint::Ping => "ping",
            Endpoint::Version => "version",
            Endpoint::ContainerList => "containers.list",
            Endpoint::ContainerCreate => "containers.create",
            Endpoint::ContainerInspect(_) => "containers.inspect",
            Endpoint::ContainerStart(_) => "containers.start",
            Endpoint::ContainerStop(_) => "containers.stop",
            Endpoint::ContainerKill(_) => "containers.kill",
            Endpoint::ContainerWait(_) => "containers.wait",
            Endpoint::ContainerRemove(_) => "containers.remove",
            Endpoint::ContainerLogs(_) => "containers.logs",
            Endpoint::Events => "events",
        }
    }

    /// The container this endpoint acts on, if any.
    pub fn container(&self) -> Option<&str> {
        match self {
            Endpoint::ContainerInspect(id)
            | Endpoint::ContainerStart(id)
            | Endpoint::ContainerStop(id)
            | Endpoint::ContainerKill(id)
            | Endpoint::ContainerWait(id)
            | Endpoint::ContainerRemove(id)
            | Endpoint::ContainerLogs(id) => Some(id),
            _ => None,
        }
    }

    /// Query parameters this endpoint accepts; others are refused.
    pub fn allowed_query(&self) -> &'static [&'static str] {
        match self {
            Endpoint::ContainerList => &["all", "limit", "size", "filters"],
            // bollard always sends `platform=` (empty); any value is refused in `check_values`.
            Endpoint::ContainerCreate => &["name", "platform"],
            Endpoint::ContainerStop(_) => &["t", "signal"],
            Endpoint::ContainerKill(_) => &["signal"],
            Endpoint::ContainerWait(_) => &["condition"],
            // bollard always sends `link=false`; a true value is refused in `check_values`.
            Endpoint::ContainerRemove(_) => &["force", "v", "link"],
            Endpoint::ContainerLogs(_) => &[
                "follow",
                "stdout",
                "stderr",
                "since",
                "until",
                "timestamps",
                "tail",
            ],
            Endpoint::Events => &["since", "until", "filters"],
            _ => &[],
        }
    }
}

/// A request line that passed the router: what the server forwards, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// `v1.41` etc., kept so the daemon answers in the client's API version.
    pub version: Option<String>,
    pub endpoint: Endpoint,
    /// Decoded, allow-listed, each name at most once.
    pub query: Vec<(String, String)>,
}

/// Routes method + path + raw query (the request line, as hyper split it). The fuzz target
/// `route` calls this with arbitrary bytes.
pub fn route_target(method: &str, path: &str, query: Option<&str>) -> Result<Routed, Denied> {
    let (version, endpoint) = route(method, path)?;
    let query = parse_query(query, endpoint.allowed_query())?;
    check_values(&endpoint, &query)?;
    Ok(Routed {
        version,
        endpoint,
        query,
    })
}

/// Parses method + path. `path` is the raw request path without the query.
pub fn route(method: &str, path: &str) -> Result<(Option<String>, Endpoint), Denied> {
    let (version, rest) = split_version(path)?;
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    let ep = match (method, segments.as_slice()) {
        ("GET" | "HEAD", ["_ping"]) => Endpoint::Ping,
        ("GET", ["version"]) => Endpoint::Version,
        ("GET", ["containers", "json"]) => Endpoint::ContainerList,
        ("POST", ["containers", "create"]) => Endpoint::ContainerCreate,
        ("GET", ["containers", id, "json"]) => Endpoint::ContainerInspect(id_segment(id)?),
        ("POST", ["containers", id, "start"]) => Endpoint::ContainerStart(id_segment(id)?),
        ("POST", ["containers", id, "stop"]) => Endpoint::ContainerStop(id_segment(id)?),
        ("POST", ["containers", id, "kill"]) => Endpoint::ContainerKill(id_segment(id)?),
        ("POST", ["containers", id, "wait"]) => Endpoint::ContainerWait(id_segment(id)?),
        ("DELETE", ["containers", id]) => Endpoint::ContainerRemove(id_segment(id)?),
        ("GET", ["containers", id, "logs"]) => Endpoint::ContainerLogs(id_segment(id)?),
        ("GET", ["events"]) => Endpoint::Events,
        (_, segs) => return Err(Denied(why_denied(method, segs))),
    };
    Ok((version, ep))
}

/// `/v1.41/containers/json` -> (Some("v1.41"), "/containers/json"). Refuses anything that is
/// not plain ASCII segments: percent-encoding (e.g. `%2F`), `.`/`..`, empty segments.
fn split_version(path: &str) -> Result<(Option<String>, &str), Denied> {
    if !path.starts_with('/') || path.len() > 512 {
        return Err(Denied("malformed path".into()));
    }
    if !path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'))
    {
        return Err(Denied(
            "path has characters outside [A-Za-z0-9/._-] (encoded slashes and escapes are refused)"
                .into(),
        ));
    }
    if path
        .split('/')
        .skip(1)
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(Denied("path has empty, '.' or '..' segments".into()));
    }
    let first = path[1..].split('/').next().unwrap_or("");
    if let Some(v) = first.strip_prefix('v') {
        let valid = v.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        });
        if valid {
            return Ok((Some(first.to_owned()), &path[1 + first.len()..]));
        }
    }
    Ok((None, path))
}

fn id_segment(id: &str) -> Result<String, Denied> {
    if id.is_empty() || id.len() > 128 || !id.as_bytes()[0].is_ascii_alphanumeric() {
        return Err(Denied("malformed container id or name".into()));
    }
    Ok(id.to_owned())
}

fn why_denied(method: &str, segs: &[&str]) -> String {
    let area = segs.first().copied().unwrap_or("");
    let what = match area {
        "exec" => "exec is not allowed (it is a shell in a container)",
        "build" => "building images is not allowed",
        "images" => "image operations (pull, push, tag, delete, inspect) are not allowed",
        "volumes" => "volume operations are not allowed",
        "networks" => "network operations are not allowed",
        "plugins" => "plugins are not allowed",
        "swarm" | "nodes" | "services" | "tasks" | "secrets" | "configs" => {
            "swarm APIs are not allowed"
        }
        "system" | "info" => "system APIs are not allowed",
        "session" | "grpc" => "sessions are not allowed",
        "commit" => "committing containers to images is not allowed",
        "auth" => "registry auth is not allowed",
        "distribution" => "registry access is not allowed",
        "containers" => match segs.get(2).copied().or(segs.get(1).copied()) {
            Some("attach") => "attaching to containers is not allowed",
            Some("exec") => "exec is not allowed (it is a shell in a container)",
            Some("archive") => "copying files in or out of containers is not allowed",
            Some("export") => "exporting containers is not allowed",
            Some("prune") => "pruning is not allowed",
            Some("update") => "changing a container's limits is not allowed",
            Some(
                "rename" | "pause" | "unpause" | "restart" | "resize" | "top" | "stats" | "changes",
            ) => "this container operation is not allowed",
            _ => "this container endpoint is not allowed",
        },
        _ => "endpoint not allowed",
    };
    format!("{method} /{}: {what}", segs.join("/"))
}

/// Parses the query string; unknown or repeated parameters are refused.
fn parse_query(raw: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>, Denied> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if !allowed.contains(&k.as_ref()) {
            return Err(Denied(format!(
                "query parameter {:?} is not allowed here",
                truncate(&k)
            )));
        }
        if out.iter().any(|(seen, _)| seen == &k) {
            return Err(Denied(format!("query parameter {k:?} given twice")));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

fn check_signal(query: &[(String, String)]) -> Result<(), Denied> {
    match query
        .iter()
        .find(|(k, _)| k == "signal")
        .map(|(_, v)| v.as_str())
    {
        None
        | Some("SIGTERM" | "SIGKILL" | "SIGINT" | "TERM" | "KILL" | "INT" | "15" | "9" | "2") => {
            Ok(())
        }
        Some(other) => Err(Denied(format!("signal {other:?}: only TERM, INT or KILL"))),
    }
}

/// Values with a meaning beyond the endpoint's purpose are refused.
fn check_values(endpoint: &Endpoint, query: &[(String, String)]) -> Result<(), Denied> {
    if matches!(
        endpoint,
        Endpoint::ContainerKill(_) | Endpoint::ContainerStop(_)
    ) {
        check_signal(query)?;
    }
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if get("platform").is_some_and(|p| !p.is_empty()) {
        return Err(Denied(
            "platform: only the image's own platform (an empty value)".into(),
        ));
    }
    if let Some(link) = get("link") {
        if !matches!(link, "" | "0" | "false" | "False" | "FALSE") {
            return Err(Denied(
                "link=true removes a link, not a container: not allowed".into(),
            ));
        }
    }
    Ok(())
}

pub(crate) fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_endpoints_with_and_without_version() {
        assert_eq!(route("GET", "/_ping").unwrap().1, Endpoint::Ping);
        assert_eq!(
            route("GET", "/v1.41/containers/json").unwrap(),
            (Some("v1.41".into()), Endpoint::ContainerList)
        );
        assert_eq!(
            route("POST", "/v1.47/containers/abc/stop").unwrap().1,
            Endpoint::ContainerStop("abc".into())
        );
        assert_eq!(
            route("DELETE", "/containers/abc").unwrap().1,
            Endpoint::ContainerRemove("abc".into())
        );
    }

    #[test]
    fn the_version_prefix_is_split_off_exactly() {
        assert_eq!(
            split_version("/v1.41/containers/json").unwrap(),
            (Some("v1.41".to_owned()), "/containers/json")
        );
        assert_eq!(
            split_version("/v10.123/_ping").unwrap(),
            (Some("v10.123".to_owned()), "/_ping")
        );
        assert_eq!(split_version("/_ping").unwrap(), (None, "/_ping"));
        assert_eq!(split_version("/v1.x/_ping").unwrap(), (None, "/v1.x/_ping"));
    }

    #[test]
    fn dot_and_empty_segments_are_refused_as_such() {
        for p in [
            "/containers//json",
            "//_ping",
            "/containers/./json",
            "/v1.41/./_ping",
            "/containers/../_ping",
            "/containers/abc/..",
            "/_ping/",
        ] {
            let err = route("GET", p).unwrap_err();
            assert!(err.0.contains("empty, '.' or '..' segments"), "{p}: {err}");
        }
        assert!(route("GET", "/containers/a..b/json").is_ok());
    }

    #[test]
    fn path_tricks_are_refused() {
        for p in [
            "/containers/abc/../../images/json",
            "/containers//json",
            "/containers/abc%2Fexec/start",
            "/v1.41/./containers/json",
            "containers/json",
            "/containers/json/",
            "/containers/ab c/json",
            "/v1.41x/containers/json",
        ] {
            assert!(route("GET", p).is_err(), "{p}");
        }
    }

    fn routed(method: &str, target: &str) -> Result<Routed, Denied> {
        let (path, query) = target
            .split_once('?')
            .map_or((target, None), |(p, q)| (p, Some(q)));
        route_target(method, path, query)
    }

    #[test]
    fn every_endpoint_routes_with_its_name_and_container() {
        let table = [
            ("GET", "/_ping", Endpoint::Ping, "ping", None),
            ("HEAD", "/_ping", Endpoint::Ping, "ping", None),
            ("GET", "/version", Endpoint::Version, "version", None),
            (
                "GET",
                "/containers/json",
                Endpoint::ContainerList,
                "containers.list",
                None,
            ),
            (
                "POST",
                "/containers/create",
                Endpoint::ContainerCreate,
                "containers.create",
                None,
            ),
            (
                "GET",
                "/containers/c1/json",
                Endpoint::ContainerInspect("c1".into()),
                "containers.inspect",
                Some("c1"),
            ),
            (
                "POST",
                "/containers/c1/start",
                Endpoint::ContainerStart("c1".into()),
                "containers.start",
                Some("c1"),
            ),
            (
                "POST",
                "/containers/c1/stop",
                Endpoint::ContainerStop("c1".into()),
                "containers.stop",
                Some("c1"),
            ),
            (
                "POST",
                "/containers/c1/kill",
                Endpoint::ContainerKill("c1".into()),
                "containers.kill",
                Some("c1"),
            ),
            (
                "POST",
                "/containers/c1/wait",
                Endpoint::ContainerWait("c1".into()),
                "containers.wait",
                Some("c1"),
            ),
            (
                "DELETE",
                "/containers/c1",
                Endpoint::ContainerRemove("c1".into()),
                "containers.remove",
                Some("c1"),
            ),
            (
                "GET",
                "/containers/c1/logs",
                Endpoint::ContainerLogs("c1".into()),
                "containers.logs",
                Some("c1"),
            ),
            ("GET", "/events", Endpoint::Events, "events", None),
        ];
        for (method, path, endpoint, name, container) in table {
            let (version, got) = route(method, path).unwrap();
            assert_eq!(version, None);
            assert_eq!(got, endpoint, "{method} {path}");
            assert_eq!(got.name(), name);
            assert_eq!(got.container(), container);
        }
        // The wrong method for a known path is refused too.
        for (method, path) in [
            ("POST", "/_ping"),
            ("GET", "/containers/create"),
            ("GET", "/containers/c1/start"),
            ("PUT", "/containers/c1"),
            ("POST", "/events"),
        ] {
            assert!(route(method, path).is_err(), "{method} {path}");
        }
    }

    #[test]
    fn what_the_dashboard_sends_passes() {
        // bollard's own query strings, as it sends them.
        for (method, target) in [
            ("GET", "/v1.41/containers/json?all=true&filters=%7B%7D"),
            ("GET", "/v1.41/containers/json?all=1&limit=5&size=false"),
            ("POST", "/v1.41/containers/create?name=tradebot-bot-b1&platform="),
            ("POST", "/v1.41/containers/abc/stop?t=10"),
            ("POST", "/v1.41/containers/abc/stop?t=10&signal=SIGTERM"),
            ("POST", "/v1.41/containers/abc/kill?signal=SIGKILL"),
            ("POST", "/v1.41/containers/abc/wait?condition=not-running"),
            ("DELETE", "/v1.41/containers/abc?force=true&v=false&link=false"),
            ("GET", "/v1.41/containers/abc/logs?follow=true&stdout=true&stderr=true&since=0&until=0&timestamps=false&tail=all"),
            ("GET", "/v1.41/events?since=1&until=2&filters=%7B%7D"),
        ] {
            let r = routed(method, target).unwrap_or_else(|e| panic!("{target}: {e}"));
            assert_eq!(r.version.as_deref(), Some("v1.41"));
            let given = target.split_once('?').map_or(0, |(_, q)| q.split('&').count());
            assert_eq!(r.query.len(), given, "{target}");
        }
        let r = routed("GET", "/containers/json?filters=%7B%22a%22%3A1%7D").unwrap();
        assert_eq!(
            r.query,
            vec![("filters".to_owned(), r#"{"a":1}"#.to_owned())]
        );
    }

    #[test]
    fn a_parameter_outside_the_endpoints_list_is_refused() {
        for (method, target) in [
            ("GET", "/_ping?x=1"),
            ("GET", "/version?x=1"),
            ("GET", "/containers/json?since=abc"),
            ("POST", "/containers/create?name=a&x=1"),
            ("GET", "/containers/c/json?size=1"),
            ("POST", "/containers/c/start?detachKeys=ctrl-p"),
            ("POST", "/containers/c/stop?condition=x"),
            ("POST", "/containers/c/kill?t=1"),
            ("POST", "/containers/c/wait?signal=KILL"),
            ("DELETE", "/containers/c?tail=1"),
            ("GET", "/containers/c/logs?details=true"),
            ("GET", "/events?type=image"),
        ] {
            let err = routed(method, target).unwrap_err();
            assert!(err.0.contains("is not allowed here"), "{target}: {err}");
        }
    }

    #[test]
    fn stop_signals_other_than_term_int_kill_are_refused() {
        for endpoint in ["stop", "kill"] {
            for ok in [
                "SIGTERM", "SIGKILL", "SIGINT", "TERM", "KILL", "INT", "15", "9", "2",
            ] {
                assert!(
                    routed("POST", &format!("/containers/c/{endpoint}?signal={ok}")).is_ok(),
                    "{endpoint} {ok}"
                );
            }
            assert!(routed("POST", &format!("/containers/c/{endpoint}")).is_ok());
            // SIGSTOP freezes a bot before it can cancel its orders; the others are not ours.
            for bad in [
                "SIGSTOP", "STOP", "19", "SIGTSTP", "SIGHUP", "SIGUSR1", "", "sigterm", "0",
            ] {
                let err =
                    routed("POST", &format!("/containers/c/{endpoint}?signal={bad}")).unwrap_err();
                assert!(
                    err.0.contains("only TERM, INT or KILL"),
                    "{endpoint} {bad}: {err}"
                );
            }
        }
    }

    #[test]
    fn query_values_with_another_meaning_are_refused() {
        for ok in ["", "0", "false", "False", "FALSE"] {
            assert!(
                routed("DELETE", &format!("/containers/c?link={ok}")).is_ok(),
                "{ok}"
            );
        }
        for bad in ["true", "1", "yes", "TRUE"] {
            let err = routed("DELETE", &format!("/containers/c?link={bad}")).unwrap_err();
            assert!(err.0.contains("link=true"), "{bad}: {err}");
        }
        assert!(routed("POST", "/containers/create?platform=").is_ok());
        for bad in ["linux/amd64", "linux", "%20"] {
            let err = routed("POST", &format!("/containers/create?platform={bad}")).unwrap_err();
            assert!(err.0.contains("platform"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_repeated_parameter_is_refused() {
        for (method, target) in [
            ("GET", "/containers/json?all=1&all=1"),
            ("POST", "/containers/c/kill?signal=TERM&signal=STOP"),
            ("POST", "/containers/create?name=a&name=b"),
            ("DELETE", "/containers/c?link=false&link=true"),
            ("GET", "/events?filters=%7B%7D&filters=%7B%7D"),
        ] {
            let err = routed(method, target).unwrap_err();
            assert!(err.0.contains("given twice"), "{target}: {err}");
        }
    }

    #[test]
    fn versions_and_ids_are_pinned() {
        assert_eq!(
            route("GET", "/v1.41/_ping").unwrap().0.as_deref(),
            Some("v1.41")
        );
        assert_eq!(
            route("GET", "/v10.0/_ping").unwrap().0.as_deref(),
            Some("v10.0")
        );
        for bad in [
            "/v1./_ping",
            "/v.41/_ping",
            "/v1.4a/_ping",
            "/va.1/_ping",
            "/v1/_ping",
            "/v1.41.2/_ping",
        ] {
            assert!(route("GET", bad).is_err(), "{bad}");
        }
        // A version-like first segment that is not a version is a path like any other.
        assert!(route("GET", "/vx/_ping").is_err());
        let long = "a".repeat(128);
        assert!(route("GET", &format!("/containers/{long}/json")).is_ok());
        assert!(route("GET", &format!("/containers/{long}a/json")).is_err());
        assert!(route("GET", "/containers/-a/json").is_err());
        assert!(route("GET", "/containers/_a/json").is_err());
        assert!(route("GET", "/containers/.a/json").is_err());
        assert_eq!(
            route("GET", "/containers/a.b_c-d/json").unwrap().1,
            Endpoint::ContainerInspect("a.b_c-d".into())
        );
        let path = format!("/containers/{}/json", "a".repeat(500));
        assert!(
            path.len() == 517
                && route("GET", &path)
                    .unwrap_err()
                    .0
                    .contains("malformed path")
        );
        let at_limit = format!("/containers/{}/json", "a".repeat(512 - 17));
        assert_eq!(at_limit.len(), 512);
        assert!(route("GET", &at_limit)
            .unwrap_err()
            .0
            .contains("malformed container id"));
        assert_eq!(truncate(&"é".repeat(100)).chars().count(), 80);
        assert_eq!(truncate("short"), "short");
    }

    #[test]
    fn everything_else_is_refused_with_a_reason() {
        for (m, p, why) in [
            ("POST", "/containers/abc/exec", "a shell in a container"),
            ("POST", "/exec/abc/start", "a shell in a container"),
            ("POST", "/images/create", "image operations"),
            ("POST", "/build", "building images"),
            ("GET", "/containers/abc/archive", "copying files"),
            ("PUT", "/containers/abc/archive", "copying files"),
            ("POST", "/containers/abc/attach", "attaching"),
            ("GET", "/containers/abc/export", "exporting"),
            ("POST", "/commit", "committing"),
            ("POST", "/volumes/create", "volume operations"),
            ("POST", "/networks/create", "network operations"),
            ("GET", "/plugins", "plugins are not allowed"),
            ("POST", "/swarm/init", "swarm APIs"),
            ("GET", "/secrets", "swarm APIs"),
            ("GET", "/info", "system APIs"),
            ("GET", "/system/df", "system APIs"),
            ("POST", "/session", "sessions"),
            ("POST", "/auth", "registry auth"),
            ("GET", "/distribution/x/json", "registry access"),
            ("POST", "/containers/prune", "pruning"),
            (
                "POST",
                "/containers/abc/restart",
                "this container operation",
            ),
            ("GET", "/containers/abc/top", "this container operation"),
            ("POST", "/containers/abc/update", "limits"),
            ("POST", "/containers/abc/resize", "this container operation"),
            ("GET", "/containers/abc/nothing", "this container endpoint"),
            ("GET", "/whatever", "endpoint not allowed"),
        ] {
            let err = route(m, p).unwrap_err();
            assert!(err.0.contains(why), "{m} {p}: {err}");
            assert!(err.0.starts_with(&format!("{m} {p}:")), "{m} {p}: {err}");
        }
    }
}
