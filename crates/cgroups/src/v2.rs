//! Writing limits to, and reading usage from, one cgroup v2 directory.
use crate::fsio::{self, FileError};
use crate::stats::{CpuStats, MemoryStats, PidsStats, Stats};
use oci_spec::runtime::LinuxResources;
use std::path::Path;
use std::time::{Duration, Instant};

/// The controllers tsc-box enables for a container when the parent offers them.
pub const CONTROLLERS: &[&str] = &["cpu", "cpuset", "io", "memory", "pids"];

#[derive(Debug, thiserror::Error)]
pub enum V2Error {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{field} needs the cgroup v2 {controller} controller, which {dir} does not offer")]
    MissingController { controller: &'static str, field: &'static str, dir: String },
    #[error("{field} is not supported on cgroup v2 hosts: {why}")]
    Unsupported { field: &'static str, why: &'static str },
    #[error("linux.resources.unified: {key:?} is not a file of the container's cgroup")]
    UnknownUnifiedKey { key: String },
    #[error("cgroup.freeze did not take effect within {waited_ms} ms")]
    FreezeTimeout { waited_ms: u128 },
}

/// Make `controllers` available to `leaf` by enabling them in every ancestor's
/// cgroup.subtree_control, from the mount root down to leaf's parent. Controllers a level does
/// not offer are skipped (the apply step reports them if a limit needs them).
pub fn enable_controllers(mount_root: &Path, leaf: &Path, controllers: &[&str]) -> Result<(), V2Error> {
    let Ok(rel) = leaf.strip_prefix(mount_root) else { return Ok(()) };
    let mut dir = mount_root.to_path_buf();
    for comp in rel.components() {
        let offered = fsio::read(&dir.join("cgroup.controllers"))?;
        let enabled = fsio::read(&dir.join("cgroup.subtree_control"))?;
        let missing: Vec<String> = controllers
            .iter()
            .filter(|c| offered.split_whitespace().any(|o| o == **c) && !enabled.split_whitespace().any(|e| e == **c))
            .map(|c| format!("+{c}"))
            .collect();
        if !missing.is_empty() {
            fsio::write(&dir.join("cgroup.subtree_control"), &missing.join(" "))?;
        }
        dir.push(comp);
    }
    Ok(())
}

fn file_of(dir: &Path, controller: &'static str, file: &str, field: &'static str) -> Result<std::path::PathBuf, V2Error> {
    let p = dir.join(file);
    if p.exists() {
        Ok(p)
    } else {
        Err(V2Error::MissingController { controller, field, dir: dir.display().to_string() })
    }
}

/// cpu.shares (2..262144) onto cpu.weight (1..10000), the mapping runc and crun agree on.
pub fn shares_to_weight(shares: u64) -> u64 {
    1 + ((shares.clamp(2, 262_144) - 2) * 9999) / 262_142
}

/// blkio.weight (10..1000) onto io.weight (1..10000).
pub fn blkio_to_io_weight(w: u16) -> u64 {
    1 + ((w.clamp(10, 1000) as u64 - 10) * 9999) / 990
}

