//! Refuse resource values the kernel would reject or that make no sense, before anything is
//! written, with an error naming the OCI field.
use oci_spec::runtime::{LinuxDeviceCgroup, LinuxResources};
use std::collections::BTreeSet;

/// Below this a container cannot even start its init; docker uses the same floor.
pub const MEMORY_FLOOR: i64 = 6 * 1024 * 1024;
/// The kernel's bounds for cpu.cfs_period_us / cpu.max's period (1 ms .. 1 s).
pub const PERIOD_MIN: u64 = 1_000;
pub const PERIOD_MAX: u64 = 1_000_000;
/// The kernel refuses quotas below 1 ms.
pub const QUOTA_MIN: i64 = 1_000;
/// Largest cpu/mem index accepted in a cpuset list, so a hostile "0-4000000000" stays cheap.
const LIST_MAX: u32 = 1 << 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ValidateError {
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{field} is not supported by tsc-box: {why}")]
    Unsupported { field: &'static str, why: &'static str },
    #[error("{field}: {value:?} is not a valid list (expected e.g. \"0-2,4\")")]
    BadList { field: &'static str, value: String },
    #[error("{field}: {value:?} names {missing:?}, which the host does not have (available: {available})")]
    NotOnHost { field: &'static str, value: String, missing: Vec<u32>, available: String },
}

impl ValidateError {
    /// The OCI field at fault, e.g. "linux.resources.memory.limit".
    pub fn field(&self) -> &'static str {
        match self {
            ValidateError::Invalid { field, .. }
            | ValidateError::Unsupported { field, .. }
            | ValidateError::BadList { field, .. }
            | ValidateError::NotOnHost { field, .. } => field,
        }
    }
}

/// The CPUs and memory nodes this host offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCpus {
    pub cpus: BTreeSet<u32>,
    pub mems: BTreeSet<u32>,
}

impl HostCpus {
    /// Read the online CPUs and memory nodes from sysfs.
    pub fn read() -> std::io::Result<HostCpus> {
        let cpus = std::fs::read_to_string("/sys/devices/system/cpu/online")?;
        // Kernels without NUMA have no node directory: node 0 is the only one.
        let mems = std::fs::read_to_string("/sys/devices/system/node/online").unwrap_or_else(|_| "0".into());
        let bad = |s: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad cpu list {s:?}"));
        Ok(HostCpus { cpus: parse_list(cpus.trim()).ok_or_else(|| bad(&cpus))?, mems: parse_list(mems.trim()).ok_or_else(|| bad(&mems))? })
    }
}

/// Parse a kernel list like "0-3,5,7-8". None when malformed.
pub fn parse_list(s: &str) -> Option<BTreeSet<u32>> {
    let mut out = BTreeSet::new();
    if s.is_empty() {
        return Some(out);
    }
    for part in s.split(',') {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?),
            None => {
                let v = part.trim().parse::<u32>().ok()?;
                (v, v)
            }
        };
        if a > b || b > LIST_MAX {
            return None;
        }
        out.extend(a..=b);
    }
    Some(out)
}

/// Format a set back into the kernel's list syntax.
pub fn format_list(set: &BTreeSet<u32>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut it = set.iter().copied().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end + 1)) {
            end = it.next().unwrap_or(end);
        }
        out.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
    }
    out.join(",")
}

fn invalid(field: &'static str, message: impl Into<String>) -> ValidateError {
    ValidateError::Invalid { field, message: message.into() }
}

fn check_list(field: &'static str, value: &str, host: &BTreeSet<u32>) -> Result<(), ValidateError> {
    let set = parse_list(value.trim()).ok_or_else(|| ValidateError::BadList { field, value: value.into() })?;
    if set.is_empty() {
        return Err(invalid(field, "must name at least one entry"));
    }
    let missing: Vec<u32> = set.difference(host).copied().collect();
    if !missing.is_empty() {
        return Err(ValidateError::NotOnHost { field, value: value.into(), missing, available: format_list(host) });
    }
    Ok(())
}

