//! Docker side of the integration harness: a bot image built from the bot binary of this build
//! (no pull, no static build needed: the dynamic binary plus the libraries `ldd` names, in a
//! scratch image), a throwaway bots network, the real socket proxy in-process, cleanup on drop.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use secrecy::SecretString;

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

/// `<target>/<profile>`: tests run from <target>/debug/deps/<test>-<hash>, examples from
/// <target>/<profile>/examples/<name>.
fn target_dir(profile: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join(profile)
}

/// Builds `tradebot-bot` (no-op when fresh) and packs it into a scratch image; returns the tag.
/// Debug build by default; `TRADEBOT_TEST_BOT_RELEASE=1` packs the release build (benchmarks).
pub fn bot_image() -> String {
    let release = std::env::var("TRADEBOT_TEST_BOT_RELEASE").is_ok_and(|v| v == "1");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut args = vec![
        "build",
        "--quiet",
        "-p",
        "tradebot-bot",
        "--bin",
        "tradebot-bot",
    ];
    if release {
        args.push("--release");
    }
    let status = Command::new(cargo)
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "cannot build tradebot-bot");
    let bin = target_dir(if release { "release" } else { "debug" }).join("tradebot-bot");
    let ctx = tempfile::tempdir().unwrap();
    copy_with_libs(&bin, ctx.path());
    std::fs::write(
        ctx.path().join("Dockerfile"),
        "FROM scratch\nCOPY rootfs/ /\nUSER 65532:65532\nENTRYPOINT [\"/tradebot-bot\"]\nCMD [\"run\"]\n",
    )
    .unwrap();
    let tag = if release {
        "tradebot-test/bot:bench"
    } else {
        "tradebot-test/bot:integration"
    };
    let (ok, out) = docker(&["build", "-q", "-t", tag, ctx.path().to_str().unwrap()]);
    assert!(ok, "docker build failed: {out}");
    tag.to_owned()
}

fn copy_with_libs(bin: &Path, ctx: &Path) {
    let root = ctx.join("rootfs");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(bin, root.join("tradebot-bot")).unwrap();
    // As in the real image: a CA bundle for outbound TLS (reqwest's verifier wants one).
    let certs = root.join("etc/ssl/certs");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::copy(
        "/etc/ssl/certs/ca-certificates.crt",
        certs.join("ca-certificates.crt"),
    )
    .unwrap();
    let ldd = Command::new("ldd").arg(bin).output().unwrap();
    for line in String::from_utf8_lossy(&ldd.stdout).lines() {
        let path = line
            .split_whitespace()
            .find(|w| w.starts_with('/'))
            .map(PathBuf::from);
        if let Some(path) = path {
            let dest = root.join(path.strip_prefix("/").unwrap());
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

/// A bots network with a random /24 subnet; removes it (and our containers) on drop.
pub struct TestNetwork {
    pub name: String,
    pub subnet: String,
    pub gateway: String,
    /// Containers whose name starts with this are ours to clean up.
    pub name_prefix: String,
}

impl TestNetwork {
    pub fn create(tag: &str, name_prefix: &str) -> Self {
        for _ in 0..20 {
            let n: u8 = rand::random::<u8>() % 200 + 20;
            let subnet = format!("172.29.{n}.0/24");
            let gateway = format!("172.29.{n}.1");
            let name = format!("tradebot-test-{tag}-{n}");
            let (ok, _) = docker(&[
                "network",
                "create",
                "--subnet",
                &subnet,
                "--gateway",
                &gateway,
                &name,
            ]);
            if ok {
                return Self {
                    name,
                    subnet,
                    gateway,
                    name_prefix: name_prefix.to_owned(),
                };
            }
        }
        panic!("cannot create a test network");
    }

    pub fn our_containers(&self) -> Vec<String> {
        let (_, out) = docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("name={}", self.name_prefix),
        ]);
        out.split_whitespace().map(str::to_owned).collect()
    }
}

impl Drop for TestNetwork {
    fn drop(&mut self) {
        let ids = self.our_containers();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(ids.iter().map(String::as_str));
            docker(&args);
        }
        docker(&["network", "rm", &self.name]);
    }
}

/// The real socket proxy, in-process on a loopback port, with a policy for `image` on `network`,
/// serving the bots of `stack` (the dashboard's `bots.stack`) only.
pub struct Proxy {
    pub url: String,
    pub token: SecretString,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn start_proxy(image: &str, network: &str, stack: &str) -> Proxy {
    let dir = tempfile::tempdir().unwrap();
    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/proxy/policy.toml")).unwrap();
    let policy: String = shipped
        .lines()
        .map(|l| {
            if l.starts_with("images =") {
                format!("images = [\"{image}\"]")
            } else if l.starts_with("network =") {
                format!("network = \"{network}\"")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
    let token = format!("test-proxy-token-{}", rand::random::<u64>());
    std::fs::write(dir.path().join("token"), &token).unwrap();
    let settings = tradebot_socket_proxy::Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        token_file: dir.path().join("token"),
        policy_file: dir.path().join("policy.toml"),
        docker_socket: "/var/run/docker.sock".into(),
        bots_network: None,
        stack: Some(stack.to_owned()),
    };
    let proxy = Arc::new(settings.load().unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(tradebot_socket_proxy::serve(listener, proxy));
    Proxy {
        url,
        token: SecretString::from(token),
        _dir: dir,
        task,
    }
}
