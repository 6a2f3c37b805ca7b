//! `tsc-box-runtime update [--resources FILE|-] [--memory N ...] ID`: change the limits of a
//! created or running container, like `runc update`. Values are OCI units (bytes, µs,
//! shares), given as plain integers; -1 means unlimited where the OCI spec allows it.
use std::io::Read;
use std::path::{Path, PathBuf};

use tsc_box_cgroups::oci_spec::runtime::{LinuxBlockIo, LinuxCpu, LinuxMemory, LinuxPids, LinuxResources};
use tsc_box_cgroups::ManagerError;
use tsc_box_core::kind::Kind;
use tsc_box_core::state::{StateDir, StateError, Status};

/// A resources document is a few hundred bytes; anything far larger is not one.
const MAX_RESOURCES_BYTES: u64 = 1 << 20;

#[derive(clap::Args, Debug)]
pub struct UpdateArgs {
    /// JSON file of OCI linux.resources to apply ("-" reads stdin); flags override its values
    #[arg(short = 'r', long, value_name = "FILE")]
    pub resources: Option<PathBuf>,
    /// Memory limit in bytes, or with a unit as runc takes it (64m, 1g; -1: unlimited)
    #[arg(long, allow_negative_numbers = true, value_parser = ram_in_bytes)]
    pub memory: Option<i64>,
    /// Memory soft limit in bytes (or with a unit)
    #[arg(long, allow_negative_numbers = true, value_parser = ram_in_bytes)]
    pub memory_reservation: Option<i64>,
    /// Memory plus swap limit in bytes (or with a unit; -1: unlimited swap)
    #[arg(long, allow_negative_numbers = true, value_parser = ram_in_bytes)]
    pub memory_swap: Option<i64>,
    /// Obsolete, as in runc: accepted and ignored
    #[arg(long, allow_negative_numbers = true, value_parser = ram_in_bytes)]
    pub kernel_memory: Option<i64>,
    /// Obsolete, as in runc: accepted and ignored
    #[arg(long, allow_negative_numbers = true, value_parser = ram_in_bytes)]
    pub kernel_memory_tcp: Option<i64>,
    /// Real-time period in µs (refused unless 0: real-time CPU bandwidth is not supported)
    #[arg(long)]
    pub cpu_rt_period: Option<u64>,
    /// Real-time runtime in µs (refused unless 0)
    #[arg(long, allow_negative_numbers = true)]
    pub cpu_rt_runtime: Option<i64>,
    /// Intel RDT L3 cache schema: refused, Intel RDT is not supported
    #[arg(long)]
    pub l3_cache_schema: Option<String>,
    /// Intel RDT memory bandwidth schema: refused, Intel RDT is not supported
    #[arg(long)]
    pub mem_bw_schema: Option<String>,
    /// CPU shares (relative weight)
    #[arg(long, alias = "cpu-share")]
    pub cpu_shares: Option<u64>,
    /// CFS quota in µs per period (-1: unlimited)
    #[arg(long, allow_negative_numbers = true)]
    pub cpu_quota: Option<i64>,
    /// CFS period in µs
    #[arg(long)]
    pub cpu_period: Option<u64>,
    /// CPUs the container may use, e.g. 0-2,4
    #[arg(long)]
    pub cpuset_cpus: Option<String>,
    /// Memory nodes the container may use
    #[arg(long)]
    pub cpuset_mems: Option<String>,
    /// Maximum number of processes (-1: unlimited)
    #[arg(long, allow_negative_numbers = true)]
    pub pids_limit: Option<i64>,
    /// Block IO weight, 10 to 1000
    #[arg(long)]
    pub blkio_weight: Option<u16>,
    /// The container
    pub id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("cannot read the resources file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the resources file {path} is larger than {MAX_RESOURCES_BYTES} bytes")]
    TooLarge { path: String },
    #[error("the resources file {path} is not valid OCI linux.resources: {source}")]
    Parse {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("nothing to update: give --resources or at least one limit flag")]
    Nothing,
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("container {0:?} is stopped")]
    Stopped(String),
    #[error("container {0:?} has no cgroup")]
    NoCgroup(String),
    #[error(transparent)]
    Cgroup(#[from] ManagerError),
}

