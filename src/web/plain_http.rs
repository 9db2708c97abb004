//! The answer to plain HTTP on the HTTPS port: a 400 that says what to do, then close.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BODY: &str = "This server speaks HTTPS only. Use https:// in the address.\n";

pub async fn refuse(mut stream: TcpStream) -> anyhow::Result<()> {
    // Read (and discard) what the client sent so it sees our answer rather than a reset.
    let mut buf = [0u8; 2048];
    let _ =
        tokio::time::timeout(std::time::Duration::from_millis(200), stream.read(&mut buf)).await;
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(())
}
