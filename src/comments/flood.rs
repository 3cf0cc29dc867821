//! Flood control: per client, at most one comment every N seconds and M an hour.
//!
//! Limits live in this process (see docs/COMMENTS.md for the multi-instance trade-off).
//! The client is the TCP peer, unless the peer is a trusted proxy: then the right-most
//! address in `X-Forwarded-For` that is not itself a trusted proxy.
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::config::CommentSettings;

/// The address a request is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    pub fn resolve(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> Self {
        let peer = peer.ip().to_canonical();
        if !trusted.contains(&peer) {
            return Self(peer);
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|part| part.trim().parse::<IpAddr>().ok())
            .map(|ip| ip.to_canonical())
            .collect::<Vec<_>>();
        let client = forwarded.into_iter().rev().find(|ip| !trusted.contains(ip));
        Self(client.unwrap_or(peer))
    }
}

/// A salted hash of the client address: lets moderators see that two comments came from
/// the same client without storing the address itself.
pub fn client_hash(salt: &[u8], address: IpAddr) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(address.to_string().as_bytes());
    hasher.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub enum FloodVerdict {
    Allowed,
    /// Too many: try again after this long.
    TooMany(Duration),
}

pub struct FloodControl {
    interval: Option<DefaultKeyedRateLimiter<IpAddr>>,
    hourly: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl FloodControl {
    pub fn new(settings: &CommentSettings) -> Self {
        let interval = (settings.min_interval_secs > 0).then(|| {
            RateLimiter::keyed(
                Quota::with_period(Duration::from_secs(settings.min_interval_secs))
                    .expect("a positive period")
                    .allow_burst(NonZeroU32::MIN),
            )
        });
        let hourly =
            NonZeroU32::new(settings.max_per_hour).map(|n| RateLimiter::keyed(Quota::per_hour(n)));
        Self { interval, hourly }
    }

    /// Counts one submission for `client`, or says how long it must wait.
    pub fn check(&self, client: ClientAddress) -> FloodVerdict {
        for limiter in [&self.interval, &self.hourly].into_iter().flatten() {
            if let Err(not_until) = limiter.check_key(&client.0) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return FloodVerdict::TooMany(wait.max(Duration::from_secs(1)));
            }
        }
        // Forget idle clients now and then so memory stays bounded.
        for limiter in [&self.interval, &self.hourly].into_iter().flatten() {
            if limiter.len() > 10_000 {
                limiter.retain_recent();
            }
        }
        FloodVerdict::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 5555)
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_for_is_only_believed_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let cases = [
            ("203.0.113.9", "198.51.100.1", vec![], "203.0.113.9"),
            ("10.0.0.1", "198.51.100.1", vec![proxy], "198.51.100.1"),
            (
                "10.0.0.1",
                "6.6.6.6, 198.51.100.1",
                vec![proxy],
                "198.51.100.1",
            ),
            (
                "10.0.0.1",
                "198.51.100.1, 10.0.0.1",
                vec![proxy],
                "198.51.100.1",
            ),
            ("10.0.0.1", "garbage", vec![proxy], "10.0.0.1"),
            ("::ffff:203.0.113.9", "", vec![], "203.0.113.9"),
        ];
        for (peer_ip, header, trusted, expected) in cases {
            let headers = if header.is_empty() {
                HeaderMap::new()
            } else {
                forwarded(header)
            };
            let client = ClientAddress::resolve(peer(peer_ip), &headers, &trusted);
            assert_eq!(client.0.to_string(), expected, "{peer_ip} {header}");
        }
    }

    #[test]
    fn a_second_comment_within_the_interval_must_wait() {
        let flood = FloodControl::new(&CommentSettings::default());
        let a = ClientAddress("203.0.113.1".parse().unwrap());
        let b = ClientAddress("203.0.113.2".parse().unwrap());
        assert!(matches!(flood.check(a), FloodVerdict::Allowed));
        match flood.check(a) {
            FloodVerdict::TooMany(wait) => {
                assert!(wait <= Duration::from_secs(15) && wait >= Duration::from_secs(1))
            }
            FloodVerdict::Allowed => panic!("second comment within 15 s was allowed"),
        }
        assert!(
            matches!(flood.check(b), FloodVerdict::Allowed),
            "other clients are not affected"
        );
    }

    #[test]
    fn the_hourly_cap_applies_when_the_interval_is_off() {
        let flood = FloodControl::new(&CommentSettings {
            min_interval_secs: 0,
            max_per_hour: 3,
            ..Default::default()
        });
        let a = ClientAddress("203.0.113.1".parse().unwrap());
        for _ in 0..3 {
            assert!(matches!(flood.check(a), FloodVerdict::Allowed));
        }
        assert!(matches!(flood.check(a), FloodVerdict::TooMany(_)));
    }

    #[test]
    fn zero_limits_turn_flood_control_off() {
        let flood = FloodControl::new(&CommentSettings {
            min_interval_secs: 0,
            max_per_hour: 0,
            ..Default::default()
        });
        let a = ClientAddress("203.0.113.1".parse().unwrap());
        for _ in 0..100 {
            assert!(matches!(flood.check(a), FloodVerdict::Allowed));
        }
    }
}