impl UpdateError {
    pub fn kind(&self) -> Kind {
        match self {
            UpdateError::State(e) => e.kind(),
            UpdateError::Read { .. } | UpdateError::TooLarge { .. } | UpdateError::Parse { .. } | UpdateError::Nothing | UpdateError::Unsupported(_) => {
                Kind::Config
            }
            UpdateError::Stopped(_) | UpdateError::NoCgroup(_) => Kind::State,
            UpdateError::Cgroup(e) if e.is_invalid_input() => Kind::Config,
            UpdateError::Cgroup(_) => Kind::Cgroup,
        }
    }
}

fn read_resources(path: &Path) -> Result<LinuxResources, UpdateError> {
    let shown = path.display().to_string();
    let err = |source| UpdateError::Read { path: shown.clone(), source };
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin().take(MAX_RESOURCES_BYTES + 1).read_to_string(&mut text).map_err(err)?;
    } else {
        std::fs::File::open(path).map_err(err)?.take(MAX_RESOURCES_BYTES + 1).read_to_string(&mut text).map_err(err)?;
    }
    if text.len() as u64 > MAX_RESOURCES_BYTES {
        return Err(UpdateError::TooLarge { path: shown });
    }
    serde_json::from_str(&text).map_err(|source| UpdateError::Parse { path: shown, source })
}

/// A size as runc's update takes it (go-units' RAMInBytes): a number with an optional
/// binary unit, b, k, m, g, t or p (with or without a trailing "b"), case-insensitive; -1.
fn ram_in_bytes(s: &str) -> Result<i64, String> {
    if s == "-1" {
        return Ok(-1);
    }
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("invalid size {s:?}"))?;
    let shift = match unit.trim_end_matches("ib").trim_end_matches('b') {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        "p" => 50,
        _ => return Err(format!("invalid size {s:?}: unknown unit {unit:?}")),
    };
    let v = n * (1u64 << shift) as f64;
    if !v.is_finite() || v < 0.0 || v > i64::MAX as f64 {
        return Err(format!("invalid size {s:?}"));
    }
    Ok(v as i64)
}

/// The file's resources with every given flag laid over them.
pub fn merged(a: &UpdateArgs, base: LinuxResources) -> LinuxResources {
    let mut r = base;
    if a.memory.is_some() || a.memory_reservation.is_some() || a.memory_swap.is_some() {
        let mut m: LinuxMemory = r.memory().unwrap_or_default();
        if let Some(v) = a.memory {
            m.set_limit(Some(v));
        }
        if let Some(v) = a.memory_reservation {
            m.set_reservation(Some(v));
        }
        if let Some(v) = a.memory_swap {
            m.set_swap(Some(v));
        }
        r.set_memory(Some(m));
    }
    if a.kernel_memory.is_some() || a.kernel_memory_tcp.is_some() {
        let mut m: LinuxMemory = r.memory().unwrap_or_default();
        #[allow(deprecated)]
        {
            m.set_kernel(a.kernel_memory);
            m.set_kernel_tcp(a.kernel_memory_tcp);
        }
        r.set_memory(Some(m));
    }
    let cpu_flags = a.cpu_shares.is_some()
        || a.cpu_quota.is_some()
        || a.cpu_period.is_some()
        || a.cpuset_cpus.is_some()
        || a.cpuset_mems.is_some()
        || a.cpu_rt_period.is_some()
        || a.cpu_rt_runtime.is_some();
    if cpu_flags {
        let mut c: LinuxCpu = r.cpu().clone().unwrap_or_default();
        if let Some(v) = a.cpu_shares {
            c.set_shares(Some(v));
        }
        if let Some(v) = a.cpu_quota {
            c.set_quota(Some(v));
        }
        if let Some(v) = a.cpu_period {
            c.set_period(Some(v));
        }
        if let Some(v) = &a.cpuset_cpus {
            c.set_cpus(Some(v.clone()));
        }
        if let Some(v) = &a.cpuset_mems {
            c.set_mems(Some(v.clone()));
        }
        if let Some(v) = a.cpu_rt_period {
            c.set_realtime_period(Some(v));
        }
        if let Some(v) = a.cpu_rt_runtime {
            c.set_realtime_runtime(Some(v));
        }
        r.set_cpu(Some(c));
    }
    if let Some(v) = a.pids_limit {
        let mut p = LinuxPids::default();
        p.set_limit(v);
        r.set_pids(Some(p));
    }
    if let Some(v) = a.blkio_weight {
        let mut b: LinuxBlockIo = r.block_io().clone().unwrap_or_default();
        b.set_weight(Some(v));
        r.set_block_io(Some(b));
    }
    r
}

