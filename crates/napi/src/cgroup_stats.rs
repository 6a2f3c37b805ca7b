//! Resource usage of a container's cgroup, for `tsc-box stats`. Read off the JS thread.
use napi::bindgen_prelude::*;
use napi::{Env, Task};
use napi_derive::napi;
use tsc_box_cgroups::{Manager, Stats};

/// Usage of one container's cgroup. Times in nanoseconds, sizes in bytes (as JS numbers:
/// exact up to 2^53, i.e. 104 days of CPU time or 8 PiB).
#[napi(object)]
pub struct CgroupStats {
    /// "v1", "hybrid" or "v2".
    pub mode: String,
    pub cpu_usage_ns: f64,
    pub cpu_user_ns: f64,
    pub cpu_system_ns: f64,
    /// CFS bandwidth periods elapsed / throttled, and time spent throttled.
    pub cpu_periods: f64,
    pub cpu_throttled_periods: f64,
    pub cpu_throttled_ns: f64,
    pub memory_usage: f64,
    /// Absent when the kernel does not track it.
    pub memory_peak: Option<f64>,
    /// Absent when unlimited.
    pub memory_limit: Option<f64>,
    pub memory_cache: f64,
    pub oom_kills: f64,
    pub pids_current: f64,
    /// Absent when unlimited.
    pub pids_limit: Option<f64>,
}

fn to_js(mode: &str, s: Stats) -> CgroupStats {
    CgroupStats {
        mode: mode.to_string(),
        cpu_usage_ns: s.cpu.usage_ns as f64,
        cpu_user_ns: s.cpu.user_ns as f64,
        cpu_system_ns: s.cpu.system_ns as f64,
        cpu_periods: s.cpu.periods as f64,
        cpu_throttled_periods: s.cpu.throttled_periods as f64,
        cpu_throttled_ns: s.cpu.throttled_ns as f64,
        memory_usage: s.memory.usage as f64,
        memory_peak: s.memory.peak.map(|v| v as f64),
        memory_limit: s.memory.limit.map(|v| v as f64),
        memory_cache: s.memory.cache as f64,
        oom_kills: s.memory.oom_kills as f64,
        pids_current: s.pids.current as f64,
        pids_limit: s.pids.limit.map(|v| v as f64),
    }
}

pub struct StatsTask {
    cgroups_path: String,
}

impl Task for StatsTask {
    type Output = Option<CgroupStats>;
    type JsValue = Option<CgroupStats>;

    fn compute(&mut self) -> Result<Option<CgroupStats>> {
        let m = Manager::new(&self.cgroups_path).map_err(|e| Error::from_reason(e.to_string()))?;
        if !m.exists() {
            return Ok(None);
        }
        let s = m.stats().map_err(|e| Error::from_reason(e.to_string()))?;
        Ok(Some(to_js(m.mode().as_str(), s)))
    }

    fn resolve(&mut self, _env: Env, output: Option<CgroupStats>) -> Result<Option<CgroupStats>> {
        Ok(output)
    }
}

/// Usage of the cgroup at `cgroupsPath` (the OCI linux.cgroupsPath the container was created
/// with, e.g. "/tsc-box/ID"); null when that cgroup does not exist (container not running).
#[napi(ts_return_type = "Promise<CgroupStats | null>")]
pub fn cgroup_stats(cgroups_path: String) -> AsyncTask<StatsTask> {
    AsyncTask::new(StatsTask { cgroups_path })
}
