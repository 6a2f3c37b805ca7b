//! Published ports: their typed form (the CLI parses `-p`), conflicts between containers, and
//! the check that no host process holds the port already.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("port {0} is already in use on the host ({1})")]
    InUse(Port, std::io::Error),
    #[error("port {0} is already published by container {1}")]
    Published(Port, String),
    #[error("port {0}: the port number must be between 1 and 65535")]
    Zero(Port),
    #[error("port {0}: UDP on an IPv6 host address needs a network with IPv6 and is not published on [::1] (only TCP is relayed there)")]
    Udp6(Port),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Port {
    /// None: every address of the host (both families where the host has IPv6).
    #[serde(default)]
    pub host_ip: Option<IpAddr>,
    pub host_port: u16,
    pub container_port: u16,
    pub proto: Proto,
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.host_ip {
            Some(IpAddr::V6(ip)) => write!(f, "[{ip}]:{}", self.host_port)?,
            Some(ip) => write!(f, "{ip}:{}", self.host_port)?,
            None => write!(f, "{}", self.host_port)?,
        }
        write!(f, "->{}/{}", self.container_port, self.proto.as_str())
    }
}

impl Port {
    /// Whether two published ports would catch the same packets.
    pub fn clashes(&self, other: &Port) -> bool {
        self.proto == other.proto && self.host_port == other.host_port && (self.host_ip.is_none() || other.host_ip.is_none() || self.host_ip == other.host_ip)
    }

    pub fn check(&self) -> Result<(), PortError> {
        if self.host_port == 0 || self.container_port == 0 {
            return Err(PortError::Zero(*self));
        }
        Ok(())
    }

    /// Binds the port for a moment: a host process listening there would never see its
    /// packets once they are redirected, so that is refused up front. Without a host address
    /// the IPv6 side is probed too where the host has it (a dual-stack [::] bind).
    pub fn probe_free(&self, host_has_v6: bool) -> Result<(), PortError> {
        let addrs: Vec<IpAddr> = match self.host_ip {
            Some(ip) => vec![ip],
            None if host_has_v6 => vec![IpAddr::V6(Ipv6Addr::UNSPECIFIED)],
            None => vec![IpAddr::V4(Ipv4Addr::UNSPECIFIED)],
        };
        for a in addrs {
            let addr = SocketAddr::new(a, self.host_port);
            let r = match self.proto {
                Proto::Tcp => TcpListener::bind(addr).map(drop),
                Proto::Udp => UdpSocket::bind(addr).map(drop),
            };
            r.map_err(|e| PortError::InUse(*self, e))?;
        }
        Ok(())
    }

    /// The IPv6 address this port is relayed on by a proxy process instead of nftables:
    /// the kernel never routes a reply towards ::1 arriving from a container's link (there
    /// is no IPv6 route_localnet), so [::1] is served from user space, as docker's proxy
    /// does; and an IPv6 host address of a container without IPv6 too. TCP only.
    pub fn proxied_on(&self, host_has_v6: bool, container_has_v6: bool) -> Result<Option<Ipv6Addr>, PortError> {
        let on = match self.host_ip {
            None if host_has_v6 => Some(Ipv6Addr::LOCALHOST),
            Some(IpAddr::V6(ip)) if ip.is_loopback() || !container_has_v6 => Some(ip),
            _ => None,
        };
        match (on, self.proto) {
            (Some(ip), Proto::Tcp) => Ok(Some(ip)),
            // Left out silently for "every address": the other addresses still work.
            (Some(_), Proto::Udp) if self.host_ip.is_none() => Ok(None),
            (Some(_), Proto::Udp) => Err(PortError::Udp6(*self)),
            (None, _) => Ok(None),
        }
    }
}

