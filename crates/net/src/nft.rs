//! nftables through `nft -f -`, in tables of tsc-box's own: `ip tsc-box` (masquerade for the
//! networks, isolation between them, 127.0.0.1 towards the bridges) rebuilt whole from the
//! network list, and one table per container with published ports, so that releasing a
//! container's rules is deleting its table: nothing to find by handle, nothing left half-made.

use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};

use crate::ports::Port;
use crate::store::Network;

#[derive(Debug, thiserror::Error)]
pub enum NftError {
    #[error("nftables is unavailable ({0}): bridge networking needs the nft command (Debian package nftables) for NAT and published ports; use --network none or host without it")]
    Unavailable(String),
    #[error("nft: {0}")]
    Failed(String),
}

pub const BASE_TABLE: &str = "tsc-box";

fn nft(script: &str) -> Result<(), NftError> {
    let mut child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .spawn()
        .map_err(|e| NftError::Unavailable(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(script.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| NftError::Failed(e.to_string()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(NftError::Failed(String::from_utf8_lossy(&out.stderr).trim().replace('\n', "; ")))
    }
}

fn quote(s: &str) -> String {
    // Interface names never contain quotes (netlink::check_name), this is for the reader.
    format!("\"{s}\"")
}

/// The shared table for all `networks`, replacing the previous one atomically.
pub fn base_ruleset(networks: &[Network]) -> String {
    let mut post = String::new();
    let mut fwd = String::new();
    for n in networks {
        let br = quote(&n.bridge);
        // Outgoing traffic leaves with the host's address.
        post += &format!("    ip saddr {} oifname != {br} masquerade\n", n.subnet);
        // The host's 127.0.0.1 redirected to a container (published port): the container
        // must answer an address it can route back to.
        post += &format!("    ip saddr 127.0.0.0/8 oifname {br} masquerade\n");
        // A container reaching a published port of its own network through the host.
        post += &format!("    ct status dnat ip saddr {} oifname {br} masquerade\n", n.subnet);
        // Containers' links are larger than the host's real ones: their TCP connections
        // through the host learn the outgoing route's MSS at the handshake.
        fwd += &format!("    iifname {br} tcp flags syn / syn,rst tcp option maxseg size set rt mtu\n");
        fwd += &format!("    oifname {br} tcp flags syn / syn,rst tcp option maxseg size set rt mtu\n");
        let others: Vec<String> = networks.iter().filter(|o| o.bridge != n.bridge).map(|o| quote(&o.bridge)).collect();
        if !others.is_empty() {
            fwd += &format!("    iifname {br} oifname {{ {} }} drop\n", others.join(", "));
        }
    }
    format!(
        "table ip {BASE_TABLE} {{}}\ndelete table ip {BASE_TABLE}\ntable ip {BASE_TABLE} {{\n  chain postrouting {{\n    type nat hook postrouting priority srcnat; policy accept;\n{post}  }}\n  chain forward {{\n    type filter hook forward priority filter; policy accept;\n{fwd}  }}\n}}\n"
    )
}

pub fn apply_base(networks: &[Network]) -> Result<(), NftError> {
    if networks.is_empty() {
        return nft(&format!("table ip {BASE_TABLE} {{}}\ndelete table ip {BASE_TABLE}\n"));
    }
    nft(&base_ruleset(networks))
}

/// The table of a container's published ports: DNAT for packets from outside (prerouting)
/// and from the host itself (output), to any local address or the one asked for.
pub fn container_ruleset(table: &str, ip: Ipv4Addr, ports: &[Port]) -> String {
    let mut rules = String::new();
    for p in ports {
        let dst = match p.host_ip {
            Some(h) => format!("ip daddr {h}"),
            None => "fib daddr type local".to_string(),
        };
        rules += &format!("    {dst} {} dport {} dnat to {ip}:{}\n", p.proto.as_str(), p.host_port, p.container_port);
    }
    format!(
        "table ip {table} {{\n  chain prerouting {{\n    type nat hook prerouting priority dstnat; policy accept;\n{rules}  }}\n  chain output {{\n    type nat hook output priority -100; policy accept;\n{rules}  }}\n}}\n"
    )
}

pub fn add_container(table: &str, ip: Ipv4Addr, ports: &[Port]) -> Result<(), NftError> {
    nft(&container_ruleset(table, ip, ports))
}

/// Deletes a container's table; one already gone is not an error.
pub fn delete_container(table: &str) -> Result<(), NftError> {
    nft(&format!("table ip {table} {{}}\ndelete table ip {table}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Proto;

    #[test]
    fn base_rules_per_network() {
        let a = Network { name: "a".into(), bridge: "tsa".into(), subnet: "10.1.0.0/24".parse().unwrap(), gateway: "10.1.0.1".parse().unwrap(), mtu: 1500, created: "t".into() };
        let b = Network { name: "b".into(), bridge: "tsb".into(), subnet: "10.2.0.0/24".parse().unwrap(), gateway: "10.2.0.1".parse().unwrap(), mtu: 1500, created: "t".into() };
        let s = base_ruleset(&[a, b]);
        assert!(s.starts_with("table ip tsc-box {}\ndelete table ip tsc-box\n"));
        assert!(s.contains("ip saddr 10.1.0.0/24 oifname != \"tsa\" masquerade"));
        assert!(s.contains("iifname \"tsa\" oifname { \"tsb\" } drop"));
        assert!(s.contains("iifname \"tsa\" tcp flags syn / syn,rst tcp option maxseg size set rt mtu"));
        assert!(s.contains("iifname \"tsb\" oifname { \"tsa\" } drop"));
    }

    #[test]
    fn container_rules() {
        let ports = [
            Port { host_ip: None, host_port: 8080, container_port: 80, proto: Proto::Tcp },
            Port { host_ip: Some(Ipv4Addr::LOCALHOST), host_port: 5353, container_port: 53, proto: Proto::Udp },
        ];
        let s = container_ruleset("tsc-box-c-1", Ipv4Addr::new(10, 1, 0, 2), &ports);
        assert_eq!(s.matches("fib daddr type local tcp dport 8080 dnat to 10.1.0.2:80").count(), 2);
        assert_eq!(s.matches("ip daddr 127.0.0.1 udp dport 5353 dnat to 10.1.0.2:53").count(), 2);
    }
}
