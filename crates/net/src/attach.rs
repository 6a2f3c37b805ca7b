//! Plugging a container into a network and unplugging it, with the store locked throughout:
//! reclaim what dead containers left, check the ports, lease an address, make the veth pair
//! (its container end created straight inside the container's namespace), publish the ports,
//! update every member's /etc/hosts, then configure the container's side from inside its
//! namespace. Any failure undoes everything this attach made.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::{setns, CloneFlags};
use nix::sys::stat::Mode;
use serde::Deserialize;

use crate::bridge::{self, BridgeError};
use crate::cidr::{parse_ip, Cidr, CidrError};
use crate::cidr6::{parse_ip6, Cidr6, Cidr6Error};
use crate::host6;
use crate::hosts;
use crate::ipam::{IpamError, Lease, Leases};
use crate::names;
use crate::netlink::{link_index, Netlink, NetlinkError, VethPeer};
use crate::nft::{self, NftError};
use crate::ports::{find_clash, Port, PortError};
use crate::proxy::{self, Forward, ProxyError};
use crate::store::{self, Network, Store, StoreError, DEFAULT_BRIDGE, DEFAULT_NETWORK, DEFAULT_SUBNET, DEFAULT_SUBNET6};

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ipam(#[from] IpamError),
    #[error(transparent)]
    Cidr(#[from] CidrError),
    #[error(transparent)]
    Cidr6(#[from] Cidr6Error),
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    #[error(transparent)]
    Port(#[from] PortError),
    #[error(transparent)]
    Nft(#[from] NftError),
    #[error(transparent)]
    Bridge(#[from] BridgeError),
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
    #[error("container network namespace of pid {pid}: {source}")]
    Netns { pid: i32, source: nix::errno::Errno },
    #[error("the container (pid {0}) shares the host's network namespace: nothing to attach")]
    HostNetns(i32),
}

/// What the CLI asks for, written as JSON next to the bundle's config.json.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    /// The host-wide network directory (store.rs).
    pub dir: PathBuf,
    pub network: String,
    /// The subnet of the default network when this attach creates it.
    #[serde(default)]
    pub default_subnet: Option<Cidr>,
    /// The IPv6 subnet of the default network ("none": IPv4 only); without it
    /// store::DEFAULT_SUBNET6 where the host has IPv6.
    #[serde(default)]
    pub default_subnet6: Option<String>,
    /// The container's name, as other members resolve it.
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub ip6: Option<String>,
    #[serde(default)]
    pub ports: Vec<Port>,
    /// The container's /etc/hosts on the host.
    #[serde(default)]
    pub hosts: Option<PathBuf>,
    #[serde(default = "default_interface")]
    pub interface: String,
}

fn default_interface() -> String {
    "eth0".into()
}

/// The container being attached: its id and init pid (from the runtime's state).
pub struct Target<'a> {
    pub id: &'a str,
    pub pid: i32,
}

/// Whether the lease's container still exists (same pid, same start time).
fn alive(l: &Lease) -> bool {
    tsc_box_core::state::proc_start_time(l.pid).is_some_and(|t| t == l.start_time)
}

/// The default network's IPv6 subnet: none when the host lacks IPv6 or it is turned off.
fn default_v6(subnet6: Option<&str>) -> Result<Option<Cidr6>, AttachError> {
    if host6::unavailable().is_some() {
        return Ok(None);
    }
    // The plan carries the CLI's TSC_BOX_DEFAULT_SUBNET6 (hooks run without the CLI's
    // environment); `net inspect` runs with it.
    let env = std::env::var("TSC_BOX_DEFAULT_SUBNET6").ok().filter(|v| !v.is_empty());
    match subnet6.or(env.as_deref()) {
        Some("none") => Ok(None),
        Some(s) => Ok(Some(s.parse()?)),
        None => Ok(Some(DEFAULT_SUBNET6.parse()?)),
    }
}

/// The network named `name`; the default one is created on first use, and gains IPv6 when
/// it was made without (an older definition, a host that had no IPv6 then).
pub fn network_for(store: &Store, name: &str, default_subnet: Option<Cidr>, default_subnet6: Option<&str>) -> Result<Network, AttachError> {
    match store.get(name) {
        Err(StoreError::NotFound(_)) if name == DEFAULT_NETWORK => {
            let subnet = match default_subnet {
                Some(s) => s,
                None => DEFAULT_SUBNET.parse()?,
            };
            let subnet6 = default_v6(default_subnet6)?;
            let net = Network {
                name: DEFAULT_NETWORK.into(),
                bridge: DEFAULT_BRIDGE.into(),
                gateway: subnet.default_gateway(),
                subnet,
                subnet6,
                gateway6: subnet6.map(|s| s.default_gateway()),
                mtu: store::DEFAULT_MTU,
                created: tsc_box_core::state::now_rfc3339(),
                labels: Default::default(),
            };
            store.create(&net, &store::host_routes(), &host6::host_routes6())?;
            Ok(net)
        }
        Ok(mut net) if name == DEFAULT_NETWORK && net.subnet6.is_none() => {
            if let Some(s6) = default_v6(default_subnet6)? {
                net.subnet6 = Some(s6);
                net.gateway6 = Some(s6.default_gateway());
                store.update(&net, &host6::host_routes6())?;
                // Its masquerade and isolation rules now have an IPv6 half.
                nft::apply_base(&store.list()?)?;
            }
            Ok(net)
        }
        r => Ok(r?),
    }
}

/// Drops the leases of containers that are gone (a crash, a SIGKILLed runtime): their port
/// rules and any host veth left go with them, and the other members' hosts files are
/// rewritten. Call with the lock held.
pub fn reconcile(store: &Store) -> Result<(), AttachError> {
    for net in store.list()? {
        let mut leases = Leases::load(&store.dir, &net.name)?;
        let stale = leases.take_stale(alive);
        if stale.is_empty() {
            continue;
        }
        leases.save(&store.dir, &net.name)?;
        for l in &stale {
            release_resources(None, l, false);
        }
        hosts::update_all(&leases.leases);
    }
    Ok(())
}

/// The port table of a lease and, with `veth`, its host veth. A dead container's veth is left
/// to the kernel, which deletes the pair with the namespace: deleting it ourselves would
/// wait for RCU grace periods (tens of ms) in every container's teardown, and a namespace
/// another container still shares (container:ID) must keep its interface.
fn release_resources(nl: Option<&mut Netlink>, l: &Lease, veth: bool) {
    if let Some(t) = &l.nft_table {
        let _ = nft::delete_container(t);
    }
    if !veth {
        return;
    }
    // A disconnect (or a failed attach): the container lives on, its relay must not.
    if let Some(p) = l.proxy {
        proxy::stop(p);
    }
    if let Ok(i) = link_index(&l.veth) {
        let mut own;
        let nl = match nl {
            Some(n) => n,
            None => match Netlink::open() {
                Ok(n) => {
                    own = n;
                    &mut own
                }
                Err(_) => return,
            },
        };
        let _ = nl.delete_link(i);
    }
}

fn open_netns(pid: i32) -> Result<OwnedFd, AttachError> {
    let p = format!("/proc/{pid}/ns/net");
    let fd = nix::fcntl::open(p.as_str(), OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty()).map_err(|source| AttachError::Netns { pid, source })?;
    let theirs = std::fs::metadata(&p).map_err(|e| AttachError::Netns { pid, source: nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)) })?;
    let ours =
        std::fs::metadata("/proc/self/ns/net").map_err(|e| AttachError::Netns { pid, source: nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)) })?;
    if (theirs.dev(), theirs.ino()) == (ours.dev(), ours.ino()) {
        return Err(AttachError::HostNetns(pid));
    }
    Ok(fd)
}

