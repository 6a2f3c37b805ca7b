//! Published ports: their typed form (the CLI parses `-p`), conflicts between containers, and
//! the check that no host process holds the port already.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, UdpSocket};

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("port {0} is already in use on the host ({1})")]
    InUse(Port, std::io::Error),
    #[error("port {0} is already published by container {1}")]
    Published(Port, String),
    #[error("port {0}: the port number must be between 1 and 65535")]
    Zero(Port),
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
    /// None: every address of the host.
    #[serde(default)]
    pub host_ip: Option<Ipv4Addr>,
    pub host_port: u16,
    pub container_port: u16,
    pub proto: Proto,
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.host_ip {
            Some(ip) => write!(f, "{ip}:{}", self.host_port)?,
            None => write!(f, "{}", self.host_port)?,
        }
        write!(f, "->{}/{}", self.container_port, self.proto.as_str())
    }
}

impl Port {
    /// Whether two published ports would catch the same packets.
    pub fn clashes(&self, other: &Port) -> bool {
        self.proto == other.proto
            && self.host_port == other.host_port
            && (self.host_ip.is_none() || other.host_ip.is_none() || self.host_ip == other.host_ip)
    }

    pub fn check(&self) -> Result<(), PortError> {
        if self.host_port == 0 || self.container_port == 0 {
            return Err(PortError::Zero(*self));
        }
        Ok(())
    }

    /// Binds the port for a moment: a host process listening there would never see its
    /// packets once they are redirected, so that is refused up front.
    pub fn probe_free(&self) -> Result<(), PortError> {
        let addr = SocketAddrV4::new(self.host_ip.unwrap_or(Ipv4Addr::UNSPECIFIED), self.host_port);
        let r = match self.proto {
            Proto::Tcp => TcpListener::bind(addr).map(drop),
            Proto::Udp => UdpSocket::bind(addr).map(drop),
        };
        r.map_err(|e| PortError::InUse(*self, e))
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
        Port { host_ip: ip.map(Ipv4Addr::from), host_port: port, container_port: 80, proto }
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
        assert!(matches!(p(Some([127, 0, 0, 1]), port, Proto::Tcp).probe_free(), Err(PortError::InUse(..))));
        assert!(matches!(p(None, port, Proto::Tcp).probe_free(), Err(PortError::InUse(..))));
        drop(l);
        p(Some([127, 0, 0, 1]), port, Proto::Tcp).probe_free().unwrap();
    }

    #[test]
    fn serde_shape() {
        let v: Port = serde_json::from_str(r#"{"hostIp":"127.0.0.1","hostPort":8080,"containerPort":80,"proto":"tcp"}"#).unwrap();
        assert_eq!(v.to_string(), "127.0.0.1:8080->80/tcp");
        assert!(serde_json::from_str::<Port>(r#"{"hostPort":70000,"containerPort":80,"proto":"tcp"}"#).is_err());
        assert!(serde_json::from_str::<Port>(r#"{"hostPort":80,"containerPort":80,"proto":"sctp"}"#).is_err());
    }
}