/// Apply every limit present in `r` (devices are handled by the eBPF program, not here).
#[allow(deprecated)]
pub fn apply(dir: &Path, r: &LinuxResources) -> Result<(), V2Error> {
    if let Some(m) = r.memory() {
        if let Some(res) = m.reservation() {
            let v = if res < 0 { "max".to_string() } else { res.to_string() };
            fsio::write(&file_of(dir, "memory", "memory.low", "linux.resources.memory.reservation")?, &v)?;
        }
        if let Some(l) = m.limit().filter(|l| *l != 0) {
            let v = if l < 0 { "max".to_string() } else { l.to_string() };
            fsio::write(&file_of(dir, "memory", "memory.max", "linux.resources.memory.limit")?, &v)?;
        }
        if let Some(s) = m.swap().filter(|s| *s != 0) {
            // OCI's swap is memory+swap (v1 semantics); v2 limits swap alone.
            let v = match (s, m.limit()) {
                (-1, _) => "max".to_string(),
                (s, Some(l)) if l > 0 => (s - l).max(0).to_string(),
                _ => return Err(V2Error::Unsupported { field: "linux.resources.memory.swap", why: "it needs memory.limit as well" }),
            };
            let p = dir.join("memory.swap.max");
            if p.exists() {
                fsio::write(&p, &v)?;
            } else if v != "max" && v != "0" {
                return Err(V2Error::Unsupported { field: "linux.resources.memory.swap", why: "the kernel has no swap accounting (no memory.swap.max)" });
            }
        }
        // swappiness and disableOOMKiller have no v2 file: ignored as runc ignores them
        // there (Manager::ignored names them for the log).
    }
    if let Some(c) = r.cpu() {
        if let Some(s) = c.shares().filter(|s| *s != 0) {
            fsio::write(&file_of(dir, "cpu", "cpu.weight", "linux.resources.cpu.shares")?, &shares_to_weight(s).to_string())?;
        }
        let quota = c.quota().filter(|q| *q != 0);
        if quota.is_some() || c.period().is_some() {
            let field = "linux.resources.cpu.quota";
            let p = file_of(dir, "cpu", "cpu.max", field)?;
            let q = match quota {
                Some(q) if q < 0 => "max".to_string(),
                Some(q) => q.to_string(),
                // Only the period changes: keep the quota in place.
                None => fsio::read(&p)?.split_whitespace().next().unwrap_or("max").to_string(),
            };
            let v = match c.period() {
                Some(per) => format!("{q} {per}"),
                None => q,
            };
            fsio::write(&p, &v)?;
        }
        if let Some(cpus) = c.cpus().as_deref().filter(|s| !s.is_empty()) {
            fsio::write(&file_of(dir, "cpuset", "cpuset.cpus", "linux.resources.cpu.cpus")?, cpus)?;
        }
        if let Some(mems) = c.mems().as_deref().filter(|s| !s.is_empty()) {
            fsio::write(&file_of(dir, "cpuset", "cpuset.mems", "linux.resources.cpu.mems")?, mems)?;
        }
    }
    if let Some(p) = r.pids() {
        if p.limit() != 0 {
            let v = if p.limit() < 0 { "max".to_string() } else { p.limit().to_string() };
            fsio::write(&file_of(dir, "pids", "pids.max", "linux.resources.pids.limit")?, &v)?;
        }
    }
    if let Some(b) = r.block_io() {
        if let Some(w) = b.weight().filter(|w| *w != 0) {
            let field = "linux.resources.blockIO.weight";
            if dir.join("io.weight").exists() {
                fsio::write(&dir.join("io.weight"), &format!("default {}", blkio_to_io_weight(w)))?;
            } else if dir.join("io.bfq.weight").exists() {
                fsio::write(&dir.join("io.bfq.weight"), &w.to_string())?;
            } else {
                return Err(V2Error::MissingController { controller: "io", field, dir: dir.display().to_string() });
            }
        }
        let throttles = [
            ("rbps", b.throttle_read_bps_device()),
            ("wbps", b.throttle_write_bps_device()),
            ("riops", b.throttle_read_iops_device()),
            ("wiops", b.throttle_write_iops_device()),
        ];
        for (key, list) in throttles {
            for t in list.iter().flatten() {
                let p = file_of(dir, "io", "io.max", "linux.resources.blockIO.throttle*")?;
                fsio::write(&p, &format!("{}:{} {key}={}", t.major(), t.minor(), t.rate()))?;
            }
        }
    }
    if let Some(u) = r.unified() {
        for (key, value) in u {
            let p = dir.join(key);
            if !p.is_file() {
                return Err(V2Error::UnknownUnifiedKey { key: key.clone() });
            }
            fsio::write(&p, value)?;
        }
    }
    Ok(())
}

pub fn stats(dir: &Path) -> Result<Stats, V2Error> {
    let mut s = Stats::default();
    let cpu = fsio::read_keyed(&dir.join("cpu.stat"))?;
    let us = |k: &str| cpu.get(k).copied().unwrap_or(0) * 1000;
    s.cpu = CpuStats {
        usage_ns: us("usage_usec"),
        user_ns: us("user_usec"),
        system_ns: us("system_usec"),
        periods: cpu.get("nr_periods").copied().unwrap_or(0),
        throttled_periods: cpu.get("nr_throttled").copied().unwrap_or(0),
        throttled_ns: us("throttled_usec"),
    };
    if dir.join("memory.current").exists() {
        let st = fsio::read_keyed(&dir.join("memory.stat"))?;
        let peak = dir.join("memory.peak");
        s.memory = MemoryStats {
            usage: fsio::read_u64(&dir.join("memory.current"))?,
            peak: if peak.exists() { Some(fsio::read_u64(&peak)?) } else { None },
            limit: fsio::read_max(&dir.join("memory.max"))?,
            cache: st.get("file").copied().unwrap_or(0),
            oom_kills: oom_kills(dir)?,
        };
    }
    if dir.join("pids.current").exists() {
        s.pids = PidsStats { current: fsio::read_u64(&dir.join("pids.current"))?, limit: fsio::read_max(&dir.join("pids.max"))? };
    }
    Ok(s)
}