pub fn attach(plan: &Plan, t: &Target<'_>) -> Result<Lease, AttachError> {
    let store = Store::open(&plan.dir)?;
    let lock = store.lock()?;
    reconcile(&store)?;
    let created_default = plan.network == DEFAULT_NETWORK && matches!(store.get(DEFAULT_NETWORK), Err(StoreError::NotFound(_)));
    let net = network_for(&store, &plan.network, plan.default_subnet, plan.default_subnet6.as_deref())?;
    let host_v6 = host6::unavailable().is_none();
    let mut leases = Leases::load(&store.dir, &net.name)?;
    if leases.find(t.id).is_some() {
        return Err(IpamError::Attached { id: t.id.into(), network: net.name.clone() }.into());
    }
    for p in &plan.ports {
        p.check()?;
        p.proxied_on(host_v6, net.subnet6.is_some())?;
    }
    if !plan.ports.is_empty() {
        let all: Vec<Leases> = store.list()?.iter().map(|n| Leases::load(&store.dir, &n.name)).collect::<Result<_, _>>()?;
        find_clash(&plan.ports, all.iter().flat_map(|ls| ls.leases.iter().flat_map(|l| l.ports.iter().map(move |p| (l.id.as_str(), p)))))?;
        for p in &plan.ports {
            p.probe_free(host_v6)?;
        }
    }
    let requested = plan.ip.as_deref().map(parse_ip).transpose()?;
    let requested6 = plan.ip6.as_deref().map(parse_ip6).transpose()?;
    let ip = leases.allocate(&net, requested)?;
    let ip6 = leases.allocate6(&net, requested6)?;
    let netns = open_netns(t.pid)?;
    let mut nl = Netlink::open()?;
    let (br_index, br_created) = bridge::ensure(&mut nl, &net)?;
    nft::ensure_base(&store.dir.join("nft-base.applied"), &store.list()?, br_created || created_default)?;
    let mut lease = Lease {
        ip,
        ip6,
        id: t.id.into(),
        name: plan.name.clone(),
        aliases: plan.aliases.clone(),
        pid: t.pid,
        start_time: tsc_box_core::state::proc_start_time(t.pid).unwrap_or(0),
        veth: names::host_veth(t.id, &net.name),
        hosts: plan.hosts.clone(),
        hosts_base: plan.hosts.as_deref().and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default(),
        ports: plan.ports.clone(),
        nft_table: (!plan.ports.is_empty()).then(|| names::nft_table(t.id, &net.name)),
        proxy: None,
    };
    // The lease is on disk before anything it names exists: a crash from here on leaves a
    // lease of a dead container, which the next reconcile releases with its resources.
    leases.leases.push(lease.clone());
    leases.save(&store.dir, &net.name)?;
    // The kernel work (veth, addresses, port rules) names only this container's own things:
    // it runs unlocked, in parallel with other containers' attaches.
    drop(lock);
    let plugged = plug(&mut nl, &net, &lease, br_index, netns.as_fd(), &plan.interface).and_then(|()| start_proxy(&lease, host_v6));
    if plugged.is_err() {
        release_resources(Some(&mut nl), &lease, true);
    }
    let _lock = store.lock()?;
    let mut leases = Leases::load(&store.dir, &net.name)?;
    match plugged {
        Ok(running) => {
            if running.is_some() {
                lease.proxy = running;
                if let Some(l) = leases.leases.iter_mut().find(|l| l.id == t.id) {
                    l.proxy = running;
                }
                if let Err(e) = leases.save(&store.dir, &net.name) {
                    release_resources(Some(&mut nl), &lease, true);
                    leases.release(t.id);
                    let _ = leases.save(&store.dir, &net.name);
                    return Err(e.into());
                }
            }
            hosts::update_all(&leases.leases);
            Ok(lease)
        }
        Err(e) => {
            leases.release(t.id);
            let _ = leases.save(&store.dir, &net.name);
            Err(e)
        }
    }
}

