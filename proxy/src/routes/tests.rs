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
