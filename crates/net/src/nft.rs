//! nftables through `nft -f -`, in tables of tsc-box's own: `ip tsc-box` (masquerade for the
//! networks, isolation between them, 127.0.0.1 towards the bridges, the host's loopback closed
//! to them) and its IPv6 twin `ip6 tsc-box` (networks with IPv6), rebuilt whole from the
//! network list, and one table per container (and family) with published ports, so that
//! releasing a container's rules is deleting its tables: nothing to find by handle, nothing
//! left half-made.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
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

/// The shared tables for all `networks`, replacing the previous ones atomically.
pub fn base_ruleset(networks: &[Network]) -> String {
    let mut post = String::new();
    let mut fwd = String::new();
    let mut post6 = String::new();
    let mut fwd6 = String::new();
    let mut input = String::new();
    let mut raw = String::new();
    for n in networks {
        let br = quote(&n.bridge);
        // route_localnet (bridge.rs) makes the kernel route 127.0.0.0/8 arriving on the bridge
        // to the host's loopback services, which would let a container (CAP_NET_RAW, a route
        // via the gateway) reach everything bound to 127.0.0.1 only. Only the replies of
        // connections the host made to a published 127.0.0.1 port may arrive there: those
        // conntrack entries were DNATed (in output) and their replies are de-NATed back to
        // 127.0.0.1 in prerouting, so this check sits in input, after every NAT hook. (`ct
        // status != dnat` would compare the whole status word with nft, not test the bit.)
        input += &format!("    iifname {br} ip daddr 127.0.0.0/8 ct status & dnat == 0 drop\n");
        // Nothing legitimate comes from a container with a loopback source either (replies
        // to the host's 127.0.0.1 are masqueraded to the gateway): dropped before conntrack
        // so a spoofed source cannot pass for the host itself.
        raw += &format!("    iifname {br} ip saddr 127.0.0.0/8 drop\n");
        // Outgoing traffic leaves with the host's address.
        post += &format!("    ip saddr {} oifname != {br} masquerade\n", n.subnet);
        // The host's 127.0.0.1 redirected to a container (published port): the container
        // must answer an address it can route back to.
        post += &format!("    ip saddr 127.0.0.0/8 oifname {br} masquerade\n");
        // A container reaching a published port of its own network through the host.
        post += &format!("    ct status dnat ip saddr {} oifname {br} masquerade\n", n.subnet);
        // Containers' links are larger than the host's real ones: their TCP connections
        // through the host learn the outgoing route's MSS at the handshake.
        let clamp = format!("    iifname {br} tcp flags syn / syn,rst tcp option maxseg size set rt mtu\n    oifname {br} tcp flags syn / syn,rst tcp option maxseg size set rt mtu\n");
        fwd += &clamp;
        let others: Vec<String> = networks.iter().filter(|o| o.bridge != n.bridge).map(|o| quote(&o.bridge)).collect();
        let isolate = if others.is_empty() { String::new() } else { format!("    iifname {br} oifname {{ {} }} drop\n", others.join(", ")) };
        fwd += &isolate;
        if let Some(s6) = n.subnet6 {
            post6 += &format!("    ip6 saddr {s6} oifname != {br} masquerade\n");
            post6 += &format!("    ct status dnat ip6 saddr {s6} oifname {br} masquerade\n");
            fwd6 += &clamp;
            fwd6 += &isolate;
        }
    }
    let table = |family: &str, post: &str, fwd: &str, extra: &str| {
        format!(
            "table {family} {BASE_TABLE} {{}}\ndelete table {family} {BASE_TABLE}\ntable {family} {BASE_TABLE} {{\n  chain postrouting {{\n    type nat hook postrouting priority srcnat; policy accept;\n{post}  }}\n  chain forward {{\n    type filter hook forward priority filter; policy accept;\n{fwd}  }}\n{extra}}}\n"
        )
    };
    // IPv6 needs no twin: the kernel never routes ::1 arriving on an interface (no
    // route_localnet for IPv6).
    let loopback = format!(
        "  chain input {{\n    type filter hook input priority filter; policy accept;\n{input}  }}\n  chain prerouting {{\n    type filter hook prerouting priority raw; policy accept;\n{raw}  }}\n"
    );
    let v6 = if post6.is_empty() { format!("table ip6 {BASE_TABLE} {{}}\ndelete table ip6 {BASE_TABLE}\n") } else { table("ip6", &post6, &fwd6, "") };
    table("ip", &post, &fwd, &loopback) + &v6
}

