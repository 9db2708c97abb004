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
        assert!(
            check_head(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").is_ok()
        );
        // Incomplete or unparsable: hyper answers 400 itself.
        assert!(
            check_head(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n").is_ok()
        );
        assert_eq!(
            check_head(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"),
            Err("more than one Content-Length header")
        );
        assert_eq!(
            check_head(b"POST / HTTP/1.1\r\nContent-Length: 1\r\ntransfer-encoding: x\r\n\r\n"),
            Err("both Content-Length and Transfer-Encoding")
        );
        assert_eq!(
            check_head(b"POST / HTTP/1.1\r\nTransfer-Encoding: a\r\nTRANSFER-ENCODING: b\r\n\r\n"),
            Err("more than one Transfer-Encoding header")
        );
    }

    /// Hands out its chunks one `read` at a time (a client that sends its head in pieces).
    struct Chunks(std::collections::VecDeque<Vec<u8>>);

    impl AsyncRead for Chunks {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if let Some(chunk) = self.0.pop_front() {
                buf.put_slice(&chunk);
            }
            Poll::Ready(Ok(()))
        }
    }

    fn chunks(parts: &[&[u8]]) -> Chunks {
        Chunks(parts.iter().map(|p| p.to_vec()).collect())
    }

    fn read(parts: &[&[u8]]) -> Vec<u8> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(read_head(&mut chunks(parts)))
            .unwrap()
    }

    #[test]
    fn the_whole_head_is_read_even_when_split() {
        let head: &[u8] = b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n";
        // Split everywhere, including inside the final CRLFCRLF.
        for cut in 1..head.len() {
            let (a, b) = head.split_at(cut);
            assert_eq!(read(&[a, b, b"body-not-read"]), head, "cut at {cut}");
        }
        let one_byte_at_a_time: Vec<&[u8]> = head.chunks(1).collect();
        assert_eq!(read(&one_byte_at_a_time), head);
        // Whatever arrived with the head is kept (it is the body, replayed to hyper).
        assert_eq!(
            read(&[b"GET / HTTP/1.1\r\n\r\nrest"]),
            b"GET / HTTP/1.1\r\n\r\nrest"
        );
        // EOF before the end of the head: what there was.
        assert_eq!(read(&[b"GET / HT"]), b"GET / HT");
        assert!(
            check_head(&read(&[head])).is_err(),
            "the smuggling check sees the head"
        );
    }

    #[test]
    fn the_head_read_stops_at_the_limit() {
        let big = vec![b'a'; 4096];
        let parts: Vec<&[u8]> = std::iter::repeat_n(big.as_slice(), MAX_HEAD / 4096 + 4).collect();
        assert_eq!(read(&parts).len(), MAX_HEAD);
        let mut parts: Vec<&[u8]> =
            std::iter::repeat_n(big.as_slice(), MAX_HEAD / 4096 - 1).collect();
        parts.push(b"\r\n\r\n");
        parts.push(b"more");
        assert_eq!(read(&parts).len(), MAX_HEAD - 4096 + 4);
    }

    #[test]
    fn prefixed_replays_the_head_then_the_stream() {
        use tokio::io::AsyncReadExt;
        let mut s = Prefixed::new(b"head".to_vec(), chunks(&[b"-body", b"-more"]));
        let mut out = Vec::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut small = [0u8; 3];
            let n = s.read(&mut small).await.unwrap();
            out.extend_from_slice(&small[..n]);
            s.read_to_end(&mut out).await.unwrap();
        });
        assert_eq!(out, b"head-body-more");
    }

    /// Records what reaches the inner stream.
    #[derive(Default)]
    struct Recorder {
        written: Vec<u8>,
        flushed: bool,
        shut: bool,
    }

    impl AsyncWrite for Recorder {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.written.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.flushed = true;
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.shut = true;
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn prefixed_writes_go_to_the_stream() {
        use tokio::io::AsyncWriteExt;
        let mut s = Prefixed::new(b"head".to_vec(), Recorder::default());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            s.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
            assert!(!s.inner.flushed && !s.inner.shut);
            s.flush().await.unwrap();
            assert!(s.inner.flushed && !s.inner.shut);
            s.shutdown().await.unwrap();
        });
        assert_eq!(s.inner.written, b"HTTP/1.1 200 OK\r\n\r\n");
        assert!(s.inner.shut);
    }

    #[test]
    fn the_refusal_is_a_complete_400() {
        let r = String::from_utf8(refusal("why")).unwrap();
        let (head, body) = r.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert!(head.contains("Connection: close"));
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(v["message"]
            .as_str()
            .unwrap()
            .ends_with("ambiguous request framing: why"));
    }
}
