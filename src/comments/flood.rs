//! Flood control: per client, at most one comment every N seconds and M an hour; and who
//! the client of a request is.
//!
//! Limits live in this process (see docs/COMMENTS.md for the multi-instance trade-off).
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::client_key::client_network;
use crate::config::CommentSettings;

/// The client a request is attributed to: an IPv4 address, or an IPv6 /64 network (one
/// household or server usually holds a whole /64, so counting single IPv6 addresses would
/// give one client endless fresh identities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// The TCP peer, unless the peer is a trusted proxy. Then `X-Forwarded-For` is read
    /// from the right, where each proxy appended the address it received the request
    /// from: trusted proxies are passed over, and the first other address is the client.
    /// An entry that is not an address (`unknown`, an obfuscated name, garbage, an empty
    /// entry) stops the walk, and the request is attributed to the peer itself: whatever
    /// lies left of such an entry was written by someone nobody vouches for. Entries may
    /// carry a port (`198.51.100.7:4711`, `[2001:db8::7]:443`), as some proxies write them.
    pub fn resolve(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> Self {
        let peer = peer.ip().to_canonical();
        if !trusted.contains(&peer) {
            return Self(client_network(peer));
        }
        let mut entries = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(value) = value.to_str() else {
                return Self(client_network(peer));
            };
            entries.extend(value.split(','));
        }
        for entry in entries.iter().rev() {
            match forwarded_address(entry) {
                Some(ip) if trusted.contains(&ip) => continue,
                Some(ip) => return Self(client_network(ip)),
                None => break,
            }
        }
        Self(client_network(peer))
    }
}

/// One `X-Forwarded-For` entry as an address: `ip`, `ip:port` or `[ipv6]:port`.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))?;
    Some(ip.to_canonical())
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
            // The proxy's own entry carries a port: still the client.
            (
                "10.0.0.1",
                "6.6.6.6, 198.51.100.1:4711",
                vec![proxy],
                "198.51.100.1",
            ),
            ("10.0.0.1", "[2001:db8::7]:443", vec![proxy], "2001:db8::"),
            // An entry that is not an address: nothing left of it is believed.
            ("10.0.0.1", "6.6.6.6, unknown", vec![proxy], "10.0.0.1"),
            ("10.0.0.1", "6.6.6.6, _hidden", vec![proxy], "10.0.0.1"),
            (
                "10.0.0.1",
                "6.6.6.6, , 198.51.100.1",
                vec![proxy],
                "198.51.100.1",
            ),
            ("10.0.0.1", "6.6.6.6,", vec![proxy], "10.0.0.1"),
            // IPv6 clients are their /64.
            ("2001:db8:a:b:1:2:3:4", "", vec![], "2001:db8:a:b::"),
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
    fn several_forwarded_headers_are_read_as_one_list() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "6.6.6.6".parse().unwrap());
        headers.append("x-forwarded-for", "198.51.100.1".parse().unwrap());
        let client = ClientAddress::resolve(peer("10.0.0.1"), &headers, &[proxy]);
        assert_eq!(client.0.to_string(), "198.51.100.1");
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
