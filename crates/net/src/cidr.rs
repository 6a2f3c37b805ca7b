//! IPv4 subnets in CIDR notation: parsing (strictly: no host bits set), membership, overlap,
//! and the addresses a subnet hands out.

use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("invalid subnet {0:?}: expected an IPv4 network like 10.88.0.0/16")]
    Syntax(String),
    #[error("invalid subnet {input:?}: host bits are set (did you mean {suggest}?)")]
    HostBits { input: String, suggest: String },
    #[error("invalid subnet {0:?}: the prefix must be between 8 and 30 (a container network needs room for a gateway and hosts)")]
    Prefix(String),
    #[error("invalid IP address {0:?}")]
    Address(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

impl Cidr {
    fn mask(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        }
    }

    pub fn network(&self) -> u32 {
        u32::from(self.addr) & Self::mask(self.prefix)
    }

    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.network() | !Self::mask(self.prefix))
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & Self::mask(self.prefix) == self.network()
    }

    /// Two subnets overlap when either contains the other's network address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(Ipv4Addr::from(other.network())) || other.contains(Ipv4Addr::from(self.network()))
    }

    /// The n-th address of the subnet (0 is the network address).
    pub fn nth(&self, n: u32) -> Option<Ipv4Addr> {
        let size = 1u64 << (32 - self.prefix);
        (u64::from(n) < size).then(|| Ipv4Addr::from(self.network() + n))
    }

    /// Usable host addresses: all but the network and broadcast addresses.
    pub fn hosts(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        let size = 1u32 << (32 - self.prefix);
        (1..size - 1).map(move |i| Ipv4Addr::from(self.network() + i))
    }

    /// The conventional gateway: the first host address.
    pub fn default_gateway(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.network() + 1)
    }

    pub fn is_host(&self, ip: Ipv4Addr) -> bool {
        self.contains(ip) && ip != Ipv4Addr::from(self.network()) && ip != self.broadcast()
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let syntax = || CidrError::Syntax(s.to_string());
        let (a, p) = s.split_once('/').ok_or_else(syntax)?;
        let addr: Ipv4Addr = a.parse().map_err(|_| syntax())?;
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(syntax());
        }
        let prefix: u8 = p.parse().map_err(|_| syntax())?;
        if prefix > 32 {
            return Err(syntax());
        }
        if !(8..=30).contains(&prefix) {
            return Err(CidrError::Prefix(s.to_string()));
        }
        let c = Cidr { addr, prefix };
        if u32::from(addr) != c.network() {
            return Err(CidrError::HostBits { input: s.into(), suggest: format!("{}/{prefix}", Ipv4Addr::from(c.network())) });
        }
        Ok(c)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cidr, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An IPv4 address, with an error that names it.
pub fn parse_ip(s: &str) -> Result<Ipv4Addr, CidrError> {
    s.parse().map_err(|_| CidrError::Address(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints() {
        let n = c("10.88.0.0/16");
        assert_eq!(n.to_string(), "10.88.0.0/16");
        assert_eq!(n.broadcast(), Ipv4Addr::new(10, 88, 255, 255));
        assert_eq!(n.default_gateway(), Ipv4Addr::new(10, 88, 0, 1));
        assert_eq!(c("192.168.7.0/24").hosts().count(), 254);
        assert_eq!(c("192.168.7.0/30").hosts().collect::<Vec<_>>(), vec![Ipv4Addr::new(192, 168, 7, 1), Ipv4Addr::new(192, 168, 7, 2)]);
    }

    #[test]
    fn refuses_bad_input() {
        for bad in ["", "10.0.0.0", "10.0.0/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/+8", "300.0.0.0/8", "a.b.c.d/8", "10.0.0.0/8/8", "10.0.0.0/ 8"] {
            assert!(matches!(bad.parse::<Cidr>(), Err(CidrError::Syntax(_))), "{bad}");
        }
        assert_eq!("10.88.1.0/16".parse::<Cidr>(), Err(CidrError::HostBits { input: "10.88.1.0/16".into(), suggest: "10.88.0.0/16".into() }));
        assert!(matches!("10.0.0.0/31".parse::<Cidr>(), Err(CidrError::Prefix(_))));
        assert!(matches!("0.0.0.0/0".parse::<Cidr>(), Err(CidrError::Prefix(_))));
        assert!(parse_ip("10.1.2").is_err());
    }

    #[test]
    fn overlap_and_membership() {
        assert!(c("10.88.0.0/16").overlaps(&c("10.88.5.0/24")));
        assert!(c("10.88.5.0/24").overlaps(&c("10.88.0.0/16")));
        assert!(c("10.0.0.0/8").overlaps(&c("10.0.0.0/8")));
        assert!(!c("10.88.0.0/24").overlaps(&c("10.88.1.0/24")));
        assert!(!c("172.16.0.0/12").overlaps(&c("192.168.0.0/16")));
        let n = c("10.9.0.0/24");
        assert!(n.is_host(Ipv4Addr::new(10, 9, 0, 7)));
        assert!(!n.is_host(Ipv4Addr::new(10, 9, 0, 0)));
        assert!(!n.is_host(Ipv4Addr::new(10, 9, 0, 255)));
        assert!(!n.is_host(Ipv4Addr::new(10, 9, 1, 7)));
        assert_eq!(n.nth(3), Some(Ipv4Addr::new(10, 9, 0, 3)));
        assert_eq!(n.nth(256), None);
    }

    #[test]
    fn serde_round_trip_validates() {
        let v: Cidr = serde_json::from_str("\"10.1.0.0/16\"").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"10.1.0.0/16\"");
        assert!(serde_json::from_str::<Cidr>("\"10.1.0.1/16\"").is_err());
    }
}
