//! `tsc-box port CONTAINER [PRIVATE_PORT[/PROTO]]` and `ps`'s PORTS column: a running
//! container's published ports as docker prints them, from the network plan `run` wrote
//! beside its record (`network.json`: the ports `-p` and `-P` chose, free host ports already
//! picked). Written once for the runtime's native front door and the Node CLI.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::view::{ContainerView, State};
use crate::{Coded, ErrorCode};

/// One published port of the plan (tsc_box_net::ports::Port's JSON).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Planned {
    #[serde(default)]
    host_ip: Option<String>,
    host_port: u16,
    container_port: u16,
    proto: String,
}

#[derive(Debug, Deserialize)]
struct Plan {
    /// A bridge network's name (absent in slirp4netns's plan, which publishes IPv4 only).
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    ports: Vec<Planned>,
}

/// One host address a container port is published on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    pub private_port: u16,
    pub proto: String,
    pub host_ip: String,
    pub host_port: u16,
}

impl Binding {
    fn v6(&self) -> bool {
        self.host_ip.contains(':')
    }

    /// `0.0.0.0:8080`, `[::]:8080`: what `port` prints.
    pub fn host(&self) -> String {
        if self.v6() {
            format!("[{}]:{}", self.host_ip, self.host_port)
        } else {
            format!("{}:{}", self.host_ip, self.host_port)
        }
    }

    /// `80/tcp`.
    pub fn private(&self) -> String {
        format!("{}/{}", self.private_port, self.proto)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("No public port '{port}' published for {container}")]
    NoPublic { port: String, container: String },
    #[error("invalid port \"{0}\": use PRIVATE_PORT[/PROTO] (PROTO tcp or udp)")]
    Invalid(String),
}

impl Coded for PortError {
    fn code(&self) -> ErrorCode {
        match self {
            PortError::NoPublic { .. } => ErrorCode::NoPublicPort,
            PortError::Invalid(_) => ErrorCode::InvalidUsage,
        }
    }
}

/// Whether the host has IPv6, as tsc_box_net::host6::unavailable judges it: a port published
/// on every address is then published on `[::]` too.
fn host_has_v6() -> bool {
    if std::env::var_os("TSC_BOX_DISABLE_IPV6").is_some_and(|v| v == "1") || !Path::new("/proc/net/if_inet6").exists() {
        return false;
    }
    std::fs::read_to_string("/proc/sys/net/ipv6/conf/all/disable_ipv6").is_ok_and(|v| v.trim() == "0")
}

/// The container's published ports while it runs (docker shows none for a stopped one),
/// ordered by private port, protocol, then IPv4 before IPv6.
pub fn bindings(v: &ContainerView) -> Vec<Binding> {
    if !matches!(v.state, State::Running | State::Paused | State::Restarting) {
        return Vec::new();
    }
    let Some(plan) = std::fs::read(v.dir.join("network.json")).ok().and_then(|b| serde_json::from_slice::<Plan>(&b).ok()) else { return Vec::new() };
    let v6 = plan.network.is_some() && plan.ports.iter().any(|p| p.host_ip.is_none()) && host_has_v6();
    let mut out = Vec::new();
    for p in plan.ports {
        let b = |ip: &str| Binding { private_port: p.container_port, proto: p.proto.clone(), host_ip: ip.to_string(), host_port: p.host_port };
        match &p.host_ip {
            Some(ip) => out.push(b(ip)),
            None => {
                out.push(b("0.0.0.0"));
                if v6 {
                    out.push(b("::"));
                }
            }
        }
    }
    out.sort_by(|a, b| (a.private_port, &a.proto, a.v6()).cmp(&(b.private_port, &b.proto, b.v6())));
    out
}

/// `PRIVATE_PORT[/PROTO]` (tcp unless said).
pub fn parse_private(s: &str) -> Result<(u16, String), PortError> {
    let (port, proto) = s.split_once('/').unwrap_or((s, "tcp"));
    let n: u16 = port.parse().ok().filter(|n| *n > 0).ok_or_else(|| PortError::Invalid(s.into()))?;
    if proto != "tcp" && proto != "udp" && proto != "sctp" {
        return Err(PortError::Invalid(s.into()));
    }
    Ok((n, proto.into()))
}