/// The relay of the ports nftables cannot redirect, if there are any (proxy.rs).
fn start_proxy(l: &Lease, host_v6: bool) -> Result<Option<proxy::Running>, AttachError> {
    let mut forwards = Vec::new();
    for p in &l.ports {
        if let Some(on) = p.proxied_on(host_v6, l.ip6.is_some())? {
            let to: IpAddr = l.ip6.map_or(IpAddr::V4(l.ip), IpAddr::V6);
            forwards.push(Forward { listen: SocketAddr::new(IpAddr::V6(on), p.host_port), to: SocketAddr::new(to, p.container_port) });
        }
    }
    if forwards.is_empty() {
        return Ok(None);
    }
    Ok(Some(proxy::start(l.pid, &forwards)?))
}

fn plug(nl: &mut Netlink, net: &Network, l: &Lease, br_index: u32, netns: std::os::fd::BorrowedFd<'_>, ifname: &str) -> Result<(), AttachError> {
    let peer = VethPeer { name: ifname, netns: Some(netns) };
    match nl.create_veth(&l.veth, Some(br_index), Some(net.mtu), &peer) {
        // The host end's name is this container's on this network (names::host_veth): one
        // that exists is its own pair of a run before, whose network namespace the kernel
        // has not finished taking down (it does so asynchronously after the last process
        // ended: a restart comes sooner). The lease of that run was released, so the pair
        // is no one's: it is deleted (its peer with it) and made again.
        Err(NetlinkError::Op { errno: Errno::EEXIST, .. }) => {
            if let Ok(old) = link_index(&l.veth) {
                nl.delete_link(old)?;
            }
            nl.create_veth(&l.veth, Some(br_index), Some(net.mtu), &peer)?;
        }
        r => r?,
    }
    nl.set_up(link_index(&l.veth)?)?;
    if let Some(t) = &l.nft_table {
        nft::add_container(t, l.ip, l.ip6, &l.ports)?;
    }
    // The rest happens inside the container's namespace, and this process comes back after
    // it: an undo spawns nft, which must act on the host's tables.
    let me = std::process::id() as i32;
    let host =
        nix::fcntl::open("/proc/self/ns/net", OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty()).map_err(|source| AttachError::Netns { pid: me, source })?;
    setns(netns, CloneFlags::CLONE_NEWNET).map_err(|source| AttachError::Netns { pid: l.pid, source })?;
    let r = configure_inside(net, l, ifname);
    setns(host.as_fd(), CloneFlags::CLONE_NEWNET).map_err(|source| AttachError::Netns { pid: me, source })?;
    r
}

