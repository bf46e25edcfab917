//! What counts as one client on the network, for limits that are kept per client: an IPv4
//! address, or the /64 an IPv6 address is in (one host, or one customer, usually holds a
//! whole /64, so per-address limits on IPv6 would count each of its addresses anew).

use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

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

    /// The client behind `peer`: walking `X-Forwarded-For` (every value, in order) from the
    /// nearest hop outwards while each hop is a trusted proxy, the first that is not. A
    /// malformed entry ends the walk at the last hop known good, so garbage cannot name an
    /// address; so does a chain of nothing but trusted proxies.
    pub fn client<'a>(&self, peer: IpAddr, forwarded_for: impl Iterator<Item = &'a str>) -> IpAddr {
        let mut client = unmapped(peer);
        if !self.contains(client) {
            return client;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = unmapped(ip);
            if !self.contains(client) {
                break;
            }
        }
        client
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
            trusted.client(ip("192.0.2.9"), ["198.51.100.1"].into_iter()),
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
                ["1.2.3.4, 203.0.113.7", "10.1.2.3"].into_iter()
            ),
            ip("203.0.113.7")
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            trusted.client(ip("127.0.0.1"), ["203.0.113.7, nonsense"].into_iter()),
            ip("127.0.0.1")
        );
        assert_eq!(
            trusted.client(ip("::ffff:127.0.0.1"), [" 2001:db8::5 "].into_iter()),
            ip("2001:db8::5")
        );
        assert!(TrustedProxies::parse(&["not-an-ip".into()]).is_err());
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
