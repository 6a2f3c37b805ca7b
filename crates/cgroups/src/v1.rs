//! Writing limits to, and reading usage from, cgroup v1 controller directories.
use crate::fsio::{self, FileError};
use crate::stats::{limit_or_unlimited, CpuStats, MemoryStats, PidsStats, Stats};
use oci_spec::runtime::{LinuxDeviceCgroup, LinuxResources};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Controller name -> the container's directory in that controller's hierarchy.
pub type Dirs = BTreeMap<String, PathBuf>;

/// USER_HZ, the unit of cpuacct.stat on every Linux architecture tsc-box builds for.
const USER_HZ_NS: u64 = 10_000_000;

#[derive(Debug, thiserror::Error)]
pub enum V1Error {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{field} needs the cgroup v1 {controller} controller, which is not mounted on this host")]
    MissingController { controller: &'static str, field: &'static str },
    #[error("{field} is not supported on this host: {why}")]
    Unsupported { field: &'static str, why: &'static str },
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("the freezer did not reach {state} within {waited_ms} ms")]
    FreezeTimeout { state: &'static str, waited_ms: u128 },
}

fn dir<'a>(dirs: &'a Dirs, controller: &'static str, field: &'static str) -> Result<&'a Path, V1Error> {
    dirs.get(controller).map(PathBuf::as_path).ok_or(V1Error::MissingController { controller, field })
}

/// Apply every limit present in `r`. Values were validated by the caller.
pub fn apply(dirs: &Dirs, r: &LinuxResources) -> Result<(), V1Error> {
    if let Some(m) = r.memory() {
        apply_memory(dirs, m)?;
    }
    if let Some(c) = r.cpu() {
        if let Some(s) = c.shares().filter(|s| *s != 0) {
            fsio::write(&dir(dirs, "cpu", "linux.resources.cpu.shares")?.join("cpu.shares"), &s.to_string())?;
        }
        // The period goes first: the kernel checks quota against the current period. Under a
        // parent with a quota, a shorter period can be refused (EINVAL) while the old quota
        // would exceed the parent's share: with a new quota to come, the period is tried again
        // after it, as runc does.
        let quota = c.quota().filter(|q| *q != 0);
        let mut period_later = None;
        if let Some(p) = c.period() {
            let file = dir(dirs, "cpu", "linux.resources.cpu.period")?.join("cpu.cfs_period_us");
            match fsio::write(&file, &p.to_string()) {
                Err(e) if quota.is_some() && e.errno() == Some(libc::EINVAL) => period_later = Some((file, p)),
                r => r?,
            }
        }
        if let Some(q) = quota {
            fsio::write(&dir(dirs, "cpu", "linux.resources.cpu.quota")?.join("cpu.cfs_quota_us"), &q.to_string())?;
        }
        if let Some((file, p)) = period_later {
            fsio::write(&file, &p.to_string())?;
        }
        if let Some(cpus) = c.cpus().as_deref().filter(|s| !s.is_empty()) {
            fsio::write(&dir(dirs, "cpuset", "linux.resources.cpu.cpus")?.join("cpuset.cpus"), cpus)?;
        }
        if let Some(mems) = c.mems().as_deref().filter(|s| !s.is_empty()) {
            fsio::write(&dir(dirs, "cpuset", "linux.resources.cpu.mems")?.join("cpuset.mems"), mems)?;
        }
    }
    if let Some(p) = r.pids() {
        if p.limit() != 0 {
            let v = if p.limit() < 0 { "max".to_string() } else { p.limit().to_string() };
            fsio::write(&dir(dirs, "pids", "linux.resources.pids.limit")?.join("pids.max"), &v)?;
        }
    }
    if let Some(b) = r.block_io() {
        if let Some(w) = b.weight().filter(|w| *w != 0) {
            let d = dir(dirs, "blkio", "linux.resources.blockIO.weight")?;
            // With blk-mq only BFQ has weights; it exposes them under its own name.
            let file = crate::probe::V1_WEIGHT_FILES.iter().map(|f| d.join(f)).find(|p| p.exists()).ok_or(V1Error::Unsupported {
                field: "linux.resources.blockIO.weight",
                why: "the kernel has no blkio.weight or blkio.bfq.weight (BFQ scheduler not available)",
            })?;
            fsio::write(&file, &w.to_string())?;
        }
        let throttles = [
            ("blkio.throttle.read_bps_device", b.throttle_read_bps_device()),
            ("blkio.throttle.write_bps_device", b.throttle_write_bps_device()),
            ("blkio.throttle.read_iops_device", b.throttle_read_iops_device()),
            ("blkio.throttle.write_iops_device", b.throttle_write_iops_device()),
        ];
        for (file, list) in throttles {
            for t in list.iter().flatten() {
                let d = dir(dirs, "blkio", "linux.resources.blockIO.throttle*")?;
                fsio::write(&d.join(file), &format!("{}:{} {}", t.major(), t.minor(), t.rate()))?;
            }
        }
    }
    if let Some(devs) = r.devices() {
        let d = dir(dirs, "devices", "linux.resources.devices")?;
        for rule in devs {
            let file = if rule.allow() { "devices.allow" } else { "devices.deny" };
            fsio::write(&d.join(file), &device_rule(rule))?;
        }
    }
    if r.unified().as_ref().is_some_and(|u| !u.is_empty()) {
        return Err(V1Error::Unsupported {
            field: "linux.resources.unified",
            why: "invalid configuration: it sets cgroup v2 files and this host uses cgroup v1 controllers",
        });
    }
    Ok(())
}