/// What `runc update` takes from a resources document, read its way: a zero means "leave
/// as it is" (docker sends `"kernel":0`, `"cpu":{"period":0,...}` for what it does not
/// change), kernel memory is ignored, and device rules are never touched (the CRI's
/// UpdateContainerResources sends `devices: [{allow:false, access:rwm}]`; applied literally
/// it would take /dev/null away). Also returns what was left out, for the log.
#[allow(deprecated)]
pub fn as_runc_reads(r: &LinuxResources) -> (LinuxResources, Vec<String>) {
    let mut out = LinuxResources::default();
    let mut skipped = Vec::new();
    if let Some(m) = r.memory() {
        let nz = |v: Option<i64>| v.filter(|v| *v != 0);
        let mut n = LinuxMemory::default();
        n.set_limit(nz(m.limit()));
        n.set_reservation(nz(m.reservation()));
        n.set_swap(nz(m.swap()));
        if nz(m.kernel()).is_some() || nz(m.kernel_tcp()).is_some() {
            skipped.push("memory.kernel and memory.kernelTCP are ignored (kernel memory limits are not applied, as runc)".into());
        }
        if m.swappiness().is_some() || m.disable_oom_killer().is_some() || m.use_hierarchy().is_some() || m.check_before_update().is_some() {
            skipped.push("memory.swappiness, disableOOMKiller, useHierarchy and checkBeforeUpdate are set at create only (as runc)".into());
        }
        if n != LinuxMemory::default() {
            out.set_memory(Some(n));
        }
    }
    if let Some(c) = r.cpu() {
        let mut n = LinuxCpu::default();
        n.set_shares(c.shares().filter(|v| *v != 0));
        n.set_quota(c.quota().filter(|v| *v != 0));
        n.set_period(c.period().filter(|v| *v != 0));
        n.set_realtime_runtime(c.realtime_runtime().filter(|v| *v != 0));
        n.set_realtime_period(c.realtime_period().filter(|v| *v != 0));
        n.set_cpus(c.cpus().clone().filter(|v| !v.is_empty()));
        n.set_mems(c.mems().clone().filter(|v| !v.is_empty()));
        if c.idle().is_some() || c.burst().is_some() {
            skipped.push("cpu.idle and cpu.burst are set at create only".into());
        }
        if n != LinuxCpu::default() {
            out.set_cpu(Some(n));
        }
    }
    if let Some(w) = r.block_io().as_ref().and_then(|b| b.weight()).filter(|w| *w != 0) {
        let mut b = LinuxBlockIo::default();
        b.set_weight(Some(w));
        out.set_block_io(Some(b));
    }
    if let Some(p) = r.pids().filter(|p| p.limit() != 0) {
        out.set_pids(Some(p));
    }
    if let Some(u) = r.unified().as_ref().filter(|u| !u.is_empty()) {
        out.set_unified(Some(u.clone()));
    }
    if r.devices().as_ref().is_some_and(|d| !d.is_empty()) {
        skipped.push("devices: device rules are not changed by update (as runc); the container keeps the ones it was created with".into());
    }
    if r.hugepage_limits().is_some() || r.network().is_some() || r.rdma().is_some() {
        skipped.push("hugepageLimits, network and rdma are not changed by update (as runc)".into());
    }
    (out, skipped)
}

