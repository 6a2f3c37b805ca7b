//! IPv6 subnets in CIDR notation: parsing (strictly: no host bits set), membership, overlap,
//! and the n-th address, which is how IPAM hands them out (a /64 is too large to list).

use std::net::Ipv6Addr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Cidr6Error {
    #[error("invalid IPv6 subnet {0:?}: expected a network like fd00:7473:6300::/64")]
    Syntax(String),
    #[error("invalid IPv6 subnet {input:?}: host bits are set (did you mean {suggest}?)")]
    HostBits { input: String, suggest: String },
    #[error("invalid IPv6 subnet {0:?}: the prefix must be between 48 and 120")]
    Prefix(String),
    #[error("invalid IPv6 subnet {0:?}: not a unicast range (loopback, link-local, multicast and the unspecified address cannot be container networks)")]
    NotUnicast(String),
    #[error("invalid IPv6 address {0:?}")]
    Address(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr6 {
    pub addr: Ipv6Addr,
    pub prefix: u8,
}

impl Cidr6 {
    fn mask(prefix: u8) -> u128 {
        if prefix == 0 {
            0
        } else {
            u128::MAX << (128 - prefix)
        }
    }

    pub fn network(&self) -> u128 {
        u128::from(self.addr) & Self::mask(self.prefix)
    }

    pub fn contains(&self, ip: Ipv6Addr) -> bool {
        u128::from(ip) & Self::mask(self.prefix) == self.network()
    }

    pub fn overlaps(&self, other: &Cidr6) -> bool {
        self.contains(Ipv6Addr::from(other.network())) || other.contains(Ipv6Addr::from(self.network()))
    }

    /// How many addresses the subnet has, saturated (a /48 has more than u64 can count).
    pub fn size(&self) -> u128 {
        1u128 << (128 - self.prefix)
    }

    /// The n-th address of the subnet (0 is the network address).
    pub fn nth(&self, n: u128) -> Option<Ipv6Addr> {
        (n < self.size()).then(|| Ipv6Addr::from(self.network() + n))
    }

    /// The offset of `ip` in the subnet, if it is in it.
    pub fn offset(&self, ip: Ipv6Addr) -> Option<u128> {
        self.contains(ip).then(|| u128::from(ip) - self.network())
    }

    /// Host addresses: all but the subnet-router anycast address (offset 0) and, by symmetry
    /// with IPv4, the last one.
    pub fn is_host(&self, ip: Ipv6Addr) -> bool {
        self.offset(ip).is_some_and(|o| o != 0 && o != self.size() - 1)
    }

    pub fn default_gateway(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.network() + 1)
    }
}

impl FromStr for Cidr6 {
    type Err = Cidr6Error;

    fn from_str(s: &str) -> Result<Cidr6, Cidr6Error> {
        let syntax = || Cidr6Error::Syntax(s.to_string());
        let (a, p) = s.split_once('/').ok_or_else(syntax)?;
        let addr: Ipv6Addr = a.parse().map_err(|_| syntax())?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(syntax());
        }
        let prefix: u8 = p.parse().map_err(|_| syntax())?;
        if prefix > 128 {
            return Err(syntax());
        }
        if !(48..=120).contains(&prefix) {
            return Err(Cidr6Error::Prefix(s.to_string()));
        }
        let c = Cidr6 { addr, prefix };
        if u128::from(addr) != c.network() {
            return Err(Cidr6Error::HostBits { input: s.into(), suggest: format!("{}/{prefix}", Ipv6Addr::from(c.network())) });
        }
        let first = addr.segments()[0];
        // fe80::/10 link-local, ff00::/8 multicast, ::/8 (loopback, unspecified, v4-mapped).
        if first & 0xffc0 == 0xfe80 || first & 0xff00 == 0xff00 || first & 0xff00 == 0 {
            return Err(Cidr6Error::NotUnicast(s.to_string()));
        }
        Ok(c)
    }
}

impl std::fmt::Display for Cidr6 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for Cidr6 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr6 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cidr6, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

pub fn parse_ip6(s: &str) -> Result<Ipv6Addr, Cidr6Error> {
    s.parse().map_err(|_| Cidr6Error::Address(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr6 {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints() {
        let n = c("fd00:7473:6300::/64");
        assert_eq!(n.to_string(), "fd00:7473:6300::/64");
        assert_eq!(n.default_gateway(), "fd00:7473:6300::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(n.nth(2), Some("fd00:7473:6300::2".parse().unwrap()));
        assert_eq!(c("fd00::/120").nth(256), None);
    }

    #[test]
    fn refuses_bad_input() {
        for bad in ["", "fd00::", "fd00::/", "fd00::/129", "fd00::/+64", "fd00:::/64", "10.0.0.0/8", "fd00::/64/64", "gd00::/64"] {
            assert!(matches!(bad.parse::<Cidr6>(), Err(Cidr6Error::Syntax(_))), "{bad}");
        }
        assert_eq!("fd00::1/64".parse::<Cidr6>(), Err(Cidr6Error::HostBits { input: "fd00::1/64".into(), suggest: "fd00::/64".into() }));
        assert!(matches!("fd00::/32".parse::<Cidr6>(), Err(Cidr6Error::Prefix(_))));
        assert!(matches!("fd00::/124".parse::<Cidr6>(), Err(Cidr6Error::Prefix(_))));
        for bad in ["fe80::/64", "ff02::/64", "::/64"] {
            assert!(matches!(bad.parse::<Cidr6>(), Err(Cidr6Error::NotUnicast(_))), "{bad}");
        }
        assert!(parse_ip6("fd00::g").is_err());
    }

    #[test]
    fn overlap_and_membership() {
        assert!(c("fd00:1:2::/48").overlaps(&c("fd00:1:2:3::/64")));
        assert!(c("fd00:1:2:3::/64").overlaps(&c("fd00:1:2::/48")));
        assert!(!c("fd00:1:2::/64").overlaps(&c("fd00:1:3::/64")));
        let n = c("fd00:9::/120");
        assert!(n.is_host("fd00:9::7".parse().unwrap()));
        assert!(!n.is_host("fd00:9::".parse().unwrap()));
        assert!(!n.is_host("fd00:9::ff".parse().unwrap()));
        assert!(!n.is_host("fd00:a::7".parse().unwrap()));
        assert_eq!(n.offset("fd00:9::10".parse().unwrap()), Some(16));
    }

    #[test]
    fn serde_round_trip_validates() {
        let v: Cidr6 = serde_json::from_str("\"fd00:1::/64\"").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"fd00:1::/64\"");
        assert!(serde_json::from_str::<Cidr6>("\"fd00:1::1/64\"").is_err());
    }
}
