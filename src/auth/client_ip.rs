//! The client's real address, for login throttling, sessions and the audit log.
//!
//! It is the TCP peer, unless that peer is a configured trusted reverse proxy
//! (`auth.trusted_proxies`): then `X-Forwarded-For` is read from the right, skipping trusted
//! proxies, and the first address that is not one is the client. A client can put anything in
//! the header, but only to the left of what our proxy appends, so the right-most untrusted hop
//! is the one address nobody but the proxy wrote. From any other peer the header is ignored.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use super::AuthState;

/// The client's address, when the server recorded it (`ConnectInfo<SocketAddr>`).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// For database columns: the address or "".
    pub fn text(&self) -> String {
        self.0.map(|ip| ip.to_string()).unwrap_or_default()
    }
}

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client behind `peer`, given the trusted proxies and the request's headers.
pub fn client_address(peer: IpAddr, trusted: &[IpNet], headers: &HeaderMap) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // An unreadable hop ends the walk: everything left of it is the client's own text.
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = canonical(ip);
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// `::ffff:a.b.c.d` (a dual-stack socket's view of an IPv4 peer) as `a.b.c.d`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    AuthState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(ClientIp(None));
        };
        let auth = AuthState::from_ref(state);
        let trusted = &auth.settings.trusted_proxies;
        Ok(ClientIp(Some(client_address(
            canonical(peer.ip()),
            trusted,
            &parts.headers,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append(FORWARDED_FOR, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_cannot_forge_their_address() {
        let trusted: Vec<IpNet> = vec!["10.0.0.2/32".parse().unwrap()];
        let h = headers(&["203.0.113.9"]);
        assert_eq!(
            client_address(ip("192.0.2.1"), &trusted, &h),
            ip("192.0.2.1")
        );
        assert_eq!(client_address(ip("192.0.2.1"), &[], &h), ip("192.0.2.1"));
    }

    #[test]
    fn trusted_proxy_gives_the_right_most_untrusted_hop() {
        let trusted: Vec<IpNet> = vec![
            "10.0.0.0/24".parse().unwrap(),
            "172.20.0.1/32".parse().unwrap(),
        ];
        // The client wrote "1.1.1.1" itself; our proxy appended the address it saw.
        let h = headers(&["1.1.1.1, 203.0.113.9", "10.0.0.5"]);
        assert_eq!(
            client_address(ip("172.20.0.1"), &trusted, &h),
            ip("203.0.113.9")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.7"), &trusted, &HeaderMap::new()),
            ip("10.0.0.7")
        );
        // Garbage ends the walk at the last good hop.
        let h = headers(&["203.0.113.9, not-an-ip, 10.0.0.4"]);
        assert_eq!(client_address(ip("10.0.0.7"), &trusted, &h), ip("10.0.0.4"));
        // IPv4-mapped IPv6 peers match IPv4 ranges.
        let h = headers(&["::ffff:198.51.100.3"]);
        assert_eq!(
            client_address(canonical(ip("::ffff:10.0.0.1")), &trusted, &h),
            ip("198.51.100.3")
        );
    }
}