/// The oom_kill counter of memory.events (counts descendants too).
pub fn oom_kills(dir: &Path) -> Result<u64, V2Error> {
    let p = dir.join("memory.events");
    if !p.exists() {
        return Ok(0);
    }
    Ok(fsio::read_keyed(&p)?.get("oom_kill").copied().unwrap_or(0))
}

/// Whether cgroup.events says processes are still inside (this cgroup or below).
pub fn populated(dir: &Path) -> Result<bool, V2Error> {
    Ok(fsio::read_keyed(&dir.join("cgroup.events"))?.get("populated").copied().unwrap_or(0) != 0)
}

/// Freeze or thaw with cgroup.freeze and wait until cgroup.events agrees.
pub fn set_frozen(dir: &Path, frozen: bool) -> Result<(), V2Error> {
    fsio::write(&dir.join("cgroup.freeze"), if frozen { "1" } else { "0" })?;
    let want = frozen as u64;
    let start = Instant::now();
    loop {
        let ev = fsio::read_keyed(&dir.join("cgroup.events"))?;
        if ev.get("frozen").copied().unwrap_or(0) == want {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(2) {
            return Err(V2Error::FreezeTimeout { waited_ms: start.elapsed().as_millis() });
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdir::TestDir;
    use oci_spec::runtime::{LinuxCpuBuilder, LinuxMemoryBuilder, LinuxResourcesBuilder};

    #[test]
    fn weights() {
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(262_144), 10_000);
        assert_eq!(blkio_to_io_weight(10), 1);
        assert_eq!(blkio_to_io_weight(1000), 10_000);
    }

    #[test]
    fn stats_from_fixture() {
        let t = TestDir::new("v2-stats");
        let d = t.dir("c");
        t.file(&d, "cpu.stat", "usage_usec 1000000\nuser_usec 700000\nsystem_usec 300000\nnr_periods 20\nnr_throttled 10\nthrottled_usec 500000\n");
        t.file(&d, "memory.current", "8192\n");
        t.file(&d, "memory.peak", "33554432\n");
        t.file(&d, "memory.max", "33554432\n");
        t.file(&d, "memory.stat", "anon 4096\nfile 4096\n");
        t.file(&d, "memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
        t.file(&d, "pids.current", "2\n");
        t.file(&d, "pids.max", "10\n");
        let s = stats(&d).unwrap();
        assert_eq!(s.cpu.usage_ns, 1_000_000_000);
        assert_eq!(s.cpu.user_ns, 700_000_000);
        assert_eq!(s.cpu.throttled_ns, 500_000_000);
        assert_eq!(s.cpu.throttled_periods, 10);
        assert_eq!(s.memory.limit, Some(33554432));
        assert_eq!(s.memory.cache, 4096);
        assert_eq!(s.memory.oom_kills, 1);
        assert_eq!(s.pids.limit, Some(10));
    }

    #[test]
    fn apply_writes_values() {
        let t = TestDir::new("v2-apply");
        let d = t.dir("c");
        for f in ["memory.max", "memory.swap.max", "cpu.weight", "cpu.max"] {
            t.file(&d, f, "");
        }
        t.file(&d, "cpu.max", "max 100000\n");
        let r = LinuxResourcesBuilder::default()
            .memory(LinuxMemoryBuilder::default().limit(33554432).swap(67108864).build().unwrap())
            .cpu(LinuxCpuBuilder::default().shares(1024u64).quota(50000).period(100000u64).build().unwrap())
            .build()
            .unwrap();
        apply(&d, &r).unwrap();
        let rd = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
        assert_eq!(rd("memory.max"), "33554432");
        assert_eq!(rd("memory.swap.max"), "33554432");
        assert_eq!(rd("cpu.weight"), "39");
        assert_eq!(rd("cpu.max"), "50000 100000");
        // Period alone keeps the quota that is there.
        std::fs::write(d.join("cpu.max"), "20000 100000\n").unwrap();
        let r = LinuxResourcesBuilder::default().cpu(LinuxCpuBuilder::default().period(50000u64).build().unwrap()).build().unwrap();
        apply(&d, &r).unwrap();
        assert_eq!(rd("cpu.max"), "20000 50000");
        // A pids limit without the pids controller names the field.
        let r = LinuxResourcesBuilder::default().pids(oci_spec::runtime::LinuxPidsBuilder::default().limit(5).build().unwrap()).build().unwrap();
        assert!(apply(&d, &r).unwrap_err().to_string().contains("linux.resources.pids.limit"));
    }
}