/// What `port` prints (no final newline; empty: nothing), or its --json entries.
pub fn answer(v: &ContainerView, private: Option<&str>) -> Result<(String, Vec<Binding>), PortError> {
    let all = bindings(v);
    let Some(p) = private else {
        let text = all.iter().map(|b| format!("{} -> {}", b.private(), b.host())).collect::<Vec<_>>().join("\n");
        return Ok((text, all));
    };
    let (port, proto) = parse_private(p)?;
    let chosen: Vec<Binding> = all.into_iter().filter(|b| b.private_port == port && b.proto == proto).collect();
    if chosen.is_empty() {
        return Err(PortError::NoPublic { port: format!("{port}/{proto}"), container: v.name.clone() });
    }
    Ok((chosen.iter().map(Binding::host).collect::<Vec<_>>().join("\n"), chosen))
}

/// `ps`'s PORTS column: `0.0.0.0:8080->80/tcp, :::8080->80/tcp` (docker writes an IPv6
/// address unbracketed there), then the image's exposed ports that are not published
/// (`443/tcp`), while the container runs.
pub fn ps_column(v: &ContainerView) -> String {
    let published = bindings(v);
    let mut shown: Vec<String> = published.iter().map(|b| format!("{}:{}->{}", b.host_ip, b.host_port, b.private())).collect();
    if matches!(v.state, State::Running | State::Paused | State::Restarting) {
        let exposed = v.config.as_ref().map(|c| c.exposed_ports.clone()).unwrap_or_default();
        for e in exposed {
            let Ok((port, proto)) = parse_private(&e) else { continue };
            if !published.iter().any(|b| b.private_port == port && b.proto == proto) {
                shown.push(format!("{port}/{proto}"));
            }
        }
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(dir: &Path, plan: &str, state: State) -> ContainerView {
        std::fs::write(dir.join("network.json"), plan).unwrap();
        let rec: crate::record::ContainerRecord = serde_json::from_str(
            r#"{"id":"abc","name":"web","created":"2026-01-01T00:00:00Z","rootfs":"/r","command":["sh"],"status":"created","exitCode":null,"oomKilled":false}"#,
        )
        .unwrap();
        let mut v = crate::view::view_of(dir, rec, None);
        v.state = state;
        v
    }

    #[test]
    fn ports_print_as_docker_prints_them() {
        let d = std::env::temp_dir().join(format!("tsc-box-port-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let plan = r#"{"ports":[{"hostPort":9090,"containerPort":53,"proto":"udp","hostIp":"127.0.0.1"},{"hostPort":8080,"containerPort":80,"proto":"tcp"}],"log":"x"}"#;
        let v = view(&d, plan, State::Running);
        let (text, _) = answer(&v, None).unwrap();
        assert_eq!(text, "53/udp -> 127.0.0.1:9090\n80/tcp -> 0.0.0.0:8080");
        assert_eq!(answer(&v, Some("80")).unwrap().0, "0.0.0.0:8080");
        assert_eq!(answer(&v, Some("53/udp")).unwrap().0, "127.0.0.1:9090");
        let e = answer(&v, Some("81")).unwrap_err();
        assert_eq!((e.to_string().as_str(), e.exit_code()), ("No public port '81/tcp' published for web", 1));
        assert!(matches!(answer(&v, Some("x/tcp")), Err(PortError::Invalid(_))));
        assert_eq!(ps_column(&v), "127.0.0.1:9090->53/udp, 0.0.0.0:8080->80/tcp");
        // An exposed port nobody published is listed bare, as docker lists it.
        let mut exposing = v.clone();
        exposing.config = Some(crate::config::ContainerConfig { exposed_ports: vec!["80/tcp".into(), "443/tcp".into()], ..Default::default() });
        assert_eq!(ps_column(&exposing), "127.0.0.1:9090->53/udp, 0.0.0.0:8080->80/tcp, 443/tcp");
        // A stopped container publishes nothing.
        assert_eq!(ps_column(&view(&d, plan, State::Exited)), "");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
