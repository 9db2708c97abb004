//! Issue 15 item 11: bots must not reach host services bound to 0.0.0.0. A container on a
//! bots network (its own, made here) connects to a port this test opens on the host through
//! the network's gateway: it gets through before `ops/firewall-bots` and not after; applying
//! twice adds nothing. Needs root, iptables with Docker's DOCKER-USER chain, and Docker; where
//! the rule cannot be applied (not root, no iptables) it says so and passes, as `ops/up` skips.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"))
}

fn ok(cmd: &str, args: &[&str]) -> String {
    let out = run(cmd, args);
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Whether this machine lets the rule be applied (as ops/firewall-bots checks).
fn can_apply() -> Result<(), &'static str> {
    if ok("id", &["-u"]) != "0" {
        return Err("not root");
    }
    let listed = Command::new("iptables")
        .args(["-n", "-L", "DOCKER-USER"])
        .output();
    match listed {
        Ok(o) if o.status.success() => Ok(()),
        _ => Err("no iptables with a DOCKER-USER chain"),
    }
}

/// A FROM-scratch image holding `sleep` and the libraries it loads: a container that stays
/// up so the probe can enter its network namespace.
fn sleeper_image(dir: &Path) -> String {
    let image = "tradebot-test/sleeper:firewall".to_owned();
    let ctx = dir.join("ctx");
    let sleep = ok("sh", &["-c", "command -v sleep"]);
    let libs = ok("ldd", &[&sleep]);
    let mut files = vec![sleep.clone()];
    files.extend(
        libs.split_whitespace()
            .filter(|w| w.starts_with('/'))
            .map(str::to_owned),
    );
    for f in &files {
        let to = ctx.join("rootfs").join(f.trim_start_matches('/'));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(f, &to).unwrap();
    }
    let dockerfile = format!("FROM scratch\nCOPY rootfs/ /\nENTRYPOINT [\"{sleep}\"]\n");
    std::fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
    ok(
        "docker",
        &["build", "-q", "-t", &image, ctx.to_str().unwrap()],
    );
    image
}

/// Removes the container, the rules and the network, whatever happened.
struct Cleanup {
    net: String,
    container: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = run("docker", &["rm", "-f", &self.container]);
        let script = root().join("ops/firewall-bots");
        let _ = run(script.to_str().unwrap(), &["--remove", &self.net]);
        let _ = run("docker", &["network", "rm", &self.net]);
    }
}

/// Whether a TCP connection from the container's network namespace to `addr` succeeds.
fn reaches(pid: &str, addr: &str, port: u16) -> bool {
    let probe = format!("exec 3<>/dev/tcp/{addr}/{port}");
    run(
        "timeout",
        &["5", "nsenter", "-t", pid, "-n", "bash", "-c", &probe],
    )
    .status
    .success()
}

fn our_rules(net: &str) -> usize {
    let rules = ok("iptables", &["-S"]);
    let tag = format!("tradebot-bots:{net}");
    rules.lines().filter(|l| l.contains(&tag)).count()
}

#[test]
fn a_bot_container_cannot_reach_a_host_port_once_the_firewall_is_applied() {
    if let Err(why) = can_apply() {
        eprintln!("skipped: the firewall rule cannot be applied here ({why}), as ops/up skips it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let image = sleeper_image(dir.path());
    let net = format!("tbfw{}_bots", std::process::id());
    let cleanup = Cleanup {
        container: format!("tbfw{}-bot", std::process::id()),
        net: net.clone(),
    };
    ok("docker", &["network", "create", &net]);
    ok(
        "docker",
        &[
            "run",
            "-d",
            "--network",
            &net,
            "--name",
            &cleanup.container,
            &image,
            "600",
        ],
    );
    let pid = ok(
        "docker",
        &["inspect", "-f", "{{.State.Pid}}", &cleanup.container],
    );
    let gateway = ok(
        "docker",
        &[
            "network",
            "inspect",
            "-f",
            "{{range .IPAM.Config}}{{.Gateway}}{{end}}",
            &net,
        ],
    );
    // A host service bound to every interface.
    let listener = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();

    assert!(
        reaches(&pid, &gateway, port),
        "without the rule the bot reaches the host's port (else this test proves nothing)"
    );

    let script = root().join("ops/firewall-bots");
    for _ in 0..2 {
        ok(script.to_str().unwrap(), &[&net]);
    }
    assert_eq!(
        our_rules(&net),
        2,
        "applied twice: still one INPUT and one DOCKER-USER rule"
    );

    while listener.accept().is_ok() {} // forget the first probe's connection
    assert!(
        !reaches(&pid, &gateway, port),
        "with the rule the bot cannot reach the host's port through the gateway"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(listener.accept().is_err(), "nothing arrived at the host");

    ok(script.to_str().unwrap(), &["--remove", &net]);
    assert_eq!(our_rules(&net), 0, "removed");
    drop(cleanup);
}
