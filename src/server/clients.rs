//! Who may open another connection: a global cap, and under it a share per client, so
//! that one address cannot take every slot; refusals are logged at most every few seconds.
//!
//! The client is the socket's peer address: a connection is admitted or refused before
//! any request (and so any `X-Forwarded-For`) is read. Behind a reverse proxy every
//! connection comes from the proxy, so the share must be set at the proxy: the addresses
//! in `trusted_proxies` count only against the global cap.
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Limits;

/// The unit a share is counted in: one IPv4 address, or one IPv6 /64 (what a single
/// household or server is usually given, and can pick addresses from at will).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    V4(u32),
    V6(u64),
}

impl ClientKey {
    pub fn of(peer: SocketAddr) -> Self {
        match peer.ip() {
            IpAddr::V4(ip) => ClientKey::V4(ip.to_bits()),
            IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
                Some(v4) => ClientKey::V4(v4.to_bits()),
                None => ClientKey::V6((ip.to_bits() >> 64) as u64),
            },
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Every slot is taken.
    Full,
    /// This client holds its whole share.
    ClientShare,
}

/// The slots: shared by every worker thread.
pub struct Admission {
    slots: Arc<Semaphore>,
    per_client: usize,
    max_connections: usize,
    /// Reverse proxies, whose connections carry many readers: no share of their own.
    proxies: Vec<IpAddr>,
    held: Arc<Mutex<HashMap<ClientKey, usize>>>,
    refusals: RefusalLog,
}

/// A connection's places, given back when it is dropped.
pub struct Admitted {
    _slot: OwnedSemaphorePermit,
    key: ClientKey,
    held: Arc<Mutex<HashMap<ClientKey, usize>>>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

impl Admission {
    pub fn new(limits: &Limits, proxies: &[IpAddr]) -> Self {
        let max_connections = limits.max_connections.max(1);
        Self {
            slots: Arc::new(Semaphore::new(max_connections)),
            per_client: limits.max_connections_per_client.max(1),
            max_connections,
            proxies: proxies.iter().map(|ip| ip.to_canonical()).collect(),
            held: Arc::default(),
            refusals: RefusalLog::new(REFUSAL_LOG_EVERY),
        }
    }

    /// A place for a new connection from `peer`, or why there is none (logged, sparingly).
    pub fn admit(&self, peer: SocketAddr) -> Result<Admitted, Refusal> {
        let share = if self.proxies.contains(&peer.ip().to_canonical()) {
            usize::MAX
        } else {
            self.per_client
        };
        let result = self.try_admit(ClientKey::of(peer), share);
        if let Err(refusal) = result {
            self.refusals.note(Instant::now(), |count, since| {
                let why = match refusal {
                    Refusal::Full => format!(
                        "all {} connections are in use (max_connections)",
                        self.max_connections
                    ),
                    Refusal::ClientShare => format!(
                        "a client holds its {} connections (max_connections_per_client)",
                        self.per_client
                    ),
                };
                if since.is_zero() {
                    tracing::warn!(
                        "refused a new connection: {why}; further refusals are counted and logged at most every {}s",
                        REFUSAL_LOG_EVERY.as_secs()
                    );
                } else {
                    tracing::warn!(
                        "refused {count} new connection(s) in the last {}s, the latest because {why}",
                        since.as_secs()
                    );
                }
            });
        }
        result
    }

    fn try_admit(&self, key: ClientKey, share: usize) -> Result<Admitted, Refusal> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let count = held.entry(key).or_insert(0);
        if *count >= share {
            return Err(Refusal::ClientShare);
        }
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Full)?;
        *count += 1;
        Ok(Admitted {
            _slot: slot,
            key,
            held: self.held.clone(),
        })
    }
}

/// How often at most a refusal is logged.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);

/// Counts refusals and lets one log line through per period: a flood of refused
/// connections must not turn into a flood of log lines (586 lines in one test before).
pub struct RefusalLog {
    every: Duration,
    state: Mutex<Option<Instant>>,
    count: AtomicU64,
}

impl RefusalLog {
    pub fn new(every: Duration) -> Self {
        Self {
            every,
            state: Mutex::new(None),
            count: AtomicU64::new(0),
        }
    }

    /// Counts one refusal; calls `log(count, period)` with the refusals since the last
    /// line when a line is due (the first refusal, then at most once per period).
    pub fn note(&self, now: Instant, log: impl FnOnce(u64, Duration)) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut last = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let since = match *last {
            Some(at) if now.duration_since(at) < self.every => return,
            Some(at) => now.duration_since(at),
            None => Duration::ZERO,
        };
        *last = Some(now);
        log(self.count.swap(0, Ordering::Relaxed), since);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64_and_mapped_ipv4_as_ipv4() {
        let key = |s: &str| ClientKey::of(s.parse().unwrap());
        assert_eq!(
            key("[2001:db8:1:2::1]:80"),
            key("[2001:db8:1:2:ffff::9]:443")
        );
        assert_ne!(key("[2001:db8:1:2::1]:80"), key("[2001:db8:1:3::1]:80"));
        assert_eq!(key("[::ffff:192.0.2.7]:80"), key("192.0.2.7:1234"));
        assert_ne!(key("192.0.2.7:80"), key("192.0.2.8:80"));
    }

    #[test]
    fn one_client_gets_its_share_and_others_still_get_in() {
        let limits = Limits {
            max_connections: 4,
            max_connections_per_client: 2,
            ..Limits::default()
        };
        let admission = Admission::new(&limits, &[]);
        let [a, b, c] = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
            .map(|ip| SocketAddr::new(ip.parse().unwrap(), 1000));
        let first = admission.admit(a).unwrap();
        let _second = admission.admit(a).unwrap();
        assert_eq!(admission.admit(a).err(), Some(Refusal::ClientShare));
        let _others = [admission.admit(b).unwrap(), admission.admit(b).unwrap()];
        assert_eq!(
            admission.admit(c).err(),
            Some(Refusal::Full),
            "the global cap still holds"
        );
        drop(first);
        let _again = admission
            .admit(a)
            .expect("a closed connection gives its place back");
        assert_eq!(admission.admit(b).err(), Some(Refusal::ClientShare));
    }

    #[test]
    fn a_trusted_proxy_counts_only_against_the_global_cap() {
        let limits = Limits {
            max_connections: 4,
            max_connections_per_client: 1,
            ..Limits::default()
        };
        let proxy: SocketAddr = "[::ffff:10.0.0.1]:1000".parse().unwrap();
        let admission = Admission::new(&limits, &["10.0.0.1".parse().unwrap()]);
        let held: Vec<_> = (0..4).map(|_| admission.admit(proxy).unwrap()).collect();
        assert_eq!(admission.admit(proxy).err(), Some(Refusal::Full));
        drop(held);
    }

    #[test]
    fn refusals_are_logged_once_per_period_with_their_count() {
        let log = RefusalLog::new(Duration::from_secs(10));
        let start = Instant::now();
        let mut lines = Vec::new();
        for ms in [0, 1, 2, 5_000, 9_999, 10_001, 10_002] {
            log.note(start + Duration::from_millis(ms), |count, since| {
                lines.push((count, since.as_millis()))
            });
        }
        assert_eq!(lines, vec![(1, 0), (5, 10_001)]);
    }
}