/// The base tables as a container start needs them: applied when `forced` (a bridge or the
/// default network made just now) or when they differ from the ruleset `record` says was last
/// applied, so that an existing bridge of an older tsc-box gets the current rules (the loopback
/// guard above) at its next container start, without running nft at every start.
pub fn ensure_base(record: &Path, networks: &[Network], forced: bool) -> Result<(), NftError> {
    let script = base_ruleset(networks);
    if !forced && std::fs::read_to_string(record).is_ok_and(|s| s == script) {
        return Ok(());
    }
    nft(&script)?;
    // Only an optimisation: a record that cannot be written means applying again next time.
    let tmp = record.with_extension("tmp");
    if std::fs::write(&tmp, &script).is_ok() {
        let _ = std::fs::rename(&tmp, record);
    }
    Ok(())
}

pub fn apply_base(networks: &[Network]) -> Result<(), NftError> {
    if networks.is_empty() {
        return nft(&format!("table ip {BASE_TABLE} {{}}\ndelete table ip {BASE_TABLE}\ntable ip6 {BASE_TABLE} {{}}\ndelete table ip6 {BASE_TABLE}\n"));
    }
    nft(&base_ruleset(networks))
}

/// The tables of a container's published ports: DNAT for packets from outside (prerouting)
/// and from the host itself (output), to any local address or the one asked for; IPv4 in
/// `ip TABLE`, IPv6 in `ip6 TABLE` when the container has an IPv6 address. [::1] is not
/// here: its connections are relayed by a proxy (ports::Port::proxied_on).
pub fn container_ruleset(table: &str, ip: Ipv4Addr, ip6: Option<Ipv6Addr>, ports: &[Port]) -> String {
    let mut rules = String::new();
    let mut rules6 = String::new();
    for p in ports {
        let proto = p.proto.as_str();
        match p.host_ip {
            None => rules += &format!("    fib daddr type local {proto} dport {} dnat to {ip}:{}\n", p.host_port, p.container_port),
            Some(IpAddr::V4(h)) => rules += &format!("    ip daddr {h} {proto} dport {} dnat to {ip}:{}\n", p.host_port, p.container_port),
            Some(IpAddr::V6(_)) => {}
        }
        let Some(c6) = ip6 else { continue };
        match p.host_ip {
            None => rules6 += &format!("    ip6 daddr != ::1 fib daddr type local {proto} dport {} dnat to [{c6}]:{}\n", p.host_port, p.container_port),
            Some(IpAddr::V6(h)) if !h.is_loopback() => {
                rules6 += &format!("    ip6 daddr {h} {proto} dport {} dnat to [{c6}]:{}\n", p.host_port, p.container_port)
            }
            _ => {}
        }
    }
    let table_of = |family: &str, rules: &str| {
        format!(
            "table {family} {table} {{\n  chain prerouting {{\n    type nat hook prerouting priority dstnat; policy accept;\n{rules}  }}\n  chain output {{\n    type nat hook output priority -100; policy accept;\n{rules}  }}\n}}\n"
        )
    };
    let mut out = table_of("ip", &rules);
    if !rules6.is_empty() {
        out += &table_of("ip6", &rules6);
    }
    out
}

pub fn add_container(table: &str, ip: Ipv4Addr, ip6: Option<Ipv6Addr>, ports: &[Port]) -> Result<(), NftError> {
    nft(&container_ruleset(table, ip, ip6, ports))
}

