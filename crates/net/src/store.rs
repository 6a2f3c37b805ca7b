//! The networks' definitions, one JSON file each under `<dir>/networks/`, and the lock that
//! serialises every change to networks and leases. The directory is host-wide on purpose:
//! bridges, subnets and host ports belong to the host, so two data roots must never hand out
//! the same address or port.

use std::fs;
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::cidr::Cidr;
use crate::cidr6::Cidr6;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("network {0:?} not found")]
    NotFound(String),
    #[error("network {0:?} already exists")]
    Exists(String),
    #[error("invalid network name {0:?}: use letters, digits, '_', '-' and '.', starting with a letter or digit (at most 64)")]
    BadName(String),
    #[error("network name {0:?} is reserved (none, host and container:ID are network modes)")]
    Reserved(String),
    #[error("subnet {subnet} overlaps {what}")]
    Overlap { subnet: Cidr, what: String },
    #[error("IPv6 subnet {subnet} overlaps {what}")]
    Overlap6 { subnet: Cidr6, what: String },
    #[error("gateway {gateway} is not a host address of subnet {subnet}")]
    Gateway { gateway: Ipv4Addr, subnet: Cidr },
    #[error("IPv6 gateway {gateway} is not a host address of subnet {subnet}")]
    Gateway6 { gateway: Ipv6Addr, subnet: Cidr6 },
    #[error("bridge {bridge:?} is already used by network {network:?}")]
    BridgeTaken { bridge: String, network: String },
    #[error("the network state {path} stayed locked by process {holder} for 20 s")]
    Busy { path: PathBuf, holder: String },
    #[error("{what} {path}: {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("corrupt network file {path}: {source}")]
    Corrupt { path: PathBuf, source: serde_json::Error },
}

fn io<'p>(what: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> StoreError + 'p {
    move |source| StoreError::Io { what, path: path.to_path_buf(), source }
}

/// The network every container joins when nothing else is asked for, as docker's "bridge".
pub const DEFAULT_NETWORK: &str = "bridge";
pub const DEFAULT_BRIDGE: &str = "tsc0";
/// Not podman's 10.88.0.0/16 nor docker's 172.17.0.0/16, so tsc-box can run beside both.
pub const DEFAULT_SUBNET: &str = "172.29.0.0/16";
/// A unique local /64 ("ts" "c" in its hex), the default network's IPv6 where the host has it.
pub const DEFAULT_SUBNET6: &str = "fd00:7473:6300::/64";

const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    pub name: String,
    pub bridge: String,
    pub subnet: Cidr,
    pub gateway: Ipv4Addr,
    /// IPv6 (dual stack) when the network has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet6: Option<Cidr6>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway6: Option<Ipv6Addr>,
    /// Of the bridge and every veth on it.
    #[serde(default = "default_mtu")]
    pub mtu: u32,
    pub created: String,
    /// `network create --label`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: std::collections::BTreeMap<String, String>,
}

/// The links never leave the host, so they get loopback-sized frames: a published port then
/// carries as much as the host's loopback (1500 halves it). Traffic leaving the host has its
/// TCP MSS clamped to the outgoing route (nft.rs) and other traffic is fragmented by the host.
pub const DEFAULT_MTU: u32 = 65520;

fn default_mtu() -> u32 {
    DEFAULT_MTU
}

pub fn check_name(name: &str) -> Result<(), StoreError> {
    if ["none", "host", "default"].contains(&name) || name.starts_with("container:") {
        return Err(StoreError::Reserved(name.into()));
    }
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadName(name.into()))
    }
}

/// Writes `data` to `path` atomically (temporary file, rename). No fsync: it would cost
/// milliseconds in every container's start, and what a power loss can leave (an empty file)
/// describes containers that died with the machine anyway (see ipam::Leases::load).
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(io("write", &tmp))?;
    f.write_all(data).map_err(io("write", &tmp))?;
    fs::rename(&tmp, path).map_err(io("rename", path))
}

pub struct Store {
    pub dir: PathBuf,
}

