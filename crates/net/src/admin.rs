//! `network create|rm|ls|inspect`: the definitions and their host-side resources, each
//! change under the store's lock and all-or-nothing.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use serde::Serialize;

use crate::attach::{reconcile, AttachError};
use crate::bridge::{self, BridgeError};
use crate::cidr::{parse_ip, Cidr, CidrError};
use crate::cidr6::{parse_ip6, Cidr6, Cidr6Error};
use crate::host6;
use crate::ipam::{Lease, Leases};
use crate::netlink::{check_name, Netlink, NetlinkError};
use crate::nft::{self, NftError};
use crate::store::{self, Network, Store, StoreError, DEFAULT_NETWORK};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cidr(#[from] CidrError),
    #[error(transparent)]
    Cidr6(#[from] Cidr6Error),
    #[error("--ipv6: {0}")]
    NoHostIpv6(String),
    #[error("--ipv6-gateway {0} needs --ipv6")]
    Gateway6WithoutIpv6(Ipv6Addr),
    #[error("no free IPv6 /64 left in fd00:7473:6301::/48..fd00:7473:63ff::/48: pass an IPv6 --subnet")]
    NoFreeSubnet6,
    #[error(transparent)]
    Attach(#[from] AttachError),
    #[error(transparent)]
    Nft(#[from] NftError),
    #[error(transparent)]
    Bridge(#[from] BridgeError),
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
    #[error(transparent)]
    Ipam(#[from] crate::ipam::IpamError),
    #[error("network {network:?} is in use by {} container(s): {}; remove them first", .containers.len(), .containers.join(", "))]
    InUse { network: String, containers: Vec<String> },
    #[error("no free /24 subnet left in 172.30.0.0/15: pass --subnet")]
    NoFreeSubnet,
    #[error("invalid MTU {0}: it must be between 1280 and 65535")]
    Mtu(u32),
    #[error("the default network {0:?} cannot be created or removed by hand")]
    Default(String),
}

pub struct CreateOpts<'a> {
    pub name: &'a str,
    pub subnet: Option<&'a str>,
    pub gateway: Option<&'a str>,
    pub bridge: Option<&'a str>,
    pub mtu: Option<u32>,
    /// Dual stack: an IPv6 subnet too (the one given, or a free unique local /64).
    pub ipv6: bool,
    pub subnet6: Option<&'a str>,
    pub gateway6: Option<&'a str>,
    pub labels: std::collections::BTreeMap<String, String>,
}

/// A network as `inspect` shows it, with its members.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspect {
    #[serde(flatten)]
    pub network: Network,
    #[serde(rename = "enableIPv6")]
    pub enable_ipv6: bool,
    /// Why a network without IPv6 has none when the host lacks it (else absent).
    #[serde(skip_serializing_if = "Option::is_none", rename = "ipv6Unavailable")]
    pub ipv6_unavailable: Option<String>,
    pub containers: Vec<Lease>,
}

impl Inspect {
    fn new(network: Network, containers: Vec<Lease>) -> Inspect {
        let enable_ipv6 = network.subnet6.is_some();
        let ipv6_unavailable = if enable_ipv6 { None } else { host6::unavailable() };
        Inspect { network, enable_ipv6, ipv6_unavailable, containers }
    }
}

fn bridge_name(name: &str) -> String {
    // "tsn" + 12 hex digits of the name: unique per network, fits IFNAMSIZ.
    let v = crate::names::host_veth(name, "\0bridge");
    format!("tsn{}", &v[3..])
}

fn free_subnet(taken: &[Cidr]) -> Result<Cidr, AdminError> {
    // 172.30.0.0/15: clear of the default network, podman's 10.88/10.89 and docker's 172.17+.
    for second in 30u8..=31 {
        for third in 0u8..=255 {
            let c = Cidr { addr: Ipv4Addr::new(172, second, third, 0), prefix: 24 };
            if !taken.iter().any(|t| t.overlaps(&c)) {
                return Ok(c);
            }
        }
    }
    Err(AdminError::NoFreeSubnet)
}

fn free_subnet6(taken: &[Cidr6]) -> Result<Cidr6, AdminError> {
    // fd00:7473:63NN::/64, NN from 01: beside the default network's fd00:7473:6300::/64.
    for n in 1u16..=0xff {
        let c = Cidr6 { addr: Ipv6Addr::new(0xfd00, 0x7473, 0x6300 | n, 0, 0, 0, 0, 0), prefix: 64 };
        if !taken.iter().any(|t| t.overlaps(&c)) {
            return Ok(c);
        }
    }
    Err(AdminError::NoFreeSubnet6)
}

pub fn create(dir: &Path, o: &CreateOpts<'_>) -> Result<Network, AdminError> {
    if o.name == DEFAULT_NETWORK {
        return Err(AdminError::Default(o.name.into()));
    }
    store::check_name(o.name)?;
    let mtu = o.mtu.unwrap_or(store::DEFAULT_MTU);
    if !(1280..=65535).contains(&mtu) {
        return Err(AdminError::Mtu(mtu));
    }
    let subnet = o.subnet.map(str::parse::<Cidr>).transpose()?;
    let gateway = o.gateway.map(parse_ip).transpose()?;
    let subnet6 = o.subnet6.map(str::parse::<Cidr6>).transpose()?;
    let gateway6 = o.gateway6.map(parse_ip6).transpose()?;
    // An IPv6 subnet implies --ipv6, as in recent docker.
    let ipv6 = o.ipv6 || subnet6.is_some();
    if let Some(g) = gateway6.filter(|_| !ipv6) {
        return Err(AdminError::Gateway6WithoutIpv6(g));
    }
    if ipv6 {
        if let Some(why) = host6::unavailable() {
            return Err(AdminError::NoHostIpv6(why));
        }
    }
    let bridge = match o.bridge {
        Some(b) => {
            check_name(b)?;
            b.to_string()
        }
        None => bridge_name(o.name),
    };
    let s = Store::open(dir)?;
    let _lock = s.lock()?;
    let routes = store::host_routes();
    let existing = s.list()?;
    let subnet = match subnet {
        Some(c) => c,
        None => {
            let taken: Vec<Cidr> = existing.iter().map(|n| n.subnet).chain(routes.iter().map(|(_, c)| *c)).collect();
            free_subnet(&taken)?
        }
    };
    let routes6 = if ipv6 { host6::host_routes6() } else { Vec::new() };
    let subnet6 = match (ipv6, subnet6) {
        (false, _) => None,
        (true, Some(c)) => Some(c),
        (true, None) => {
            let taken: Vec<Cidr6> = existing.iter().filter_map(|n| n.subnet6).chain(routes6.iter().map(|(_, c)| *c)).collect();
            Some(free_subnet6(&taken)?)
        }
    };
    let net = Network {
        name: o.name.into(),
        bridge,
        gateway: gateway.unwrap_or_else(|| subnet.default_gateway()),
        subnet,
        subnet6,
        gateway6: subnet6.map(|s| gateway6.unwrap_or_else(|| s.default_gateway())),
        mtu,
        created: tsc_box_core::state::now_rfc3339(),
        labels: o.labels.clone(),
    };
    if crate::netlink::link_exists(&net.bridge) {
        return Err(StoreError::BridgeTaken { bridge: net.bridge.clone(), network: "(an interface of the host)".into() }.into());
    }
    s.create(&net, &routes, &routes6)?;
    if let Err(e) = nft::apply_base(&s.list()?) {
        let _ = s.remove(&net.name);
        return Err(e.into());
    }
    Ok(net)
}

/// Removes networks; one still used by a live container is refused (and nothing removed).
pub fn remove(dir: &Path, name: &str) -> Result<(), AdminError> {
    if name == DEFAULT_NETWORK {
        return Err(AdminError::Default(name.into()));
    }
    let s = Store::open(dir)?;
    let _lock = s.lock()?;
    reconcile(&s)?;
    let net = s.get(name)?;
    let leases = Leases::load(&s.dir, name)?;
    if !leases.leases.is_empty() {
        let containers = leases.leases.iter().map(|l| l.name.clone()).collect();
        return Err(AdminError::InUse { network: name.into(), containers });
    }
    let mut nl = Netlink::open()?;
    bridge::remove(&mut nl, &net)?;
    s.remove(name)?;
    let _ = std::fs::remove_file(crate::ipam::path(&s.dir, name));
    nft::apply_base(&s.list()?)?;
    Ok(())
}

/// `network prune`: removes every network but the default that no live container is on and
/// that `keep` selects (the command's filters), under one hold of the store's lock, so a
/// container joining meanwhile either finds its network or is refused. Returns their names.
/// As with docker, a stopped container does not hold its network.
pub fn prune(dir: &Path, keep: &dyn Fn(&Network) -> bool) -> Result<Vec<String>, AdminError> {
    let s = Store::open(dir)?;
    let _lock = s.lock()?;
    reconcile(&s)?;
    let mut removed = Vec::new();
    let mut nl = None;
    for net in s.list()? {
        if net.name == DEFAULT_NETWORK || !keep(&net) || !Leases::load(&s.dir, &net.name)?.leases.is_empty() {
            continue;
        }
        let nl = match &mut nl {
            Some(nl) => nl,
            None => nl.insert(Netlink::open()?),
        };
        bridge::remove(nl, &net)?;
        s.remove(&net.name)?;
        let _ = std::fs::remove_file(crate::ipam::path(&s.dir, &net.name));
        removed.push(net.name);
    }
    if !removed.is_empty() {
        nft::apply_base(&s.list()?)?;
    }
    Ok(removed)
}

pub fn list(dir: &Path) -> Result<Vec<Inspect>, AdminError> {
    let s = Store::open(dir)?;
    let _lock = s.lock()?;
    reconcile(&s)?;
    let mut out = Vec::new();
    for n in s.list()? {
        let leases = Leases::load(&s.dir, &n.name)?;
        out.push(Inspect::new(n, leases.leases));
    }
    Ok(out)
}

pub fn inspect(dir: &Path, name: &str) -> Result<Inspect, AdminError> {
    let s = Store::open(dir)?;
    let _lock = s.lock()?;
    reconcile(&s)?;
    let network = crate::attach::network_for(&s, name, None, None)?;
    let leases = Leases::load(&s.dir, name)?;
    Ok(Inspect::new(network, leases.leases))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_first_free_subnet() {
        let taken: Vec<Cidr> = vec!["172.30.0.0/24".parse().unwrap(), "172.30.1.0/24".parse().unwrap()];
        assert_eq!(free_subnet(&taken).unwrap().to_string(), "172.30.2.0/24");
        let all: Vec<Cidr> = vec!["172.16.0.0/12".parse().unwrap()];
        assert!(matches!(free_subnet(&all), Err(AdminError::NoFreeSubnet)));
        assert_eq!(bridge_name("x").len(), 15);
        let taken6: Vec<Cidr6> = vec!["fd00:7473:6301::/64".parse().unwrap()];
        assert_eq!(free_subnet6(&taken6).unwrap().to_string(), "fd00:7473:6302::/64");
        // A /40 covering every candidate (shorter than a network may be, but a host route may).
        let all6 = vec![Cidr6 { addr: "fd00:7473:6300::".parse().unwrap(), prefix: 40 }];
        assert!(matches!(free_subnet6(&all6), Err(AdminError::NoFreeSubnet6)));
    }
}