/// "c 1:3 rwm" as devices.allow/deny expect it; absent numbers match all.
pub fn device_rule(r: &LinuxDeviceCgroup) -> String {
    let typ = r.typ().unwrap_or_default();
    let typ = typ.as_str();
    let num = |n: Option<i64>| n.map_or_else(|| "*".to_string(), |v| v.to_string());
    let access = r.access().as_deref().filter(|a| !a.is_empty()).unwrap_or("rwm");
    format!("{typ} {}:{} {access}", num(r.major()), num(r.minor()))
}

fn apply_memory(dirs: &Dirs, m: &oci_spec::runtime::LinuxMemory) -> Result<(), V1Error> {
    let need = |field| dir(dirs, "memory", field);
    if let Some(res) = m.reservation() {
        fsio::write(&need("linux.resources.memory.reservation")?.join("memory.soft_limit_in_bytes"), &res.to_string())?;
    }
    let limit = m.limit().filter(|l| *l != 0);
    let swap = m.swap().filter(|s| *s != 0);
    if limit.is_some() || swap.is_some() {
        let d = need("linux.resources.memory.limit")?;
        let memsw = d.join("memory.memsw.limit_in_bytes");
        let lim_file = d.join("memory.limit_in_bytes");
        match (limit, swap) {
            (Some(l), Some(s)) if memsw.exists() => {
                // memsw must stay >= limit at every step, so the order depends on the direction.
                let cur_memsw = fsio::read_u64(&memsw)?;
                let raising = s == -1 || (s as u64) > cur_memsw || l == -1;
                if raising {
                    fsio::write(&memsw, &s.to_string())?;
                    fsio::write(&lim_file, &l.to_string())?;
                } else {
                    fsio::write(&lim_file, &l.to_string())?;
                    fsio::write(&memsw, &s.to_string())?;
                }
            }
            (Some(l), Some(s)) => {
                if s != -1 && s != l {
                    return Err(V1Error::Unsupported {
                        field: "linux.resources.memory.swap",
                        why: "swap accounting is disabled in this kernel (no memory.memsw.limit_in_bytes)",
                    });
                }
                fsio::write(&lim_file, &l.to_string())?;
            }
            (Some(l), None) if memsw.exists() => {
                // The kernel keeps limit <= memory+swap: a raise past the current memsw needs a
                // new swap value, which only the caller can choose.
                let cur_memsw = fsio::read_u64(&memsw)?;
                if l == -1 {
                    fsio::write(&memsw, "-1")?;
                } else if l as u64 > cur_memsw {
                    return Err(V1Error::Invalid {
                        field: "linux.resources.memory.limit",
                        message: format!("{l} is above the current memory+swap limit {cur_memsw}; set memory.swap as well"),
                    });
                }
                fsio::write(&lim_file, &l.to_string())?
            }
            (Some(l), None) => fsio::write(&lim_file, &l.to_string())?,
            (None, Some(s)) => {
                if memsw.exists() {
                    fsio::write(&memsw, &s.to_string())?;
                } else if s != -1 {
                    return Err(V1Error::Unsupported {
                        field: "linux.resources.memory.swap",
                        why: "swap accounting is disabled in this kernel (no memory.memsw.limit_in_bytes)",
                    });
                }
            }
            (None, None) => {}
        }
    }
    if let Some(sw) = m.swappiness() {
        fsio::write(&need("linux.resources.memory.swappiness")?.join("memory.swappiness"), &sw.to_string())?;
    }
    if let Some(true) = m.disable_oom_killer() {
        fsio::write(&need("linux.resources.memory.disableOOMKiller")?.join("memory.oom_control"), "1")?;
    }
    Ok(())
}