/// Deletes a container's tables (both families); one already gone is not an error.
pub fn delete_container(table: &str) -> Result<(), NftError> {
    nft(&format!("table ip {table} {{}}\ndelete table ip {table}\ntable ip6 {table} {{}}\ndelete table ip6 {table}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Proto;

    #[test]
    fn base_rules_per_network() {
        let a = Network {
            name: "a".into(),
            bridge: "tsa".into(),
            subnet: "10.1.0.0/24".parse().unwrap(),
            gateway: "10.1.0.1".parse().unwrap(),
            subnet6: None,
            gateway6: None,
            mtu: 1500,
            created: "t".into(),
            labels: Default::default(),
        };
        let b = Network {
            name: "b".into(),
            bridge: "tsb".into(),
            subnet: "10.2.0.0/24".parse().unwrap(),
            gateway: "10.2.0.1".parse().unwrap(),
            subnet6: None,
            gateway6: None,
            mtu: 1500,
            created: "t".into(),
            labels: Default::default(),
        };
        let s = base_ruleset(&[a.clone(), b.clone()]);
        assert!(s.ends_with("table ip6 tsc-box {}\ndelete table ip6 tsc-box\n"), "no IPv6 table without an IPv6 network");
        let mut b6 = b;
        b6.subnet6 = Some("fd00:2::/64".parse().unwrap());
        let s6 = base_ruleset(&[a, b6]);
        assert!(s6.contains("table ip6 tsc-box {\n"));
        assert!(s6.contains("ip6 saddr fd00:2::/64 oifname != \"tsb\" masquerade"));
        assert_eq!(s6.matches("iifname \"tsb\" oifname { \"tsa\" } drop").count(), 2, "isolated in both families");
        assert!(s.starts_with("table ip tsc-box {}\ndelete table ip tsc-box\n"));
        assert!(s.contains("ip saddr 10.1.0.0/24 oifname != \"tsa\" masquerade"));
        assert!(s.contains("iifname \"tsa\" oifname { \"tsb\" } drop"));
        assert!(s.contains("iifname \"tsa\" tcp flags syn / syn,rst tcp option maxseg size set rt mtu"));
        assert!(s.contains("iifname \"tsb\" oifname { \"tsa\" } drop"));
        // The host's loopback is closed to every bridge, in input (after the NAT hooks) and
        // only for connections the host did not DNAT itself; IPv4 only.
        assert!(s.contains("chain input {\n    type filter hook input priority filter; policy accept;\n"));
        for br in ["tsa", "tsb"] {
            assert!(s.contains(&format!("iifname \"{br}\" ip daddr 127.0.0.0/8 ct status & dnat == 0 drop")));
            assert!(s.contains(&format!("iifname \"{br}\" ip saddr 127.0.0.0/8 drop")));
        }
        assert!(!s6.split("table ip6").nth(2).unwrap_or("").contains("127.0.0.0/8"));
    }

    #[test]
    fn container_rules() {
        let ports = [
            Port { host_ip: None, host_port: 8080, container_port: 80, proto: Proto::Tcp },
            Port { host_ip: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)), host_port: 5353, container_port: 53, proto: Proto::Udp },
            Port { host_ip: Some(IpAddr::V6(Ipv6Addr::LOCALHOST)), host_port: 8081, container_port: 81, proto: Proto::Tcp },
            Port { host_ip: Some("fd00::5".parse().unwrap()), host_port: 8082, container_port: 82, proto: Proto::Tcp },
        ];
        let s = container_ruleset("tsc-box-c-1", Ipv4Addr::new(10, 1, 0, 2), None, &ports);
        assert_eq!(s.matches("fib daddr type local tcp dport 8080 dnat to 10.1.0.2:80").count(), 2);
        assert_eq!(s.matches("ip daddr 127.0.0.1 udp dport 5353 dnat to 10.1.0.2:53").count(), 2);
        assert!(!s.contains("ip6"), "no IPv6 rules for a container without IPv6");
        let s = container_ruleset("tsc-box-c-1", Ipv4Addr::new(10, 1, 0, 2), Some("fd00:1::2".parse().unwrap()), &ports);
        assert_eq!(s.matches("ip6 daddr != ::1 fib daddr type local tcp dport 8080 dnat to [fd00:1::2]:80").count(), 2);
        assert_eq!(s.matches("ip6 daddr fd00::5 tcp dport 8082 dnat to [fd00:1::2]:82").count(), 2);
        assert!(!s.contains("8081"), "[::1] is proxied, not NATed");
        assert!(!s.contains("dport 8082 dnat to 10.1.0.2"), "an IPv6 host address is not an IPv4 rule");
    }
}
