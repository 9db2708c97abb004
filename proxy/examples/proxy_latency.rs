//! Latency the proxy adds per request: the same requests straight to the Docker socket and
//! through the proxy (in-process, loopback TCP), each on a fresh connection with the same
//! minimal HTTP/1.1 client, interleaved so both see the same daemon load. Run by
//! ops/bench/proxy-latency; prints figures, asserts nothing.
// A measuring tool: a failed request should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use tradebot_socket_proxy::policy::Policy;
use tradebot_socket_proxy::server::{Proxy, Secret};

const SOCKET: &str = "/var/run/docker.sock";

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, request: &[u8]) {
    s.write_all(request).await.unwrap();
    let mut buf = Vec::with_capacity(8192);
    s.read_to_end(&mut buf).await.unwrap();
    assert!(
        buf.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf)
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let token = format!("bench-token-{}", std::process::id());
    let proxy = Arc::new(Proxy {
        policy: Policy::from_toml(include_str!("../policy.toml")).unwrap(),
        token: Secret(token.as_bytes().to_vec()),
        docker_socket: SOCKET.into(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(tradebot_socket_proxy::serve(listener, proxy));

    println!("proxy latency: {n} requests per endpoint and path, fresh connection each, connect included");
    println!(
        "| request | direct p50/p95/p99 (µs) | proxy p50/p95/p99 (µs) | added p50/p95/p99 (µs) |"
    );
    println!("|---|---|---|---|");
    for path in ["/v1.41/_ping", "/v1.41/containers/json"] {
        let direct_req =
            format!("GET {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
        let proxy_req = format!(
            "GET {path} HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        );
        let (mut direct, mut proxied) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n + 100 {
            let start = Instant::now();
            exchange(
                UnixStream::connect(SOCKET).await.unwrap(),
                direct_req.as_bytes(),
            )
            .await;
            let d = start.elapsed();
            let start = Instant::now();
            exchange(
                TcpStream::connect(addr).await.unwrap(),
                proxy_req.as_bytes(),
            )
            .await;
            let p = start.elapsed();
            if i >= 100 {
                // The first 100 of each warm up caches and the runtime.
                direct.push(d);
                proxied.push(p);
            }
        }
        direct.sort();
        proxied.sort();
        let fmt = |s: &[Duration]| {
            format!(
                "{:.0} / {:.0} / {:.0}",
                micros(percentile(s, 0.50)),
                micros(percentile(s, 0.95)),
                micros(percentile(s, 0.99))
            )
        };
        let added = |p: f64| micros(percentile(&proxied, p)) - micros(percentile(&direct, p));
        println!(
            "| GET {path} | {} | {} | {:.0} / {:.0} / {:.0} |",
            fmt(&direct),
            fmt(&proxied),
            added(0.50),
            added(0.95),
            added(0.99)
        );
    }
}