/// A freshly made cpuset cgroup has empty cpus/mems and refuses tasks until they are set:
/// give it its parent's.
/// Fill every empty level from the nearest ancestor with CPUs and memory nodes down to `dir`,
/// top-down: a task cannot join a cpuset cgroup without them (ENOSPC), whether the empty
/// levels were made here or before (a pod's cgroup made with mkdir), as runc fills them.
pub fn inherit_cpuset_down_to(dir: &Path) -> Result<(), V1Error> {
    let mut empty = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        let files = [d.join("cpuset.cpus"), d.join("cpuset.mems")];
        if !files.iter().all(|f| f.exists()) {
            break;
        }
        let mut full = true;
        for f in &files {
            full &= !fsio::read(f)?.trim().is_empty();
        }
        if full {
            break;
        }
        empty.push(d);
        cur = d.parent();
    }
    for d in empty.iter().rev() {
        inherit_cpuset(d)?;
    }
    Ok(())
}

pub fn inherit_cpuset(dir: &Path) -> Result<(), V1Error> {
    let Some(parent) = dir.parent() else { return Ok(()) };
    for f in ["cpuset.cpus", "cpuset.mems"] {
        if fsio::read(&dir.join(f))?.trim().is_empty() {
            let v = fsio::read(&parent.join(f))?;
            fsio::write(&dir.join(f), v.trim())?;
        }
    }
    Ok(())
}

pub fn stats(dirs: &Dirs) -> Result<Stats, V1Error> {
    let mut s = Stats::default();
    if let Some(d) = dirs.get("cpuacct") {
        s.cpu.usage_ns = fsio::read_u64(&d.join("cpuacct.usage"))?;
        let (user, sys) = (d.join("cpuacct.usage_user"), d.join("cpuacct.usage_sys"));
        if user.exists() && sys.exists() {
            s.cpu.user_ns = fsio::read_u64(&user)?;
            s.cpu.system_ns = fsio::read_u64(&sys)?;
        } else {
            let st = fsio::read_keyed(&d.join("cpuacct.stat"))?;
            s.cpu.user_ns = st.get("user").copied().unwrap_or(0) * USER_HZ_NS;
            s.cpu.system_ns = st.get("system").copied().unwrap_or(0) * USER_HZ_NS;
        }
    }
    if let Some(d) = dirs.get("cpu") {
        let st = fsio::read_keyed(&d.join("cpu.stat"))?;
        s.cpu = CpuStats {
            periods: st.get("nr_periods").copied().unwrap_or(0),
            throttled_periods: st.get("nr_throttled").copied().unwrap_or(0),
            throttled_ns: st.get("throttled_time").copied().unwrap_or(0),
            ..s.cpu
        };
    }
    if let Some(d) = dirs.get("memory") {
        let st = fsio::read_keyed(&d.join("memory.stat"))?;
        s.memory = MemoryStats {
            usage: fsio::read_u64(&d.join("memory.usage_in_bytes"))?,
            peak: Some(fsio::read_u64(&d.join("memory.max_usage_in_bytes"))?),
            limit: limit_or_unlimited(fsio::read_u64(&d.join("memory.limit_in_bytes"))?),
            cache: st.get("cache").copied().unwrap_or(0),
            oom_kills: oom_kills_in(d)?,
        };
    }
    if let Some(d) = dirs.get("pids") {
        s.pids = PidsStats { current: fsio::read_u64(&d.join("pids.current"))?, limit: fsio::read_max(&d.join("pids.max"))? };
    }
    Ok(s)
}

