//! Address leases of one network, persistent in `<dir>/leases/<network>.json` and changed only
//! under the store's lock. A lease names the container's init (pid and start time), so a
//! lease whose container died without releasing it is recognised and reclaimed.

use std::collections::HashSet;
use std::fs;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cidr::Cidr;
use crate::cidr6::Cidr6;
use crate::ports::Port;
use crate::store::{write_atomic, Network, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum IpamError {
    #[error("no free address left in network {network:?} ({subnet})")]
    Exhausted { network: String, subnet: Cidr },
    #[error("address {ip} is not a host address of network {network:?} ({subnet})")]
    OutOfSubnet { ip: Ipv4Addr, network: String, subnet: Cidr },
    #[error("address {ip} is already in use in network {network:?}")]
    Taken { ip: Ipv4Addr, network: String },
    #[error("no free IPv6 address left in network {network:?} ({subnet})")]
    Exhausted6 { network: String, subnet: Cidr6 },
    #[error("address {ip} is not a host address of network {network:?} ({subnet})")]
    OutOfSubnet6 { ip: Ipv6Addr, network: String, subnet: Cidr6 },
    #[error("address {ip} is already in use in network {network:?}")]
    Taken6 { ip: Ipv6Addr, network: String },
    #[error("network {0:?} has no IPv6: --ip6 needs a network made with --ipv6")]
    NoIpv6(String),
    #[error("container {id} is already attached to network {network:?}")]
    Attached { id: String, network: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("corrupt lease file {path}: {source}")]
    Corrupt { path: PathBuf, source: serde_json::Error },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    pub ip: Ipv4Addr,
    /// On a network with IPv6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip6: Option<Ipv6Addr>,
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub pid: i32,
    pub start_time: u64,
    /// The host-side veth.
    pub veth: String,
    /// The container's /etc/hosts on the host (bind-mounted), and what it held before names
    /// were added.
    #[serde(default)]
    pub hosts: Option<PathBuf>,
    #[serde(default)]
    pub hosts_base: String,
    #[serde(default)]
    pub ports: Vec<Port>,
    /// The nftables table holding the published ports' rules.
    #[serde(default)]
    pub nft_table: Option<String>,
    /// The process relaying ports nftables cannot (proxy.rs): pid and start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<(i32, u64)>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Leases {
    #[serde(default)]
    pub leases: Vec<Lease>,
    /// The last address handed out: allocation goes round the subnet instead of reusing the
    /// lowest free address at once, so neighbours' ARP caches never point a fresh container's
    /// address at a dead one's MAC.
    #[serde(default)]
    pub last: Option<Ipv4Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last6: Option<Ipv6Addr>,
}

pub fn path(dir: &Path, network: &str) -> PathBuf {
    dir.join("leases").join(format!("{network}.json"))
}

impl Leases {
    pub fn load(dir: &Path, network: &str) -> Result<Leases, IpamError> {
        let p = path(dir, network);
        match fs::read(&p) {
            // Empty: written just before a power loss; its containers died with the machine.
            Ok(b) if b.is_empty() => Ok(Leases::default()),
            Ok(b) => serde_json::from_slice(&b).map_err(|source| IpamError::Corrupt { path: p, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Leases::default()),
            Err(source) => Err(StoreError::Io { what: "read", path: p, source }.into()),
        }
    }

    pub fn save(&self, dir: &Path, network: &str) -> Result<(), IpamError> {
        let p = path(dir, network);
        if self.leases.is_empty() && self.last.is_none() && self.last6.is_none() {
            return match fs::remove_file(&p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io { what: "remove", path: p, source: e }.into()),
                _ => Ok(()),
            };
        }
        write_atomic(&p, &serde_json::to_vec_pretty(self).expect("serializes")).map_err(Into::into)
    }

    /// Picks an address: `requested` if free, else the next free one after the last handed out.
    pub fn allocate(&mut self, net: &Network, requested: Option<Ipv4Addr>) -> Result<Ipv4Addr, IpamError> {
        let used: HashSet<Ipv4Addr> = self.leases.iter().map(|l| l.ip).chain([net.gateway]).collect();
        let ip = match requested {
            Some(ip) => {
                if !net.subnet.is_host(ip) {
                    return Err(IpamError::OutOfSubnet { ip, network: net.name.clone(), subnet: net.subnet });
                }
                if used.contains(&ip) {
                    return Err(IpamError::Taken { ip, network: net.name.clone() });
                }
                ip
            }
            None => {
                let hosts: Vec<Ipv4Addr> = net.subnet.hosts().collect();
                let start = self.last.and_then(|l| hosts.iter().position(|h| *h == l)).map_or(0, |i| i + 1);
                let n = hosts.len();
                (0..n)
                    .map(|k| hosts[(start + k) % n])
                    .find(|h| !used.contains(h))
                    .ok_or_else(|| IpamError::Exhausted { network: net.name.clone(), subnet: net.subnet })?
            }
        };
        self.last = Some(ip);
        Ok(ip)
    }

    /// The IPv6 twin of `allocate`, on a network with an IPv6 subnet (None without one).
    /// Only the leases in use are looked at, never the whole subnet: a /64 cannot be listed.
    pub fn allocate6(&mut self, net: &Network, requested: Option<Ipv6Addr>) -> Result<Option<Ipv6Addr>, IpamError> {
        let Some(subnet) = net.subnet6 else {
            return match requested {
                Some(_) => Err(IpamError::NoIpv6(net.name.clone())),
                None => Ok(None),
            };
        };
        let used: HashSet<Ipv6Addr> = self.leases.iter().filter_map(|l| l.ip6).chain(net.gateway6).collect();
        let ip = match requested {
            Some(ip) => {
                if !subnet.is_host(ip) {
                    return Err(IpamError::OutOfSubnet6 { ip, network: net.name.clone(), subnet });
                }
                if used.contains(&ip) {
                    return Err(IpamError::Taken6 { ip, network: net.name.clone() });
                }
                ip
            }
            None => {
                // Host offsets are 1..size-1; go round from the one after the last handed out.
                let hosts = subnet.size() - 2;
                let start = self.last6.and_then(|l| subnet.offset(l)).filter(|o| *o >= 1 && *o <= hosts).unwrap_or(0);
                // At most used.len() + 1 candidates can be needed before a free one shows up.
                let tries = hosts.min(used.len() as u128 + 1);
                (0..tries)
                    .map(|k| (start + k) % hosts + 1)
                    .filter_map(|o| subnet.nth(o))
                    .find(|h| !used.contains(h))
                    .ok_or_else(|| IpamError::Exhausted6 { network: net.name.clone(), subnet })?
            }
        };
        self.last6 = Some(ip);
        Ok(Some(ip))
    }

    pub fn find(&self, id: &str) -> Option<&Lease> {
        self.leases.iter().find(|l| l.id == id)
    }

    pub fn release(&mut self, id: &str) -> Option<Lease> {
        let i = self.leases.iter().position(|l| l.id == id)?;
        Some(self.leases.remove(i))
    }

    /// Removes and returns the leases whose container is gone.
    pub fn take_stale(&mut self, alive: impl Fn(&Lease) -> bool) -> Vec<Lease> {
        let (keep, stale): (Vec<Lease>, Vec<Lease>) = std::mem::take(&mut self.leases).into_iter().partition(|l| alive(l));
        self.leases = keep;
        stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(subnet: &str) -> Network {
        let subnet: Cidr = subnet.parse().unwrap();
        Network {
            name: "n".into(),
            bridge: "tsn".into(),
            gateway: subnet.default_gateway(),
            subnet,
            subnet6: None,
            gateway6: None,
            mtu: 1500,
            created: "t".into(),
            labels: Default::default(),
        }
    }

    fn lease(ip: Ipv4Addr, id: &str, pid: i32) -> Lease {
        Lease {
            ip,
            ip6: None,
            id: id.into(),
            name: id.into(),
            aliases: vec![],
            pid,
            start_time: 0,
            veth: "v".into(),
            hosts: None,
            hosts_base: String::new(),
            ports: vec![],
            nft_table: None,
            proxy: None,
        }
    }

    #[test]
    fn allocates_round_robin_skipping_gateway_and_taken() {
        let n = net("10.7.0.0/29"); // hosts .1-.6, gateway .1
        let mut l = Leases::default();
        let a = l.allocate(&n, None).unwrap();
        assert_eq!(a, Ipv4Addr::new(10, 7, 0, 2));
        l.leases.push(lease(a, "a", 1));
        let b = l.allocate(&n, None).unwrap();
        assert_eq!(b, Ipv4Addr::new(10, 7, 0, 3));
        l.leases.push(lease(b, "b", 1));
        l.release("a").unwrap();
        // .2 is free again but the next one after the last is preferred.
        assert_eq!(l.allocate(&n, None).unwrap(), Ipv4Addr::new(10, 7, 0, 4));
        for ip in [4, 5, 6] {
            l.leases.push(lease(Ipv4Addr::new(10, 7, 0, ip), &format!("x{ip}"), 1));
        }
        // Wraps around to the freed .2.
        assert_eq!(l.allocate(&n, None).unwrap(), Ipv4Addr::new(10, 7, 0, 2));
        l.leases.push(lease(Ipv4Addr::new(10, 7, 0, 2), "c", 1));
        assert!(matches!(l.allocate(&n, None), Err(IpamError::Exhausted { .. })));
    }

    fn net6(v6: &str) -> Network {
        let mut n = net("10.7.0.0/24");
        // Built by hand: tiny subnets (below /120) are refused by the parser, not by IPAM.
        let (a, p) = v6.split_once('/').unwrap();
        let c = Cidr6 { addr: a.parse().unwrap(), prefix: p.parse().unwrap() };
        n.subnet6 = Some(c);
        n.gateway6 = Some(c.default_gateway());
        n
    }

    fn a6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn allocates_v6_round_robin() {
        let n = net6("fd00:7::/125"); // hosts ::1-::6, gateway ::1
        let mut l = Leases::default();
        let take = |l: &mut Leases, id: &str| {
            let ip6 = l.allocate6(&n, None).unwrap().unwrap();
            let mut x = lease(Ipv4Addr::new(10, 7, 0, 9), id, 1);
            x.ip6 = Some(ip6);
            l.leases.push(x);
            ip6
        };
        assert_eq!(take(&mut l, "a"), a6("fd00:7::2"));
        assert_eq!(take(&mut l, "b"), a6("fd00:7::3"));
        l.release("a");
        assert_eq!(take(&mut l, "c"), a6("fd00:7::4"));
        assert_eq!(take(&mut l, "d"), a6("fd00:7::5"));
        assert_eq!(take(&mut l, "e"), a6("fd00:7::6"));
        // Wraps around past the gateway to the freed ::2.
        assert_eq!(take(&mut l, "f"), a6("fd00:7::2"));
        assert!(matches!(l.allocate6(&n, None), Err(IpamError::Exhausted6 { .. })));
        assert!(matches!(l.allocate6(&n, Some(a6("fd00:8::2"))), Err(IpamError::OutOfSubnet6 { .. })));
        assert!(matches!(l.allocate6(&n, Some(a6("fd00:7::1"))), Err(IpamError::Taken6 { .. })));
        // A v4-only network hands out no v6 address and refuses one asked for.
        assert_eq!(l.allocate6(&net("10.7.0.0/24"), None).unwrap(), None);
        assert!(matches!(l.allocate6(&net("10.7.0.0/24"), Some(a6("fd00:7::9"))), Err(IpamError::NoIpv6(_))));
        // A /64 is never listed: the next address comes at once.
        let big = net6("fd00:7473:6300::/64");
        let mut m = Leases::default();
        assert_eq!(m.allocate6(&big, None).unwrap(), Some(a6("fd00:7473:6300::2")));
    }

    #[test]
    fn requested_addresses_are_checked() {
        let n = net("10.7.0.0/24");
        let mut l = Leases::default();
        assert!(matches!(l.allocate(&n, Some(Ipv4Addr::new(10, 8, 0, 5))), Err(IpamError::OutOfSubnet { .. })));
        assert!(matches!(l.allocate(&n, Some(Ipv4Addr::new(10, 7, 0, 255))), Err(IpamError::OutOfSubnet { .. })));
        assert!(matches!(l.allocate(&n, Some(Ipv4Addr::new(10, 7, 0, 1))), Err(IpamError::Taken { .. })));
        assert_eq!(l.allocate(&n, Some(Ipv4Addr::new(10, 7, 0, 50))).unwrap(), Ipv4Addr::new(10, 7, 0, 50));
    }

    #[test]
    fn persists_and_reclaims_stale_leases() {
        let d = std::env::temp_dir().join(format!("tscbox-ipam-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        crate::store::Store::open(&d).unwrap();
        let mut l = Leases::default();
        l.leases.push(lease(Ipv4Addr::new(10, 7, 0, 2), "live", 1));
        l.leases.push(lease(Ipv4Addr::new(10, 7, 0, 3), "dead", 2));
        l.last = Some(Ipv4Addr::new(10, 7, 0, 3));
        l.save(&d, "n").unwrap();
        let mut back = Leases::load(&d, "n").unwrap();
        assert_eq!(back.leases.len(), 2);
        let stale = back.take_stale(|l| l.pid == 1);
        assert_eq!(stale.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["dead"]);
        assert_eq!(back.find("live").unwrap().ip, Ipv4Addr::new(10, 7, 0, 2));
        back.release("live");
        back.last = None;
        back.save(&d, "n").unwrap();
        assert!(!path(&d, "n").exists(), "an empty lease file is removed");
        let _ = fs::remove_dir_all(&d);
    }
}
