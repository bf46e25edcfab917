//! Which IP addresses the federation client may connect to.
//!
//! A remote server names the URLs we fetch, so every address a host name resolves to, and
//! every IP literal in a URL, is checked before connecting (SSRF defence). Only addresses
//! that IANA's special-purpose registries call "Globally Reachable" are allowed:
//! <https://www.iana.org/assignments/iana-ipv4-special-registry/> and
//! <https://www.iana.org/assignments/iana-ipv6-special-registry/>, as copied in 2025;
//! recheck them for newer rows. Each table below copies a registry one row per block.
//! An address falls under its most specific row, so a `true` row inside a `false` one
//! (192.0.0.9 in 192.0.0.0/24) is allowed. Rows marked "(extra)" are not in a registry.
//!
//! IPv6 addresses that carry an IPv4 address:
//! - IPv4-mapped `::ffff:a.b.c.d`: a socket connecting to it reaches the IPv4 address, so
//!   that IPv4 address decides.
//! - IPv4-compatible `::a.b.c.d` (deprecated by RFC 4291): always refused. No current
//!   system routes it, so nothing legitimate uses it; `::7f00:1` is refused with it.
//! - NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`: always refused, whatever IPv4 address they
//!   carry. The gateway that translates them sits in the local network, and what it
//!   reaches through them is up to that network, not the registry. The cost: a server on
//!   an IPv6-only host behind DNS64 cannot reach IPv4-only peers through the gateway.
//! - 6to4 `2002::/16` and Teredo `2001::/32`: always refused, without reading the IPv4
//!   address inside. Both are deprecated or dying, they go through relays we cannot
//!   vouch for, and the registry gives them no "Globally Reachable" answer.
//!
//! Outside the registry, IPv6 is allowed only in global unicast `2000::/3`, the one
//! block IANA hands out to networks. That also refuses multicast, site-local `fec0::/10`
//! and anything unassigned, in case IANA reserves more outside `2000::/3`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is a public address that the federation client may connect to.
///
/// Refuses every block IANA does not list as globally reachable (loopback, private,
/// link-local, shared, benchmarking, documentation, reserved, multicast, broadcast,
/// NAT64, 6to4, Teredo, ...), so a remote server cannot make us reach services on our
/// own host or network. See the module documentation for the IPv6 forms that embed IPv4.
#[must_use]
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => is_global_v6(v6),
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    most_specific(V4, u32::from(ip).into(), 32).unwrap_or(true)
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_global_v4(v4);
    }
    let bits = u128::from(ip);
    // Not in the registry: global only inside 2000::/3.
    most_specific(V6, bits, 128).unwrap_or(bits >> 125 == 0b001)
}

/// The answer of the longest row of `table` that holds `addr`, if any.
fn most_specific(table: &[(u128, u32, bool)], addr: u128, width: u32) -> Option<bool> {
    table
        .iter()
        .filter(|&&(prefix, len, _)| in_prefix(addr, prefix, len, width))
        .max_by_key(|&&(_, len, _)| len)
        .map(|&(_, _, global)| global)
}

/// Whether the first `len` of `width` bits of `addr` and `prefix` agree.
fn in_prefix(addr: u128, prefix: u128, len: u32, width: u32) -> bool {
    let shift = width.saturating_sub(len);
    (addr ^ prefix).checked_shr(shift).unwrap_or(0) == 0
}

const fn v4(a: u8, b: u8, c: u8, d: u8) -> u128 {
    u32::from_be_bytes([a, b, c, d]) as u128
}

/// An IPv6 address from its leading 16-bit groups; the rest are zero.
const fn v6(groups: &[u16]) -> u128 {
    let mut bits = 0u128;
    let mut i = 0;
    while i < 8 {
        let group = if i < groups.len() { groups[i] } else { 0 };
        bits = (bits << 16) | group as u128;
        i += 1;
    }
    bits
}

