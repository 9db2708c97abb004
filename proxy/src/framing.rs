//! Request framing, checked on the bytes as sent. hyper resolves Content-Length together with
//! Transfer-Encoding by preferring chunked, and folds equal duplicate Content-Length headers:
//! once parsed, a smuggling attempt looks like an ordinary request. So the head of each
//! connection's request is read here first, refused if ambiguous, and then handed to hyper
//! unchanged. One request per connection (keep-alive is off in `serve`), so every request
//! head passes through this check.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

/// Largest request head we read (hyper's own buffer limit is the same).
pub const MAX_HEAD: usize = 64 * 1024;

/// Checks one request head (`bytes` may run on into the body). `Ok` also when the head is
/// incomplete or unparsable: hyper then answers 400 itself.
pub fn check_head(bytes: &[u8]) -> Result<(), &'static str> {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(_)) = req.parse(bytes) else {
        return Ok(());
    };
    let count = |name: &str| {
        req.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .count()
    };
    let (cl, te) = (count("content-length"), count("transfer-encoding"));
    if cl > 1 {
        return Err("more than one Content-Length header");
    }
    if cl == 1 && te > 0 {
        return Err("both Content-Length and Transfer-Encoding");
    }
    if te > 1 {
        return Err("more than one Transfer-Encoding header");
    }
    Ok(())
}

/// Reads until the end of the head (or `MAX_HEAD`, or EOF); returns everything read.
pub async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    while buf.len() < MAX_HEAD {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        let start = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if buf[start..].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    Ok(buf)
}

/// The stream with the bytes already read put back in front.
#[derive(Debug)]
pub struct Prefixed<S> {
    prefix: Vec<u8>,
    pos: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    pub fn new(prefix: Vec<u8>, inner: S) -> Self {
        Self {
            prefix,
            pos: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pos < self.prefix.len() {
            let n = buf.remaining().min(self.prefix.len() - self.pos);
            let start = self.pos;
            buf.put_slice(&self.prefix[start..start + n]);
            self.pos += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The 400 for a refused head, in Docker's error shape.
pub fn refusal(reason: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "message": format!("tradebot-socket-proxy: ambiguous request framing: {reason}")
    })
    .to_string();
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_heads_are_refused() {
        for head in [
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 1\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert!(check_head(head.as_bytes()).is_err(), "{head}");
        }
        assert!(check_head(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n").is_ok());
        assert!(check_head(b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").is_ok());
    }
}