fn configure_inside(net: &Network, l: &Lease, ifname: &str) -> Result<(), AttachError> {
    let mut inner = Netlink::open()?;
    inner.set_up(link_index("lo")?)?;
    let eth = link_index(ifname)?;
    inner.add_addr(eth, l.ip, net.subnet.prefix, false)?;
    if let (Some(ip6), Some(s6)) = (l.ip6, net.subnet6) {
        inner.add_addr(eth, ip6, s6.prefix, false)?;
    }
    inner.set_up(eth)?;
    if ifname == default_interface() {
        inner.add_default_route(net.gateway, eth)?;
        if let Some(g6) = net.gateway6 {
            inner.add_default_route(g6, eth)?;
        }
    }
    Ok(())
}

/// Releases a container's leases: on `network` only (disconnect), or on every network
/// (poststop: networks connected later are released with the first). None is not an error.
pub fn detach(dir: &Path, network: Option<&str>, id: &str) -> Result<Vec<Lease>, AttachError> {
    let store = Store::open(dir)?;
    let _lock = store.lock()?;
    let names: Vec<String> = match network {
        Some(n) => vec![n.to_string()],
        None => store.list()?.into_iter().map(|n| n.name).collect(),
    };
    let mut gone = Vec::new();
    for name in names {
        let mut leases = Leases::load(&store.dir, &name)?;
        if let Some(l) = leases.release(id) {
            leases.save(&store.dir, &name)?;
            // Only a disconnect leaves the container alive with the veth in it.
            release_resources(None, &l, network.is_some());
            hosts::update_all(&leases.leases);
            gone.push(l);
        }
    }
    reconcile(&store)?;
    Ok(gone)
}

/// The address a lease of `id` on `network` has, if any.
pub fn lease_of(dir: &Path, network: &str, id: &str) -> Result<Option<Ipv4Addr>, AttachError> {
    let leases = Leases::load(dir, network)?;
    Ok(leases.find(id).map(|l| l.ip))
}