/// IPv4 Special-Purpose Address Registry: (block, prefix length, globally reachable).
#[rustfmt::skip]
const V4: &[(u128, u32, bool)] = &[
    (v4(0, 0, 0, 0), 8, false),          // "This network"                    RFC 791 §3.2
    (v4(0, 0, 0, 0), 32, false),         // "This host on this network"       RFC 1122 §3.2.1.3
    (v4(10, 0, 0, 0), 8, false),         // Private-Use                       RFC 1918
    (v4(100, 64, 0, 0), 10, false),      // Shared Address Space (CGNAT)      RFC 6598
    (v4(127, 0, 0, 0), 8, false),        // Loopback                          RFC 1122 §3.2.1.3
    (v4(169, 254, 0, 0), 16, false),     // Link Local                        RFC 3927
    (v4(172, 16, 0, 0), 12, false),      // Private-Use                       RFC 1918
    (v4(192, 0, 0, 0), 24, false),       // IETF Protocol Assignments         RFC 6890 §2.1
    (v4(192, 0, 0, 0), 29, false),       // IPv4 Service Continuity Prefix    RFC 7335
    (v4(192, 0, 0, 8), 32, false),       // IPv4 dummy address                RFC 7600
    (v4(192, 0, 0, 9), 32, true),        // Port Control Protocol Anycast     RFC 7723
    (v4(192, 0, 0, 10), 32, true),       // TURN Anycast                      RFC 8155
    (v4(192, 0, 0, 170), 32, false),     // NAT64/DNS64 Discovery             RFC 8880, 7050
    (v4(192, 0, 0, 171), 32, false),     // NAT64/DNS64 Discovery             RFC 8880, 7050
    (v4(192, 0, 2, 0), 24, false),       // Documentation (TEST-NET-1)        RFC 5737
    (v4(192, 31, 196, 0), 24, true),     // AS112-v4                          RFC 7535
    (v4(192, 52, 193, 0), 24, true),     // AMT                               RFC 7450
    (v4(192, 88, 99, 0), 24, false),     // Deprecated 6to4 Relay Anycast N/A RFC 7526
    (v4(192, 88, 99, 2), 32, false),     // 6a44-relay anycast address        RFC 6751
    (v4(192, 168, 0, 0), 16, false),     // Private-Use                       RFC 1918
    (v4(192, 175, 48, 0), 24, true),     // Direct Delegation AS112 Service   RFC 7534
    (v4(198, 18, 0, 0), 15, false),      // Benchmarking                      RFC 2544
    (v4(198, 51, 100, 0), 24, false),    // Documentation (TEST-NET-2)        RFC 5737
    (v4(203, 0, 113, 0), 24, false),     // Documentation (TEST-NET-3)        RFC 5737
    (v4(240, 0, 0, 0), 4, false),        // Reserved                          RFC 1112 §4
    (v4(255, 255, 255, 255), 32, false), // Limited Broadcast                 RFC 8190, 919 §7
    (v4(224, 0, 0, 0), 4, false),        // (extra) Multicast                 RFC 5771
];

