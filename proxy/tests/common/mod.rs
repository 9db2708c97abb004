//! Harness for the proxy's integration tests against the real Docker engine: a test image built
//! FROM scratch from a tiny C program (nothing is pulled), a throwaway network, the proxy
//! in-process on a loopback port, and Drop guards that remove everything named `tbproxytest-`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tradebot_socket_proxy::policy::Policy;
use tradebot_socket_proxy::server::{Proxy, Secret};

/// Runs the docker CLI; returns success and stdout+stderr.
pub fn docker(args: &[&str]) -> (bool, String) {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `tbproxytest-<pid>-<nanos>`: unique per test, so parallel tests never share objects.
pub fn unique(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("tbproxytest-{what}-{}-{nanos}", std::process::id())
}

/// Prints one line, then sleeps until SIGTERM/SIGINT (as PID 1 it needs its own handler).
const BOT_C: &str = r#"#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static void bye(int s) { (void)s; _exit(0); }
int main(void) {
    signal(SIGTERM, bye);
    signal(SIGINT, bye);
    puts("tbproxytest-bot hello");
    fflush(stdout);
    for (;;) pause();
}
"#;

/// A scratch image holding the C program above; removed on drop.
pub struct TestImage {
    pub tag: String,
}

impl TestImage {
    pub fn build() -> Self {
        let ctx = tempfile::tempdir().unwrap();
        let root = ctx.path().join("rootfs");
        std::fs::create_dir_all(&root).unwrap();
        let src = ctx.path().join("bot.c");
        std::fs::write(&src, BOT_C).unwrap();
        let bin = root.join("bot");
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let static_ok = Command::new(&cc)
            .args(["-static", "-Os", "-o"])
            .arg(&bin)
            .arg(&src)
            .status()
            .is_ok_and(|s| s.success());
        if !static_ok {
            // No static libc: link dynamically and pack the libraries ldd names.
            let ok = Command::new(&cc)
                .args(["-Os", "-o"])
                .arg(&bin)
                .arg(&src)
                .status()
                .unwrap();
            assert!(ok.success(), "cannot compile the test bot");
            copy_libs(&bin, &root);
        }
        std::fs::write(
            ctx.path().join("Dockerfile"),
            "FROM scratch\nCOPY rootfs/ /\nUSER 65532:65532\nENTRYPOINT [\"/bot\"]\n",
        )
        .unwrap();
        let tag = format!("{}:test", unique("bot"));
        let (ok, out) = docker(&["build", "-q", "-t", &tag, ctx.path().to_str().unwrap()]);
        assert!(ok, "docker build failed: {out}");
        Self { tag }
    }
}

fn copy_libs(bin: &Path, root: &Path) {
    let ldd = Command::new("ldd").arg(bin).output().unwrap();
    for line in String::from_utf8_lossy(&ldd.stdout).lines() {
        if let Some(path) = line.split_whitespace().find(|w| w.starts_with('/')) {
            let dest = root.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(path, &dest).unwrap();
        }
    }
}

impl Drop for TestImage {
    fn drop(&mut self) {
        docker(&["rmi", "-f", &self.tag]);
    }
}

/// A bridge network plus every container whose name starts with `prefix`; removed on drop
/// (containers first, or the network cannot go).
pub struct TestNetwork {
    pub name: String,
    pub prefix: String,
}

impl TestNetwork {
    pub fn create(prefix: &str) -> Self {
        let name = unique("net");
        let (ok, out) = docker(&["network", "create", &name]);
        if !ok {
            // The default address pools can be exhausted on a busy host: pick a subnet.
            let mut created = false;
            for n in 20..60u8 {
                let subnet = format!("172.30.{n}.0/24");
                if docker(&["network", "create", "--subnet", &subnet, &name]).0 {
                    created = true;
                    break;
                }
            }
            assert!(created, "cannot create a test network: {out}");
        }
        Self {
            name,
            prefix: prefix.to_owned(),
        }
    }
}

impl Drop for TestNetwork {
    fn drop(&mut self) {
        remove_containers(&self.prefix);
        docker(&["network", "rm", &self.name]);
    }
}

/// Force-removes every container whose name starts with `prefix`.
pub fn remove_containers(prefix: &str) {
    let (_, out) = docker(&[
        "ps",
        "-aq",
        "--no-trunc",
        "--filter",
        &format!("name=^/{prefix}"),
    ]);
    let ids: Vec<&str> = out.split_whitespace().collect();
    if !ids.is_empty() {
        let mut args = vec!["rm", "-f", "-v"];
        args.extend(ids);
        docker(&args);
    }
}

/// The proxy, in-process on 127.0.0.1:<ephemeral>, stopped on drop.
pub struct TestProxy {
    pub addr: SocketAddr,
    pub token: String,
    pub policy: Policy,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The shipped policy with the test image, network and name prefix; the stack is named after
/// the network (unique per test), so tests sharing the engine never see each other's bots.
pub fn test_policy(image: &str, network: &str) -> Policy {
    let mut policy = Policy::from_toml(include_str!("../../policy.toml")).unwrap();
    policy.images = vec![image.to_owned()];
    policy.network = network.to_owned();
    policy.stack = network.to_owned();
    policy.name_prefix = "tbproxytest-".into();
    policy.validate().unwrap();
    policy
}

pub async fn start_proxy(image: &str, network: &str) -> TestProxy {
    let policy = test_policy(image, network);
    let token = format!("tbproxytest-token-{}", unique("t"));
    let proxy = Arc::new(Proxy {
        policy: policy.clone(),
        token: Secret(token.as_bytes().to_vec()),
        docker_socket: "/var/run/docker.sock".into(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(tradebot_socket_proxy::serve(listener, proxy));
    TestProxy {
        addr,
        token,
        policy,
        task,
    }
}

/// What the daemon holds: compared before and after the hostile corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonState {
    pub containers: BTreeSet<String>,
    pub images: BTreeSet<String>,
    pub volumes: BTreeSet<String>,
    pub networks: BTreeSet<String>,
}

impl DaemonState {
    pub fn snapshot() -> Self {
        let set = |args: &[&str]| -> BTreeSet<String> {
            let (ok, out) = docker(args);
            assert!(ok, "docker {args:?}: {out}");
            out.split_whitespace().map(str::to_owned).collect()
        };
        Self {
            containers: set(&["ps", "-aq", "--no-trunc"]),
            images: set(&["images", "-q", "--no-trunc"]),
            volumes: set(&["volume", "ls", "-q"]),
            networks: set(&["network", "ls", "-q", "--no-trunc"]),
        }
    }
}
