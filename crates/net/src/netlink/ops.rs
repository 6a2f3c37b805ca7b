//! The link, address and route operations, each one request.

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, BorrowedFd};

use nix::errno::Errno;

use super::msg::Builder;
use super::{check_name, Netlink, NetlinkError};

// From <linux/if_link.h>, <linux/veth.h>, <linux/if_addr.h>, <linux/rtnetlink.h>.
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_BROADCAST: u16 = 4;
const IFA_FLAGS: u16 = 8;
/// No duplicate address detection: the address is ours (IPAM), and usable at once.
const IFA_F_NODAD: u32 = 0x02;
const RTA_GATEWAY: u16 = 5;
const RTA_OIF: u16 = 4;
const RT_TABLE_MAIN: u8 = 254;
const RTPROT_BOOT: u8 = 3;
const RT_SCOPE_UNIVERSE: u8 = 0;
const RTN_UNICAST: u8 = 1;

const CREATE_EXCL: u16 = (libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16;

/// What the peer end of a new veth pair looks like.
pub struct VethPeer<'a> {
    pub name: &'a str,
    /// Create the peer directly in this network namespace (no move, no rename).
    pub netns: Option<BorrowedFd<'a>>,
}

impl Netlink {
    pub fn create_bridge(&mut self, name: &str, mtu: Option<u32>) -> Result<(), NetlinkError> {
        check_name(name)?;
        let mut m = Builder::new(libc::RTM_NEWLINK, CREATE_EXCL);
        m.ifinfo(0, 0, 0).attr_str(IFLA_IFNAME, name);
        if let Some(mtu) = mtu {
            m.attr_u32(IFLA_MTU, mtu);
        }
        m.begin(IFLA_LINKINFO).attr_str(IFLA_INFO_KIND, "bridge").end();
        self.request(m, &|| format!("create bridge {name}"))
    }

    /// Creates `host` (enslaved to `master` if given) and its peer, in one request: when the
    /// peer is made inside the container's namespace no other process ever sees it.
    pub fn create_veth(&mut self, host: &str, master: Option<u32>, mtu: Option<u32>, peer: &VethPeer<'_>) -> Result<(), NetlinkError> {
        check_name(host)?;
        check_name(peer.name)?;
        let mut m = Builder::new(libc::RTM_NEWLINK, CREATE_EXCL);
        m.ifinfo(0, 0, 0).attr_str(IFLA_IFNAME, host);
        if let Some(i) = master {
            m.attr_u32(IFLA_MASTER, i);
        }
        if let Some(mtu) = mtu {
            m.attr_u32(IFLA_MTU, mtu);
        }
        m.begin(IFLA_LINKINFO).attr_str(IFLA_INFO_KIND, "veth").begin(IFLA_INFO_DATA).begin(VETH_INFO_PEER);
        // The peer's attributes follow its own ifinfomsg inside VETH_INFO_PEER.
        m.ifinfo(0, 0, 0).attr_str(IFLA_IFNAME, peer.name);
        if let Some(mtu) = mtu {
            m.attr_u32(IFLA_MTU, mtu);
        }
        if let Some(fd) = peer.netns {
            m.attr_u32(IFLA_NET_NS_FD, fd.as_raw_fd() as u32);
        }
        m.end().end().end();
        self.request(m, &|| format!("create veth pair {host}/{}", peer.name))
    }

    pub fn set_up(&mut self, index: u32) -> Result<(), NetlinkError> {
        let mut m = Builder::new(libc::RTM_NEWLINK, 0);
        m.ifinfo(index, libc::IFF_UP as u32, libc::IFF_UP as u32);
        self.request(m, &|| format!("set link {index} up"))
    }

    pub fn set_mtu(&mut self, index: u32, mtu: u32) -> Result<(), NetlinkError> {
        let mut m = Builder::new(libc::RTM_NEWLINK, 0);
        m.ifinfo(index, 0, 0).attr_u32(IFLA_MTU, mtu);
        self.request(m, &|| format!("set the MTU of link {index} to {mtu}"))
    }

    /// Renames a link (it must be down).
    pub fn rename(&mut self, index: u32, name: &str) -> Result<(), NetlinkError> {
        check_name(name)?;
        let mut m = Builder::new(libc::RTM_NEWLINK, 0);
        m.ifinfo(index, 0, 0).attr_str(IFLA_IFNAME, name);
        self.request(m, &|| format!("rename link {index} to {name}"))
    }

    /// Moves a link into the network namespace `netns` (an fd of /proc/PID/ns/net).
    pub fn move_to_netns(&mut self, index: u32, netns: BorrowedFd<'_>) -> Result<(), NetlinkError> {
        let mut m = Builder::new(libc::RTM_NEWLINK, 0);
        m.ifinfo(index, 0, 0).attr_u32(IFLA_NET_NS_FD, netns.as_raw_fd() as u32);
        self.request(m, &|| format!("move link {index} to another network namespace"))
    }

    pub fn delete_link(&mut self, index: u32) -> Result<(), NetlinkError> {
        let mut m = Builder::new(libc::RTM_DELLINK, 0);
        m.ifinfo(index, 0, 0);
        self.request(m, &|| format!("delete link {index}"))
    }

    /// Adds `ip/prefix`; `exist_ok` makes an address already there a success (ensure).
    pub fn add_addr(&mut self, index: u32, ip: impl Into<IpAddr>, prefix: u8, exist_ok: bool) -> Result<(), NetlinkError> {
        let ip = ip.into();
        let mut m = Builder::new(libc::RTM_NEWADDR, CREATE_EXCL);
        let mut ifa = [0u8; 8];
        ifa[1] = prefix;
        ifa[3] = RT_SCOPE_UNIVERSE;
        ifa[4..8].copy_from_slice(&index.to_ne_bytes());
        match ip {
            IpAddr::V4(v4) => {
                ifa[0] = libc::AF_INET as u8;
                let bcast = Ipv4Addr::from(u32::from(v4) | (u32::MAX >> prefix));
                m.raw(&ifa).attr(IFA_LOCAL, &v4.octets()).attr(IFA_ADDRESS, &v4.octets()).attr(IFA_BROADCAST, &bcast.octets());
            }
            IpAddr::V6(v6) => {
                ifa[0] = libc::AF_INET6 as u8;
                // Without DAD the address is usable at once: a container's first packets
                // would otherwise wait a second or more for "tentative" to clear.
                m.raw(&ifa).attr(IFA_ADDRESS, &v6.octets()).attr_u32(IFA_FLAGS, IFA_F_NODAD);
            }
        }
        match self.request(m, &|| format!("add address {ip}/{prefix} to link {index}")) {
            Err(NetlinkError::Op { errno: Errno::EEXIST, .. }) if exist_ok => Ok(()),
            r => r,
        }
    }

    pub fn add_default_route(&mut self, gateway: impl Into<IpAddr>, oif: u32) -> Result<(), NetlinkError> {
        let gateway = gateway.into();
        let mut m = Builder::new(libc::RTM_NEWROUTE, CREATE_EXCL);
        let family = if gateway.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 } as u8;
        let rt = [family, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0, 0, 0, 0];
        m.raw(&rt);
        match gateway {
            IpAddr::V4(g) => m.attr(RTA_GATEWAY, &g.octets()),
            IpAddr::V6(g) => m.attr(RTA_GATEWAY, &g.octets()),
        };
        m.attr_u32(RTA_OIF, oif);
        self.request(m, &|| format!("add default route via {gateway}"))
    }
}
