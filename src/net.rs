//! What counts as one client on the network, for limits that are kept per client: an IPv4
//! address, or the /64 an IPv6 address is in (one host, or one customer, usually holds a
//! whole /64, so per-address limits on IPv6 would count each of its addresses anew).

use std::net::{IpAddr, Ipv6Addr};

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