/// The oom_kill counter of memory.oom_control (Linux 4.13+).
pub fn oom_kills(dirs: &Dirs) -> Result<u64, V1Error> {
    match dirs.get("memory") {
        Some(d) => oom_kills_in(d),
        None => Ok(0),
    }
}

fn oom_kills_in(d: &Path) -> Result<u64, V1Error> {
    Ok(fsio::read_keyed(&d.join("memory.oom_control"))?.get("oom_kill").copied().unwrap_or(0))
}

/// Freeze or thaw through the freezer controller and wait until the state is reached.
pub fn set_frozen(dirs: &Dirs, frozen: bool) -> Result<(), V1Error> {
    let d = dir(dirs, "freezer", "freeze")?;
    let file = d.join("freezer.state");
    let want = if frozen { "FROZEN" } else { "THAWED" };
    let start = Instant::now();
    loop {
        fsio::write(&file, want)?;
        if fsio::read(&file)?.trim() == want {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(2) {
            return Err(V1Error::FreezeTimeout { state: want, waited_ms: start.elapsed().as_millis() });
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdir::TestDir;
    use oci_spec::runtime::{LinuxDeviceCgroupBuilder, LinuxDeviceType};

    #[test]
    fn empty_cpusets_are_filled_top_down_including_ones_made_before() {
        let t = TestDir::new("v1-cpuset");
        let root = t.dir("cpuset");
        let (pod, leaf) = (root.join("pod"), root.join("pod/leaf"));
        std::fs::create_dir_all(&leaf).unwrap();
        for (d, cpus, mems) in [(&root, "0-3", "0"), (&pod, "", ""), (&leaf, "", "")] {
            std::fs::write(d.join("cpuset.cpus"), cpus).unwrap();
            std::fs::write(d.join("cpuset.mems"), mems).unwrap();
        }
        inherit_cpuset_down_to(&leaf).unwrap();
        for d in [&pod, &leaf] {
            assert_eq!(std::fs::read_to_string(d.join("cpuset.cpus")).unwrap(), "0-3");
            assert_eq!(std::fs::read_to_string(d.join("cpuset.mems")).unwrap(), "0");
        }
        // A level with its own values keeps them, and so do the levels below it.
        std::fs::write(pod.join("cpuset.cpus"), "1").unwrap();
        std::fs::write(leaf.join("cpuset.cpus"), "").unwrap();
        inherit_cpuset_down_to(&leaf).unwrap();
        assert_eq!(std::fs::read_to_string(leaf.join("cpuset.cpus")).unwrap(), "1");
    }

    #[test]
    fn device_rules() {
        let all = LinuxDeviceCgroupBuilder::default().allow(false).access("rwm").build().unwrap();
        assert_eq!(device_rule(&all), "a *:* rwm");
        let null = LinuxDeviceCgroupBuilder::default().allow(true).typ(LinuxDeviceType::C).major(1).minor(3).build().unwrap();
        assert_eq!(device_rule(&null), "c 1:3 rwm");
    }

    #[test]
    fn stats_from_fixture() {
        let t = TestDir::new("v1-stats");
        let cpuacct = t.dir("cpuacct");
        t.file(&cpuacct, "cpuacct.usage", "2000000000\n");
        t.file(&cpuacct, "cpuacct.stat", "user 150\nsystem 50\n");
        let cpu = t.dir("cpu");
        t.file(&cpu, "cpu.stat", "nr_periods 20\nnr_throttled 10\nthrottled_time 1000000000\n");
        let mem = t.dir("memory");
        t.file(&mem, "memory.stat", "cache 4096\nrss 8192\ntotal_cache 4096\n");
        t.file(&mem, "memory.usage_in_bytes", "12288\n");
        t.file(&mem, "memory.max_usage_in_bytes", "33554432\n");
        t.file(&mem, "memory.limit_in_bytes", "9223372036854771712\n");
        t.file(&mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        let pids = t.dir("pids");
        t.file(&pids, "pids.current", "3\n");
        t.file(&pids, "pids.max", "max\n");
        let dirs: Dirs = [("cpuacct", cpuacct), ("cpu", cpu), ("memory", mem), ("pids", pids)].into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let s = stats(&dirs).unwrap();
        assert_eq!(s.cpu.usage_ns, 2_000_000_000);
        assert_eq!(s.cpu.user_ns, 1_500_000_000);
        assert_eq!(s.cpu.system_ns, 500_000_000);
        assert_eq!((s.cpu.periods, s.cpu.throttled_periods, s.cpu.throttled_ns), (20, 10, 1_000_000_000));
        assert_eq!(s.memory.limit, None);
        assert_eq!(s.memory.peak, Some(33554432));
        assert_eq!(s.memory.cache, 4096);
        assert_eq!(s.memory.oom_kills, 2);
        assert_eq!(s.pids.current, 3);
        assert_eq!(s.pids.limit, None);
        assert_eq!(oom_kills(&dirs).unwrap(), 2);
    }

    #[test]
    fn apply_writes_values() {
        use oci_spec::runtime::{LinuxCpuBuilder, LinuxMemoryBuilder, LinuxPidsBuilder, LinuxResourcesBuilder};
        let t = TestDir::new("v1-apply");
        let (cpu, mem, pids) = (t.dir("cpu"), t.dir("memory"), t.dir("pids"));
        for f in ["cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us"] {
            t.file(&cpu, f, "");
        }
        t.file(&mem, "memory.limit_in_bytes", "");
        t.file(&mem, "memory.memsw.limit_in_bytes", "9223372036854771712");
        t.file(&pids, "pids.max", "");
        let dirs: Dirs = [("cpu", cpu.clone()), ("memory", mem.clone()), ("pids", pids.clone())].into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let r = LinuxResourcesBuilder::default()
            .memory(LinuxMemoryBuilder::default().limit(33554432).swap(67108864).build().unwrap())
            .cpu(LinuxCpuBuilder::default().shares(512u64).quota(50000).period(100000u64).build().unwrap())
            .pids(LinuxPidsBuilder::default().limit(-1).build().unwrap())
            .build()
            .unwrap();
        apply(&dirs, &r).unwrap();
        let rd = |p: PathBuf| std::fs::read_to_string(p).unwrap();
        assert_eq!(rd(mem.join("memory.limit_in_bytes")), "33554432");
        assert_eq!(rd(mem.join("memory.memsw.limit_in_bytes")), "67108864");
        assert_eq!(rd(cpu.join("cpu.cfs_quota_us")), "50000");
        assert_eq!(rd(cpu.join("cpu.shares")), "512");
        assert_eq!(rd(pids.join("pids.max")), "max");
        // A cpuset value with no cpuset controller is an error naming the field.
        let r = LinuxResourcesBuilder::default().cpu(LinuxCpuBuilder::default().cpus("0").build().unwrap()).build().unwrap();
        assert!(apply(&dirs, &r).unwrap_err().to_string().contains("linux.resources.cpu.cpus"));
    }
}
