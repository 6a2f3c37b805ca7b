//! Whether the host has IPv6 (networks stay IPv4-only where it does not, and say why), and
//! the host's own IPv6 routes, which a new network's subnet must not overlap.

use std::fs;

use crate::cidr6::Cidr6;

const IF_INET6: &str = "/proc/net/if_inet6";
const DISABLE_ALL: &str = "/proc/sys/net/ipv6/conf/all/disable_ipv6";

/// None when the host has IPv6; else why not, as `network inspect` shows it.
pub fn unavailable() -> Option<String> {
    if std::env::var_os("TSC_BOX_DISABLE_IPV6").is_some_and(|v| v == "1") {
        return Some("IPv6 turned off by TSC_BOX_DISABLE_IPV6=1".into());
    }
    if fs::metadata(IF_INET6).is_err() {
        return Some(format!("the kernel has no IPv6 ({IF_INET6} is missing)"));
    }
    match fs::read_to_string(DISABLE_ALL) {
        Ok(v) if v.trim() == "0" => None,
        Ok(_) => Some(format!("IPv6 is disabled on the host ({DISABLE_ALL} = 1)")),
        Err(e) => Some(format!("cannot read {DISABLE_ALL}: {e}")),
    }
}

/// The host's IPv6 routes with a prefix between 1 and 127, not link-local or multicast.
pub fn host_routes6() -> Vec<(String, Cidr6)> {
    parse_routes6(&fs::read_to_string("/proc/net/ipv6_route").unwrap_or_default())
}

fn parse_routes6(text: &str) -> Vec<(String, Cidr6)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            continue;
        }
        let (Ok(dst), Ok(prefix)) = (u128::from_str_radix(f[0], 16), u8::from_str_radix(f[1], 16)) else { continue };
        if prefix == 0 || prefix >= 128 {
            continue;
        }
        let addr = std::net::Ipv6Addr::from(dst);
        let first = addr.segments()[0];
        if first & 0xffc0 == 0xfe80 || first & 0xff00 == 0xff00 {
            continue;
        }
        out.push((f[9].to_string(), Cidr6 { addr, prefix }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_net_ipv6_route() {
        let text = "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n\
                    fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n\
                    00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001       lo\n\
                    00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n";
        assert_eq!(parse_routes6(text), vec![("eth0".to_string(), "fd00::/64".parse().unwrap())]);
    }
}
