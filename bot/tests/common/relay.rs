//! A loopback TCP relay a test puts between a client and a server port, and can cut (every
//! live connection dropped, new ones refused) and restore: a chain stream going away under a
//! reader. Include it with `#[path = "<relative>/bot/tests/common/relay.rs"] mod relay;`.
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, dead_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A loopback TCP relay to the stream port that the test can cut (every live connection
/// dropped, new ones refused) and restore.
pub struct Relay {
    pub url: String,
    cut: watch::Sender<u64>,
    up: Arc<AtomicBool>,
}

impl Relay {
    pub async fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (cut, generations) = watch::channel(0u64);
        let up = Arc::new(AtomicBool::new(true));
        let is_up = up.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !is_up.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection close
                }
                let mut gen = generations.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    gen.borrow_and_update();
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = gen.changed() => {}
                    }
                });
            }
        });
        Self { url, cut, up }
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|g| *g += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}
