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

    /// What follows `/containers/{id}` on the daemon for a container endpoint (`/json` for an
    /// inspect, `/start`, ...; empty for a remove and for endpoints that act on no container).
    pub fn container_suffix(&self) -> &'static str {
        match self {
            Endpoint::ContainerInspect(_) => "/json",
            Endpoint::ContainerStart(_) => "/start",
            Endpoint::ContainerStop(_) => "/stop",
            Endpoint::ContainerKill(_) => "/kill",
            Endpoint::ContainerWait(_) => "/wait",
            Endpoint::ContainerLogs(_) => "/logs",
            _ => "",
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
mod tests;