/// The first of `wanted` that clashes with a port of another container (`taken`: id, port).
pub fn find_clash<'a>(wanted: &[Port], taken: impl Iterator<Item = (&'a str, &'a Port)>) -> Result<(), PortError> {
    for (id, p) in taken {
        if let Some(w) = wanted.iter().find(|w| w.clashes(p)) {
            return Err(PortError::Published(*w, id.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(ip: Option<[u8; 4]>, port: u16, proto: Proto) -> Port {
        Port { host_ip: ip.map(|a| IpAddr::V4(Ipv4Addr::from(a))), host_port: port, container_port: 80, proto }
    }

    #[test]
    fn clashes() {
        assert!(p(None, 80, Proto::Tcp).clashes(&p(Some([127, 0, 0, 1]), 80, Proto::Tcp)));
        assert!(!p(None, 80, Proto::Tcp).clashes(&p(None, 80, Proto::Udp)));
        assert!(!p(Some([127, 0, 0, 1]), 80, Proto::Tcp).clashes(&p(Some([127, 0, 0, 2]), 80, Proto::Tcp)));
        assert!(!p(None, 80, Proto::Tcp).clashes(&p(None, 81, Proto::Tcp)));
        let taken = [("c1".to_string(), p(None, 8080, Proto::Tcp))];
        let e = find_clash(&[p(None, 8080, Proto::Tcp)], taken.iter().map(|(i, p)| (i.as_str(), p))).unwrap_err();
        assert_eq!(e.to_string(), "port 8080->80/tcp is already published by container c1");
        assert!(p(None, 0, Proto::Tcp).check().is_err());
    }

    #[test]
    fn probe_sees_a_listener() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert!(matches!(p(Some([127, 0, 0, 1]), port, Proto::Tcp).probe_free(false), Err(PortError::InUse(..))));
        assert!(matches!(p(None, port, Proto::Tcp).probe_free(false), Err(PortError::InUse(..))));
        drop(l);
        p(Some([127, 0, 0, 1]), port, Proto::Tcp).probe_free(false).unwrap();
    }

    #[test]
    fn which_ports_are_proxied() {
        let v6 = |ip: &str, proto| Port { host_ip: Some(ip.parse().unwrap()), host_port: 8080, container_port: 80, proto };
        let lo: Ipv6Addr = Ipv6Addr::LOCALHOST;
        assert_eq!(p(None, 8080, Proto::Tcp).proxied_on(true, true).unwrap(), Some(lo));
        assert_eq!(p(None, 8080, Proto::Tcp).proxied_on(false, false).unwrap(), None);
        assert_eq!(p(None, 8080, Proto::Udp).proxied_on(true, true).unwrap(), None);
        assert_eq!(p(Some([127, 0, 0, 1]), 8080, Proto::Tcp).proxied_on(true, true).unwrap(), None);
        assert_eq!(v6("::1", Proto::Tcp).proxied_on(true, true).unwrap(), Some(lo));
        assert_eq!(v6("fd00::2", Proto::Tcp).proxied_on(true, true).unwrap(), None);
        assert_eq!(v6("fd00::2", Proto::Tcp).proxied_on(true, false).unwrap(), Some("fd00::2".parse().unwrap()));
        assert!(matches!(v6("::1", Proto::Udp).proxied_on(true, true), Err(PortError::Udp6(_))));
        assert_eq!(v6("::1", Proto::Tcp).to_string(), "[::1]:8080->80/tcp");
        assert!(v6("::1", Proto::Tcp).clashes(&p(None, 8080, Proto::Tcp)));
    }

    #[test]
    fn serde_shape() {
        let v: Port = serde_json::from_str(r#"{"hostIp":"127.0.0.1","hostPort":8080,"containerPort":80,"proto":"tcp"}"#).unwrap();
        assert_eq!(v.to_string(), "127.0.0.1:8080->80/tcp");
        let v: Port = serde_json::from_str(r#"{"hostIp":"::1","hostPort":8080,"containerPort":80,"proto":"tcp"}"#).unwrap();
        assert_eq!(v.host_ip, Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert!(serde_json::from_str::<Port>(r#"{"hostPort":70000,"containerPort":80,"proto":"tcp"}"#).is_err());
        assert!(serde_json::from_str::<Port>(r#"{"hostPort":80,"containerPort":80,"proto":"sctp"}"#).is_err());
    }
}