/// Held for the whole of a change; dropping it unlocks.
pub struct Lock(#[allow(dead_code)] Flock<OwnedFd>);

impl Store {
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        for d in [dir.to_path_buf(), dir.join("networks"), dir.join("leases")] {
            fs::DirBuilder::new().recursive(true).mode(0o700).create(&d).map_err(io("create", &d))?;
        }
        Ok(Store { dir: dir.to_path_buf() })
    }

    /// Waits at most LOCK_WAIT: every holder keeps the lock for file work only (the kernel
    /// work of an attach runs unlocked), so a longer wait means a stuck process, which the
    /// error names (holders write their pid into the lock file).
    pub fn lock(&self) -> Result<Lock, StoreError> {
        let p = self.dir.join("lock");
        let f = fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(&p).map_err(io("open", &p))?;
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        let mut fd = OwnedFd::from(f);
        let mut pause = std::time::Duration::from_millis(1);
        loop {
            match Flock::lock(fd, FlockArg::LockExclusiveNonblock) {
                Ok(l) => {
                    // Fixed width at offset 0, never a truncation: ext4 flushes a file
                    // truncated to zero when it is closed (milliseconds under load).
                    let file = fs::File::from(l.as_fd().try_clone_to_owned().map_err(io("lock", &p))?);
                    let _ = std::os::unix::fs::FileExt::write_all_at(&file, format!("{:>10}\n", std::process::id()).as_bytes(), 0);
                    return Ok(Lock(l));
                }
                Err((back, nix::errno::Errno::EWOULDBLOCK)) => {
                    if std::time::Instant::now() > deadline {
                        let holder = fs::read_to_string(&p).unwrap_or_default().trim().to_string();
                        return Err(StoreError::Busy { path: p, holder });
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(10));
                    fd = back;
                }
                Err((_, e)) => return Err(io("lock", &p)(e.into())),
            }
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join("networks").join(format!("{name}.json"))
    }

    pub fn get(&self, name: &str) -> Result<Network, StoreError> {
        if name != DEFAULT_NETWORK {
            check_name(name)?;
        }
        let p = self.path(name);
        let bytes = match fs::read(&p) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreError::NotFound(name.into())),
            Err(e) => return Err(io("read", &p)(e)),
        };
        serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt { path: p, source })
    }

    pub fn list(&self) -> Result<Vec<Network>, StoreError> {
        let d = self.dir.join("networks");
        let mut out = Vec::new();
        for e in fs::read_dir(&d).map_err(io("read", &d))? {
            let e = e.map_err(io("read", &d))?;
            let n = e.file_name().to_string_lossy().into_owned();
            if let Some(name) = n.strip_suffix(".json") {
                match self.get(name) {
                    Ok(net) => out.push(net),
                    Err(StoreError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Checks a new network against the others and the host's own routes, then saves it.
    /// Call with the lock held.
    pub fn create(&self, net: &Network, host_routes: &[(String, Cidr)], host_routes6: &[(String, Cidr6)]) -> Result<(), StoreError> {
        if net.name != DEFAULT_NETWORK {
            check_name(&net.name)?;
        }
        if !net.subnet.is_host(net.gateway) {
            return Err(StoreError::Gateway { gateway: net.gateway, subnet: net.subnet });
        }
        let existing = self.list()?;
        if existing.iter().any(|n| n.name == net.name) {
            return Err(StoreError::Exists(net.name.clone()));
        }
        check_v6(net, &existing, host_routes6)?;
        for n in &existing {
            if n.bridge == net.bridge {
                return Err(StoreError::BridgeTaken { bridge: n.bridge.clone(), network: n.name.clone() });
            }
            if n.subnet.overlaps(&net.subnet) {
                return Err(StoreError::Overlap { subnet: net.subnet, what: format!("network {:?} ({})", n.name, n.subnet) });
            }
        }
        for (dev, r) in host_routes {
            if *dev != net.bridge && r.overlaps(&net.subnet) {
                return Err(StoreError::Overlap { subnet: net.subnet, what: format!("the host's route {r} on {dev}") });
            }
        }
        write_atomic(&self.path(&net.name), &serde_json::to_vec_pretty(net).expect("serializes"))
    }

    /// Saves a changed definition of an existing network (the default network gaining IPv6).
    pub fn update(&self, net: &Network, host_routes6: &[(String, Cidr6)]) -> Result<(), StoreError> {
        let others: Vec<Network> = self.list()?.into_iter().filter(|n| n.name != net.name).collect();
        check_v6(net, &others, host_routes6)?;
        write_atomic(&self.path(&net.name), &serde_json::to_vec_pretty(net).expect("serializes"))
    }

    pub fn remove(&self, name: &str) -> Result<(), StoreError> {
        let p = self.path(name);
        fs::remove_file(&p).map_err(io("remove", &p))
    }
}

/// The IPv6 half of a network's checks: its gateway, other networks, the host's routes.
fn check_v6(net: &Network, others: &[Network], host_routes6: &[(String, Cidr6)]) -> Result<(), StoreError> {
    let Some(s6) = net.subnet6 else { return Ok(()) };
    if let Some(g) = net.gateway6.filter(|g| !s6.is_host(*g)) {
        return Err(StoreError::Gateway6 { gateway: g, subnet: s6 });
    }
    for n in others {
        if let Some(o) = n.subnet6.filter(|o| o.overlaps(&s6)) {
            return Err(StoreError::Overlap6 { subnet: s6, what: format!("network {:?} ({o})", n.name) });
        }
    }
    for (dev, r) in host_routes6 {
        if *dev != net.bridge && r.overlaps(&s6) {
            return Err(StoreError::Overlap6 { subnet: s6, what: format!("the host's route {r} on {dev}") });
        }
    }
    Ok(())
}

/// The host's IPv4 routes with a prefix (not the default route), from /proc/net/route.
pub fn host_routes() -> Vec<(String, Cidr)> {
    let text = fs::read_to_string("/proc/net/route").unwrap_or_default();
    parse_routes(&text)
}

fn parse_routes(text: &str) -> Vec<(String, Cidr)> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        // Destination and Mask are little-endian hex of the address in network order.
        let (Ok(dst), Ok(mask)) = (u32::from_str_radix(f[1], 16), u32::from_str_radix(f[7], 16)) else { continue };
        let prefix = mask.count_ones() as u8;
        if prefix == 0 {
            continue;
        }
        let addr = Ipv4Addr::from(dst.to_le_bytes());
        out.push((f[0].to_string(), Cidr { addr, prefix }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tscbox-netstore-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn net(name: &str, bridge: &str, subnet: &str) -> Network {
        let subnet: Cidr = subnet.parse().unwrap();
        Network {
            name: name.into(),
            bridge: bridge.into(),
            gateway: subnet.default_gateway(),
            subnet,
            subnet6: None,
            gateway6: None,
            mtu: DEFAULT_MTU,
            created: "t".into(),
            labels: Default::default(),
        }
    }

    #[test]
    fn create_get_list_remove_with_checks() {
        let d = tmp("crud");
        let s = Store::open(&d).unwrap();
        let _l = s.lock().unwrap();
        s.create4(&net("a", "tsa", "10.50.0.0/24"), &[]).unwrap();
        assert!(matches!(s.create4(&net("a", "tsb", "10.51.0.0/24"), &[]), Err(StoreError::Exists(_))));
        assert!(matches!(s.create4(&net("b", "tsa", "10.51.0.0/24"), &[]), Err(StoreError::BridgeTaken { .. })));
        assert!(matches!(s.create4(&net("b", "tsb", "10.50.0.128/25"), &[]), Err(StoreError::Overlap { .. })));
        let routes = vec![("eth0".to_string(), "10.60.0.0/16".parse().unwrap())];
        assert!(matches!(s.create4(&net("b", "tsb", "10.60.3.0/24"), &routes), Err(StoreError::Overlap { .. })));
        let mut g = net("b", "tsb", "10.51.0.0/24");
        g.gateway = "10.52.0.1".parse().unwrap();
        assert!(matches!(s.create4(&g, &[]), Err(StoreError::Gateway { .. })));
        s.create4(&net("b", "tsb", "10.51.0.0/24"), &routes).unwrap();
        assert_eq!(s.list().unwrap().iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(s.get("b").unwrap().gateway, Ipv4Addr::new(10, 51, 0, 1));
        s.remove("a").unwrap();
        assert!(matches!(s.get("a"), Err(StoreError::NotFound(_))));
        let _ = fs::remove_dir_all(&d);
    }

    impl Store {
        fn create4(&self, n: &Network, r: &[(String, Cidr)]) -> Result<(), StoreError> {
            self.create(n, r, &[])
        }
    }

    #[test]
    fn ipv6_checks() {
        let d = tmp("v6");
        let s = Store::open(&d).unwrap();
        let with6 = |name: &str, br: &str, v4: &str, v6: &str| {
            let mut n = net(name, br, v4);
            let c: Cidr6 = v6.parse().unwrap();
            n.subnet6 = Some(c);
            n.gateway6 = Some(c.default_gateway());
            n
        };
        s.create(&with6("a", "tsa", "10.50.0.0/24", "fd00:50::/64"), &[], &[]).unwrap();
        assert!(matches!(s.create(&with6("b", "tsb", "10.51.0.0/24", "fd00:50::/48"), &[], &[]), Err(StoreError::Overlap6 { .. })));
        let routes6 = vec![("eth0".to_string(), "fd00:60::/64".parse().unwrap())];
        assert!(matches!(s.create(&with6("b", "tsb", "10.51.0.0/24", "fd00:60::/64"), &[], &routes6), Err(StoreError::Overlap6 { .. })));
        let mut g = with6("b", "tsb", "10.51.0.0/24", "fd00:51::/64");
        g.gateway6 = Some("fd00:52::1".parse().unwrap());
        assert!(matches!(s.create(&g, &[], &[]), Err(StoreError::Gateway6 { .. })));
        // A v4-only network beside a v6 one; then it gains IPv6 (update) unless that overlaps.
        s.create(&net("b", "tsb", "10.51.0.0/24"), &[], &[]).unwrap();
        assert!(matches!(s.update(&with6("b", "tsb", "10.51.0.0/24", "fd00:50::/64"), &[]), Err(StoreError::Overlap6 { .. })));
        s.update(&with6("b", "tsb", "10.51.0.0/24", "fd00:51::/64"), &routes6).unwrap();
        assert_eq!(s.get("b").unwrap().subnet6.unwrap().to_string(), "fd00:51::/64");
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn names() {
        for bad in ["", "none", "host", "container:x", "a/b", "../x", "-x"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        check_name("my-net.1").unwrap();
    }

    #[test]
    fn parses_proc_net_route() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                    eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                    eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
        let r = parse_routes(text);
        assert_eq!(r, vec![("eth0".to_string(), "192.0.2.0/24".parse().unwrap())]);
    }
}
