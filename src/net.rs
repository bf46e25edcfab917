//! What counts as one client on the network, for limits that are kept per client: an IPv4
//! address, or the /64 an IPv6 address is in (one host, or one customer, usually holds a
//! whole /64, so per-address limits on IPv6 would count each of its addresses anew).

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex},
};

use ipnet::{IpNet, Ipv4Net};
use tokio::sync::Semaphore;

use crate::config::FederationConfig;

/// How many things each client holds at once (connections, inbox deliveries), so that one
/// client cannot take every place.
#[derive(Default)]
pub struct PerClient {
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl PerClient {
    /// Takes a place for `unit` (see [`client_unit`]) unless it holds `max` already (0: no
    /// cap); the place is given back when the returned guard is dropped.
    pub fn enter(self: &Arc<Self>, unit: IpAddr, max: usize) -> Option<ClientPlace> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(unit).or_default();
        if max > 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientPlace {
            table: self.clone(),
            unit,
        })
    }
}

/// One place in a [`PerClient`] table.
pub struct ClientPlace {
    table: Arc<PerClient>,
    unit: IpAddr,
}

impl Drop for ClientPlace {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.unit) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.unit);
            }
        }
    }
}

/// What bounds the inbox (see `api::activitypub::inbox::admission`): deliveries processed
/// at once, deliveries admitted (processed or waiting), bodies one client is sending at
/// once, and the bytes of bodies read ahead of their turn.
pub struct InboxGate {
    pub slots: Arc<Semaphore>,
    pub admitted: Arc<Semaphore>,
    /// Bodies being read, per client.
    pub per_client: Arc<PerClient>,
    /// Bodies one client may be sending at once: as many as there are slots (at least 2).
    /// A server's deliveries arrive whole at once; only a stalling sender reads long, and
    /// it cannot fill the line from one address.
    pub per_client_max: usize,
    /// KiB of bodies being read ([`kib`] units).
    pub buffer: Arc<Semaphore>,
    /// KiB of working memory for bodies being processed, each charged [`WORK_PER_BYTE`]
    /// times its size: parsing, the activity's copies and the sanitizer's document tree
    /// cost several times the body. Deliveries up to [`WORK_FROM`] are bounded by the slots
    /// alone; larger ones by this too (a quarter of the slots at the largest size).
    pub work: Arc<Semaphore>,
}

/// Working memory a body costs while processed, as a multiple of its size (measured with
/// the flood benchmark: about 7 MB for a 1 MB delivery).
pub const WORK_PER_BYTE: usize = 8;

/// Bodies up to this size (ordinary deliveries are a few KiB; a long article with many
/// attachments stays under it) are bounded by the slots alone and never wait for working
/// memory.
pub const WORK_FROM: usize = 64 * 1024;

impl InboxGate {
    /// Sized from `federation.inbox_concurrency` (0: four per core), `inbox_queue_max` (0:
    /// sixteen per slot) and `inbox_max_bytes`: two full-size bodies per slot read ahead,
    /// and working memory for a quarter of the slots processing full-size bodies.
    pub fn new(config: &FederationConfig) -> Self {
        let slots = match config.inbox_concurrency {
            0 => 4 * std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let queue = match config.inbox_queue_max {
            0 => 16 * slots,
            n => n,
        };
        let buffer = config.inbox_max_bytes.saturating_mul(2 * slots);
        let work = config
            .inbox_max_bytes
            .saturating_mul(WORK_PER_BYTE)
            .saturating_mul(slots.div_ceil(4));
        InboxGate {
            slots: Arc::new(Semaphore::new(slots)),
            admitted: Arc::new(Semaphore::new(slots + queue)),
            per_client: Arc::default(),
            per_client_max: slots.max(2),
            buffer: Arc::new(Semaphore::new(kib(buffer) as usize)),
            work: Arc::new(Semaphore::new(kib(work) as usize)),
        }
    }
}

/// Bytes as whole KiB (at least 1), the unit inbox bodies are budgeted in (a semaphore
/// hands out at most `u32` permits at a time).
pub fn kib(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX)
}