/// IPv6 Special-Purpose Address Registry: (block, prefix length, globally reachable).
/// `::ffff:0:0/96` (IPv4-mapped, RFC 4291, not global) is handled before this is read.
#[rustfmt::skip]
const V6: &[(u128, u32, bool)] = &[
    (v6(&[0, 0, 0, 0, 0, 0, 0, 1]), 128, false),      // Loopback Address             RFC 4291
    (v6(&[]), 128, false),                            // Unspecified Address          RFC 4291
    (v6(&[]), 96, false),                             // (extra) IPv4-compatible      RFC 4291
    (v6(&[0x64, 0xff9b]), 96, false),                 // NAT64 (True; see module doc) RFC 6052
    (v6(&[0x64, 0xff9b, 1]), 48, false),              // NAT64 local-use              RFC 8215
    (v6(&[0x100]), 64, false),                        // Discard-Only Address Block   RFC 6666
    (v6(&[0x100, 0, 0, 1]), 64, false),               // Dummy IPv6 Prefix            RFC 9780
    (v6(&[0x2001]), 23, false),                       // IETF Protocol Assignments    RFC 2928
    (v6(&[0x2001]), 32, false),                       // Teredo (N/A)                 RFC 4380, 8190
    (v6(&[0x2001, 1, 0, 0, 0, 0, 0, 1]), 128, true),  // PCP Anycast                  RFC 7723
    (v6(&[0x2001, 1, 0, 0, 0, 0, 0, 2]), 128, true),  // TURN Anycast                 RFC 8155
    (v6(&[0x2001, 1, 0, 0, 0, 0, 0, 3]), 128, true),  // DNS-SD SRP Anycast           RFC 9665
    (v6(&[0x2001, 2]), 48, false),                    // Benchmarking                 RFC 5180
    (v6(&[0x2001, 3]), 32, true),                     // AMT                          RFC 7450
    (v6(&[0x2001, 4, 0x112]), 48, true),              // AS112-v6                     RFC 7535
    (v6(&[0x2001, 0x10]), 28, false),                 // ORCHID, deprecated (N/A)     RFC 4843
    (v6(&[0x2001, 0x20]), 28, true),                  // ORCHIDv2                     RFC 7343
    (v6(&[0x2001, 0x30]), 28, true),                  // Drone Remote ID (DETs)       RFC 9374
    (v6(&[0x2001, 0xdb8]), 32, false),                // Documentation                RFC 3849
    (v6(&[0x2002]), 16, false),                       // 6to4 (N/A)                   RFC 3056
    (v6(&[0x2620, 0x4f, 0x8000]), 48, true),          // AS112 Direct Delegation      RFC 7534
    (v6(&[0x3ffe]), 16, false),                       // (extra) 6bone, returned      RFC 3701
    (v6(&[0x3fff]), 20, false),                       // Documentation                RFC 9637
    (v6(&[0x5f00]), 16, false),                       // Segment Routing (SRv6) SIDs  RFC 9602
    (v6(&[0xfc00]), 7, false),                        // Unique-Local                 RFC 4193, 8190
    (v6(&[0xfe80]), 10, false),                       // Link-Local Unicast           RFC 4291
    (v6(&[0xfec0]), 10, false),                       // (extra) Site-Local (deprec.) RFC 3879
    (v6(&[0xff00]), 8, false),                        // (extra) Multicast            RFC 4291
];

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn global(s: &str) -> bool {
        is_global(s.parse().expect(s))
    }

    #[test]
    fn every_row_is_a_clean_prefix() {
        for (table, width) in [(V4, 32), (V6, 128)] {
            for &(prefix, len, _) in table {
                assert!(len <= width, "{prefix:x}/{len}");
                let host = u128::MAX >> (128 - width + len).min(127);
                let clean = len == width || prefix & host == 0;
                assert!(clean, "{prefix:x}/{len} has host bits");
                assert!(width == 128 || prefix >> 32 == 0, "{prefix:x} is not IPv4");
            }
        }
    }

    /// Addresses the client must refuse, whitespace separated.
    const REFUSED: &str = "
        127.0.0.1 10.1.2.3 172.16.0.1 172.31.255.255 192.168.1.1 169.254.1.1 169.254.169.254
        100.64.0.1 100.127.255.255 0.0.0.0 0.1.2.3 198.18.0.1 198.19.255.255 192.0.0.1
        192.0.0.8 192.0.0.11 192.0.0.170 192.0.2.1 192.88.99.1 198.51.100.1 203.0.113.1
        224.0.0.1 239.255.255.250 240.0.0.1 255.255.255.255
        ::1 :: ::7f00:1 ::a00:1 ::808:808 ::ffff:127.0.0.1 ::ffff:10.0.0.1
        ::ffff:169.254.169.254 ::ffff:0.0.0.0 ::ffff:0:808:808 64:ff9b::7f00:1
        64:ff9b::a00:1 64:ff9b::808:808 64:ff9b:1::1 fec0::1 fc00::1 fd12::1 fe80::1
        ff02::1 ff0e::1 2001:db8::1 3fff::1 3fff:fff::1 3ffe::1 100::1 100:0:0:1::1
        2002:7f00:1::1 2002:808:808::1 2001:: 2001:0:4136:e378:8000:63bf:3fff:fdd2
        2001:1::4 2001:2::1 2001:10::1 2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff 5f00::1
        4000::1 1::1";

    /// Addresses the client may connect to.
    const ALLOWED: &str = "
        1.1.1.1 8.8.8.8 93.184.215.14 172.15.255.255 172.32.0.0 100.63.255.255 100.128.0.0
        192.0.0.9 192.0.0.10 192.31.196.1 192.52.193.1 192.175.48.1 198.20.0.1
        223.255.255.255 ::ffff:8.8.8.8 ::ffff:192.0.0.9 2606:4700::1111 2a00:1450::1
        2001:4860:4860::8888 2001:200:: 2001:1::1 2001:1::2 2001:1::3 2001:3::1
        2001:4:112::1 2001:20::1 2001:30::1 2620:4f:8000::1 3fff:1000::1";

    #[test]
    fn refused() {
        for s in REFUSED.split_whitespace() {
            assert!(!global(s), "{s} must be refused");
        }
    }

    #[test]
    fn allowed() {
        for s in ALLOWED.split_whitespace() {
            assert!(global(s), "{s} must be allowed");
        }
    }

    #[test]
    fn lists_hold_every_address() {
        assert_eq!(REFUSED.split_whitespace().count(), 62);
        assert_eq!(ALLOWED.split_whitespace().count(), 29);
    }
}