pub fn run(root: &Path, a: &UpdateArgs, log: &crate::log::Logger) -> Result<(), UpdateError> {
    if a.l3_cache_schema.is_some() || a.mem_bw_schema.is_some() {
        return Err(UpdateError::Unsupported("Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported"));
    }
    if a.resources.is_none() && merged(a, LinuxResources::default()) == LinuxResources::default() {
        return Err(UpdateError::Nothing);
    }
    let base = match &a.resources {
        Some(p) => read_resources(p)?,
        None => LinuxResources::default(),
    };
    let (r, skipped) = as_runc_reads(&merged(a, base));
    for s in skipped {
        // runc warns about kernel memory; what engines routinely send (devices) is debug.
        if s.starts_with("memory.kernel") {
            log.warn(&format!("update {}: {s}", a.id));
        } else {
            log.debug(&format!("update {}: {s}", a.id));
        }
    }
    // Held locked so a concurrent delete cannot remove the cgroup under us.
    let dir = StateDir::open(root, &a.id)?;
    let rec = dir.load()?;
    if dir.status(&rec) == Status::Stopped {
        return Err(UpdateError::Stopped(a.id.clone()));
    }
    let cg = rec.cgroup.ok_or_else(|| UpdateError::NoCgroup(a.id.clone()))?;
    let r = with_current_memory_limit(r, || cg.stats().ok().and_then(|s| s.memory.limit));
    // A document with nothing to change (all zeros) succeeds without touching the cgroup.
    if r != LinuxResources::default() {
        cg.apply(&r)?;
    }
    Ok(())
}

/// `update --memory-swap N` alone (runc's suite does it on v1) means memory+swap N over the
/// memory limit the container has: that limit is filled in from the cgroup (`current`), so
/// the pair is checked and written together (v2's memory.swap.max is N minus it). Without a
/// limit in place it stays missing, and validation says the swap needs one.
fn with_current_memory_limit(mut r: LinuxResources, current: impl FnOnce() -> Option<u64>) -> LinuxResources {
    if let Some(m) = (*r.memory()).filter(|m| m.swap().is_some_and(|s| s > 0) && m.limit().is_none()) {
        if let Some(l) = current().and_then(|l| i64::try_from(l).ok()) {
            let mut m = m;
            m.set_limit(Some(l));
            r.set_memory(Some(m));
        }
    }
    r
}

