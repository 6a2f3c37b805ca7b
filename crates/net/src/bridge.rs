//! A network's bridge on the host: made on first use with the gateway address (and the IPv6
//! one), up, with forwarding on (as docker does) and route_localnet so that the host's 127.0.0.1 can be
//! redirected to a container (see nft.rs, whose input chain keeps the host's loopback closed
//! to the bridge: route_localnet alone would let a container reach 127.0.0.1 services).

use crate::netlink::{link_index, Netlink, NetlinkError};
use crate::store::Network;

#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
    #[error("sysctl {path}: {source}")]
    Sysctl { path: String, source: std::io::Error },
}

fn sysctl(path: String, value: &str) -> Result<(), BridgeError> {
    if std::fs::read_to_string(&path).is_ok_and(|v| v.trim() == value) {
        return Ok(());
    }
    std::fs::write(&path, value).map_err(|source| BridgeError::Sysctl { path, source })
}

/// Makes sure the bridge exists, carries the gateway address and is up; returns its index
/// and whether it was created now.
pub fn ensure(nl: &mut Netlink, net: &Network) -> Result<(u32, bool), BridgeError> {
    let (index, created) = match link_index(&net.bridge) {
        Ok(i) => (i, false),
        Err(NetlinkError::NoLink(_)) => {
            nl.create_bridge(&net.bridge, Some(net.mtu))?;
            (link_index(&net.bridge)?, true)
        }
        Err(e) => return Err(e.into()),
    };
    if created {
        nl.add_addr(index, net.gateway, net.subnet.prefix, true)?;
        nl.set_up(index)?;
    } else {
        // A bridge made by an older definition (or changed by hand) follows the network's MTU.
        let path = format!("/sys/class/net/{}/mtu", net.bridge);
        if std::fs::read_to_string(&path).ok().and_then(|s| s.trim().parse::<u32>().ok()) != Some(net.mtu) {
            nl.set_mtu(index, net.mtu)?;
        }
    }
    if let (Some(g6), Some(s6)) = (net.gateway6, net.subnet6) {
        // Also on an existing bridge: the default network may have gained IPv6 since.
        sysctl(format!("/proc/sys/net/ipv6/conf/{}/disable_ipv6", net.bridge), "0")?;
        nl.add_addr(index, g6, s6.prefix, true)?;
        // As docker does; note that a host interface with accept_ra=1 stops taking router
        // advertisements once forwarding is on (accept_ra=2 keeps them).
        sysctl("/proc/sys/net/ipv6/conf/all/forwarding".into(), "1")?;
    }
    sysctl("/proc/sys/net/ipv4/ip_forward".into(), "1")?;
    sysctl(format!("/proc/sys/net/ipv4/conf/{}/route_localnet", net.bridge), "1")?;
    Ok((index, created))
}

/// Removes the bridge of a network being removed (gone already is fine).
pub fn remove(nl: &mut Netlink, net: &Network) -> Result<(), BridgeError> {
    match link_index(&net.bridge) {
        Ok(i) => nl.delete_link(i).map_err(Into::into),
        Err(NetlinkError::NoLink(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