/// The address of the client a request came from: the peer, or behind a trusted reverse
/// proxy, the address it forwarded. Per-client limits (sign-in throttles) count by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// `server.trusted_proxies`: the reverse proxies whose `X-Forwarded-For` is believed.
/// Behind a proxy every connection has the proxy's address, so without this one guesser
/// would throttle everybody's sign-in and the per-address connection cap would throttle
/// the proxy; believing the header from anyone else would let a client claim any address.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`127.0.0.1`, `::1`) and networks (`10.0.0.0/8`).
    pub fn parse(list: &[String]) -> Result<Self, String> {
        list.iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(unmapped_net)
                    .map_err(|_| {
                        format!(
                            "server.trusted_proxies: `{entry}` is neither an address nor a network"
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = unmapped(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: walking `X-Forwarded-For` (every header value, in order)
    /// from the nearest hop outwards while each hop is a trusted proxy, the first that is
    /// not. A malformed entry (or a header value that is not text) ends the walk at the
    /// last hop known good, so garbage cannot name an address; so does a chain of nothing
    /// but trusted proxies. Hops may carry ports and brackets (`[2001:db8::1]:443`).
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl Iterator<Item = &'a [u8]>,
    ) -> IpAddr {
        let mut client = unmapped(peer);
        if !self.contains(client) {
            return client;
        }
        let mut hops: Vec<Option<IpAddr>> = Vec::new();
        for value in forwarded_for {
            match std::str::from_utf8(value) {
                Ok(text) => hops.extend(text.split(',').map(parse_hop)),
                Err(_) => hops.push(None),
            }
        }
        for hop in hops.iter().rev() {
            let Some(ip) = hop else {
                break;
            };
            client = unmapped(*ip);
            if !self.contains(client) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, with or without a port and brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse::<IpAddr>().ok())
        })
}

/// An IPv4-mapped IPv6 network (`::ffff:10.0.0.0/104`) as the IPv4 network it is, since
/// addresses are compared unmapped.
fn unmapped_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4),
            None => net,
        },
        other => other,
    }
}

fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The unit per-client limits count by (IPv4-mapped IPv6 addresses count as their IPv4).
pub fn client_unit(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let trusted =
            TrustedProxies::parse(&["127.0.0.1".into(), "10.0.0.0/8".into()]).expect("parse");
        // Not a proxy: the header is whatever a client wants it to be.
        assert_eq!(
            trusted.client(ip("192.0.2.9"), [&b"198.51.100.1"[..]].into_iter()),
            ip("192.0.2.9")
        );
        // Through a proxy with no header: the proxy is the client.
        assert_eq!(
            trusted.client(ip("127.0.0.1"), std::iter::empty()),
            ip("127.0.0.1")
        );
        // The nearest untrusted hop wins; what the client put further left is ignored.
        assert_eq!(
            trusted.client(
                ip("127.0.0.1"),
                [&b"1.2.3.4, 203.0.113.7"[..], b"10.1.2.3"].into_iter()
            ),
            ip("203.0.113.7")
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            trusted.client(ip("127.0.0.1"), [&b"203.0.113.7, nonsense"[..]].into_iter()),
            ip("127.0.0.1")
        );
        assert_eq!(
            trusted.client(ip("::ffff:127.0.0.1"), [&b" 2001:db8::5 "[..]].into_iter()),
            ip("2001:db8::5")
        );
        // A value that is not text cannot hide the hop a proxy appended after it.
        assert_eq!(
            trusted.client(
                ip("127.0.0.1"),
                [&b"6.6.6.6"[..], b"\xff\xfe", b"10.0.0.9"].into_iter()
            ),
            ip("10.0.0.9")
        );
        // Ports and brackets, as some proxies write them.
        assert_eq!(
            trusted.client(ip("127.0.0.1"), [&b"203.0.113.7:5678"[..]].into_iter()),
            ip("203.0.113.7")
        );
        assert_eq!(
            trusted.client(ip("127.0.0.1"), [&b"[2001:db8::1]:443"[..]].into_iter()),
            ip("2001:db8::1")
        );
        assert_eq!(
            trusted.client(ip("127.0.0.1"), [&b"[2001:db8::1]"[..]].into_iter()),
            ip("2001:db8::1")
        );
        // A mapped network matches the IPv4 addresses it names.
        let mapped = TrustedProxies::parse(&["::ffff:10.0.0.0/104".into()]).expect("parse");
        assert!(mapped.contains(ip("10.2.3.4")));
        assert!(TrustedProxies::parse(&["not-an-ip".into()]).is_err());
    }

    #[test]
    fn places_are_given_back() {
        let table = Arc::new(PerClient::default());
        let a = table.enter(ip("127.0.0.2"), 2).expect("first");
        let _b = table.enter(ip("127.0.0.2"), 2).expect("second");
        assert!(table.enter(ip("127.0.0.2"), 2).is_none());
        assert!(table.enter(ip("127.0.0.3"), 2).is_some());
        drop(a);
        assert!(table.enter(ip("127.0.0.2"), 2).is_some());
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(client_unit(a), client_unit(b));
        assert_ne!(client_unit(a), client_unit(c));
        let v4: IpAddr = "192.0.2.7".parse().expect("ip");
        assert_eq!(client_unit(v4), v4);
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(client_unit(mapped), v4);
    }
}