/// Check every value tsc-box would write. Fields it cannot honour are refused, not ignored.
#[allow(deprecated)]
pub fn validate(r: &LinuxResources, host: &HostCpus) -> Result<(), ValidateError> {
    if let Some(m) = r.memory() {
        // 0 means "not set", as in runc.
        let limit = m.limit().filter(|l| *l != 0);
        if let Some(l) = limit {
            if l != -1 && l < MEMORY_FLOOR {
                return Err(invalid(
                    "linux.resources.memory.limit",
                    format!("{l} bytes is below the minimum of {MEMORY_FLOOR} bytes (6 MiB), or use -1 for no limit"),
                ));
            }
        }
        if let Some(res) = m.reservation() {
            if res < -1 {
                return Err(invalid("linux.resources.memory.reservation", format!("{res} must be at least 0, or -1 for none")));
            }
            if let Some(l) = limit.filter(|l| *l > 0) {
                if res > l {
                    return Err(invalid("linux.resources.memory.reservation", format!("{res} is above the memory limit {l}")));
                }
            }
        }
        if let Some(s) = m.swap() {
            if s != -1 && s != 0 {
                match limit {
                    Some(l) if l > 0 && s < l => {
                        return Err(invalid(
                            "linux.resources.memory.swap",
                            format!("{s} is the memory+swap total and must be at least the memory limit {l}, or -1 for unlimited swap"),
                        ))
                    }
                    Some(l) if l > 0 => {}
                    _ => return Err(invalid("linux.resources.memory.swap", "needs a memory limit (memory.limit) as well")),
                }
            }
        }
        if let Some(sw) = m.swappiness() {
            if sw > 100 {
                return Err(invalid("linux.resources.memory.swappiness", format!("{sw} must be between 0 and 100")));
            }
        }
        // kernel and kernelTCP are ignored, as runc 1.1 does (Manager::ignored says so): the
        // spec calls them optional and not recommended, and Linux 5.4 dropped kmem limits.
    }
    if let Some(c) = r.cpu() {
        if let Some(s) = c.shares() {
            if s != 0 && !(2..=262_144).contains(&s) {
                return Err(invalid("linux.resources.cpu.shares", format!("{s} must be between 2 and 262144")));
            }
        }
        if let Some(p) = c.period() {
            if !(PERIOD_MIN..=PERIOD_MAX).contains(&p) {
                return Err(invalid("linux.resources.cpu.period", format!("{p} µs must be between {PERIOD_MIN} and {PERIOD_MAX} µs")));
            }
        }
        if let Some(q) = c.quota() {
            if q != -1 && q != 0 && q < QUOTA_MIN {
                return Err(invalid("linux.resources.cpu.quota", format!("{q} µs must be at least {QUOTA_MIN} µs, or -1 for no limit")));
            }
        }
        if c.realtime_runtime().is_some() || c.realtime_period().is_some() {
            return Err(ValidateError::Unsupported { field: "linux.resources.cpu.realtimeRuntime", why: "real-time CPU bandwidth is not implemented" });
        }
        if c.idle().is_some_and(|i| i != 0) {
            return Err(ValidateError::Unsupported { field: "linux.resources.cpu.idle", why: "not implemented" });
        }
        if c.burst().is_some() {
            return Err(ValidateError::Unsupported { field: "linux.resources.cpu.burst", why: "not implemented" });
        }
        if let Some(cpus) = c.cpus().as_deref().filter(|s| !s.is_empty()) {
            check_list("linux.resources.cpu.cpus", cpus, &host.cpus)?;
        }
        if let Some(mems) = c.mems().as_deref().filter(|s| !s.is_empty()) {
            check_list("linux.resources.cpu.mems", mems, &host.mems)?;
        }
    }
    if let Some(p) = r.pids() {
        if p.limit() < -1 {
            return Err(invalid("linux.resources.pids.limit", format!("{} must be positive, or -1 for no limit", p.limit())));
        }
    }
    if let Some(b) = r.block_io() {
        if let Some(w) = b.weight() {
            if w != 0 && !(10..=1000).contains(&w) {
                return Err(invalid("linux.resources.blockIO.weight", format!("{w} must be between 10 and 1000")));
            }
        }
        if b.leaf_weight().is_some() {
            return Err(ValidateError::Unsupported {
                field: "linux.resources.blockIO.leafWeight",
                why: "it only existed for the CFQ scheduler, which Linux removed",
            });
        }
        if b.weight_device().as_ref().is_some_and(|v| !v.is_empty()) {
            return Err(ValidateError::Unsupported { field: "linux.resources.blockIO.weightDevice", why: "not implemented" });
        }
        let throttles = [
            ("linux.resources.blockIO.throttleReadBpsDevice", b.throttle_read_bps_device()),
            ("linux.resources.blockIO.throttleWriteBpsDevice", b.throttle_write_bps_device()),
            ("linux.resources.blockIO.throttleReadIOPSDevice", b.throttle_read_iops_device()),
            ("linux.resources.blockIO.throttleWriteIOPSDevice", b.throttle_write_iops_device()),
        ];
        for (field, list) in throttles {
            for d in list.iter().flatten() {
                if d.major() < 0 || d.minor() < 0 {
                    return Err(invalid(field, format!("device {}:{} has a negative number", d.major(), d.minor())));
                }
            }
        }
    }
    if let Some(devs) = r.devices() {
        for d in devs {
            check_device(d)?;
        }
    }
    if r.hugepage_limits().as_ref().is_some_and(|v| !v.is_empty()) {
        return Err(ValidateError::Unsupported { field: "linux.resources.hugepageLimits", why: "not implemented" });
    }
    if r.network().is_some() {
        return Err(ValidateError::Unsupported { field: "linux.resources.network", why: "not implemented" });
    }
    if r.rdma().as_ref().is_some_and(|m| !m.is_empty()) {
        return Err(ValidateError::Unsupported { field: "linux.resources.rdma", why: "not implemented" });
    }
    if let Some(u) = r.unified() {
        for key in u.keys() {
            // A key is a file name in the container's own cgroup directory, nothing else.
            let ok = key.contains('.') && !key.contains('/') && !key.starts_with('.') && !key.starts_with("cgroup.");
            if !ok {
                return Err(invalid("linux.resources.unified", format!("{key:?} is not a controller file name")));
            }
        }
    }
    Ok(())
}