impl From<UpdateError> for crate::error::CmdError {
    fn from(e: UpdateError) -> Self {
        crate::error::CmdError::other(e.kind(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        a: UpdateArgs,
    }

    #[test]
    fn flags_override_file_values() {
        let cli = Cli::try_parse_from(["x", "--memory", "134217728", "--memory-swap", "-1", "--pids-limit", "20", "--cpu-quota", "-1", "c1"]).unwrap();
        let base: LinuxResources = serde_json::from_str(r#"{"memory":{"limit":1,"reservation":5},"cpu":{"shares":512}}"#).unwrap();
        let r = merged(&cli.a, base);
        let m = r.memory().unwrap();
        assert_eq!((m.limit(), m.reservation(), m.swap()), (Some(134217728), Some(5), Some(-1)));
        assert_eq!(r.pids().unwrap().limit(), 20);
        assert_eq!(r.cpu().as_ref().unwrap().shares(), Some(512));
        assert_eq!(r.cpu().as_ref().unwrap().quota(), Some(-1));
        assert_eq!(cli.a.id, "c1");
    }

    #[test]
    fn sizes_take_runcs_units() {
        assert_eq!(ram_in_bytes("64m"), Ok(64 << 20));
        assert_eq!(ram_in_bytes("1G"), Ok(1 << 30));
        assert_eq!(ram_in_bytes("512KiB"), Ok(512 << 10));
        assert_eq!(ram_in_bytes("1000"), Ok(1000));
        assert_eq!(ram_in_bytes("-1"), Ok(-1));
        assert!(ram_in_bytes("12x").is_err() && ram_in_bytes("m").is_err());
        let cli = Cli::try_parse_from(["x", "--memory", "128m", "--kernel-memory", "1m", "c1"]).unwrap();
        assert_eq!(cli.a.memory, Some(128 << 20));
    }

    #[test]
    fn no_flags_is_nothing() {
        let cli = Cli::try_parse_from(["x", "c1"]).unwrap();
        let log = crate::log::Logger::open(None, crate::cli::LogFormat::Text, false);
        assert!(matches!(run(Path::new("/nonexistent"), &cli.a, &log), Err(UpdateError::Nothing)));
    }

    #[test]
    fn dockers_document_zeros_mean_unset() {
        // What dockerd sends for `docker update --memory 64m` (Go encodes every field).
        let doc = r#"{"memory":{"limit":67108864,"reservation":0,"swap":134217728,"kernel":0,"kernelTCP":0},
            "cpu":{"shares":0,"quota":0,"period":0,"realtimeRuntime":0,"realtimePeriod":0,"cpus":"","mems":""},
            "blockIO":{"weight":0},"pids":{"limit":0}}"#;
        let (r, skipped) = as_runc_reads(&serde_json::from_str(doc).unwrap());
        let m = r.memory().unwrap();
        assert_eq!((m.limit(), m.reservation(), m.swap()), (Some(67108864), None, Some(134217728)));
        assert!(r.cpu().is_none() && r.block_io().is_none() && r.pids().is_none(), "{r:?}");
        assert!(skipped.is_empty(), "{skipped:?}");
        let (_, skipped) = as_runc_reads(&serde_json::from_str(r#"{"memory":{"kernel":1048576}}"#).unwrap());
        assert_eq!(skipped.len(), 1);
    }

    #[test]
    fn the_cris_device_rules_are_left_alone() {
        let doc = r#"{"devices":[{"allow":false,"access":"rwm"}],"cpu":{"shares":512}}"#;
        let (r, skipped) = as_runc_reads(&serde_json::from_str(doc).unwrap());
        assert!(r.devices().is_none());
        assert_eq!(r.cpu().as_ref().unwrap().shares(), Some(512));
        assert!(skipped[0].starts_with("devices:"), "{skipped:?}");
    }

    #[test]
    fn swap_alone_is_read_against_the_current_memory_limit() {
        let swap_only: LinuxResources = serde_json::from_str(r#"{"memory":{"swap":96468992}}"#).unwrap();
        let r = with_current_memory_limit(swap_only.clone(), || Some(52428800));
        let m = r.memory().unwrap();
        assert_eq!((m.limit(), m.swap()), (Some(52428800), Some(96468992)));
        // No limit in place: left missing, for validation to refuse.
        assert_eq!(with_current_memory_limit(swap_only, || None), serde_json::from_str(r#"{"memory":{"swap":96468992}}"#).unwrap());
        // A limit given, or swap -1 (unlimited): untouched, and the cgroup is not read.
        for doc in [r#"{"memory":{"limit":1,"swap":2}}"#, r#"{"memory":{"swap":-1}}"#, r#"{"pids":{"limit":3}}"#] {
            let r: LinuxResources = serde_json::from_str(doc).unwrap();
            assert_eq!(with_current_memory_limit(r.clone(), || panic!("read for {doc}")), r);
        }
    }
}
