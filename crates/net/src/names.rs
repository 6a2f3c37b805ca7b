//! Deterministic names for what a container gets on a network: short enough for interface
//! names (15 bytes) and nftables identifiers, derived from the container id and network so
//! that a reconcile can find them again.

/// FNV-1a, 64 bits: stable across versions, no dependency.
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// The host end of the container's veth: "tsb" + 12 hex digits.
pub fn host_veth(id: &str, network: &str) -> String {
    format!("tsb{:012x}", fnv(&[id, network]) & 0xffff_ffff_ffff)
}

/// The nftables table of the container's published ports on this network.
pub fn nft_table(id: &str, network: &str) -> String {
    format!("tsc-box-c-{:016x}", fnv(&[id, network]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_stable_distinct() {
        let v = host_veth("abc", "bridge");
        assert_eq!(v.len(), 15);
        crate::netlink::check_name(&v).unwrap();
        assert_eq!(v, host_veth("abc", "bridge"));
        assert_ne!(v, host_veth("abc", "other"));
        assert_ne!(nft_table("a", "bc"), nft_table("ab", "c"));
    }
}