fn check_device(d: &LinuxDeviceCgroup) -> Result<(), ValidateError> {
    let field = "linux.resources.devices";
    if let Some(a) = d.access() {
        if a.is_empty() || !a.chars().all(|c| matches!(c, 'r' | 'w' | 'm')) {
            return Err(invalid(field, format!("access {a:?} must be made of the letters r, w and m")));
        }
    }
    if d.major().is_some_and(|m| m < 0) || d.minor().is_some_and(|m| m < 0) {
        return Err(invalid(field, "major and minor must not be negative (omit them to match all)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::{LinuxCpuBuilder, LinuxMemoryBuilder, LinuxPidsBuilder, LinuxResourcesBuilder};

    fn host() -> HostCpus {
        HostCpus { cpus: parse_list("0-1").unwrap(), mems: parse_list("0").unwrap() }
    }

    fn field_of(e: ValidateError) -> &'static str {
        e.field()
    }

    #[test]
    fn lists() {
        assert_eq!(format_list(&parse_list("0-3,5,7-8").unwrap()), "0-3,5,7-8");
        assert_eq!(format_list(&parse_list("3,1,2").unwrap()), "1-3");
        assert!(parse_list("3-1").is_none());
        assert!(parse_list("a").is_none());
        assert!(parse_list("0-4000000000").is_none());
    }

    #[test]
    fn memory_floor() {
        let r = LinuxResourcesBuilder::default().memory(LinuxMemoryBuilder::default().limit(1024).build().unwrap()).build().unwrap();
        assert_eq!(field_of(validate(&r, &host()).unwrap_err()), "linux.resources.memory.limit");
        let r = LinuxResourcesBuilder::default().memory(LinuxMemoryBuilder::default().limit(32 << 20).swap(64 << 20).build().unwrap()).build().unwrap();
        assert!(validate(&r, &host()).is_ok());
        let r = LinuxResourcesBuilder::default().memory(LinuxMemoryBuilder::default().limit(32 << 20).swap(16 << 20).build().unwrap()).build().unwrap();
        assert_eq!(field_of(validate(&r, &host()).unwrap_err()), "linux.resources.memory.swap");
    }

    #[test]
    fn cpu_values() {
        let r = LinuxResourcesBuilder::default().cpu(LinuxCpuBuilder::default().quota(50_000).period(0u64).build().unwrap()).build().unwrap();
        assert_eq!(field_of(validate(&r, &host()).unwrap_err()), "linux.resources.cpu.period");
        let r = LinuxResourcesBuilder::default().cpu(LinuxCpuBuilder::default().quota(10).build().unwrap()).build().unwrap();
        assert_eq!(field_of(validate(&r, &host()).unwrap_err()), "linux.resources.cpu.quota");
        let r = LinuxResourcesBuilder::default().cpu(LinuxCpuBuilder::default().cpus("99").build().unwrap()).build().unwrap();
        let e = validate(&r, &host()).unwrap_err();
        assert!(e.to_string().contains("99"), "{e}");
        assert_eq!(field_of(e), "linux.resources.cpu.cpus");
        let r = LinuxResourcesBuilder::default().cpu(LinuxCpuBuilder::default().cpus("0").quota(50_000).period(100_000u64).build().unwrap()).build().unwrap();
        assert!(validate(&r, &host()).is_ok());
    }

    #[test]
    fn pids_values() {
        let r = LinuxResourcesBuilder::default().pids(LinuxPidsBuilder::default().limit(-5).build().unwrap()).build().unwrap();
        assert_eq!(field_of(validate(&r, &host()).unwrap_err()), "linux.resources.pids.limit");
        let r = LinuxResourcesBuilder::default().pids(LinuxPidsBuilder::default().limit(-1).build().unwrap()).build().unwrap();
        assert!(validate(&r, &host()).is_ok());
    }

    #[test]
    fn unified_keys() {
        let mut u = std::collections::HashMap::new();
        u.insert("../../etc/x".to_string(), "1".to_string());
        let r = LinuxResourcesBuilder::default().unified(u).build().unwrap();
        assert_eq!(field_of(validate(&r, &host()).unwrap_err()), "linux.resources.unified");
    }
}
