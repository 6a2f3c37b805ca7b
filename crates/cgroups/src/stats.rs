//! Resource usage of one cgroup, the same shape on v1 and v2.
use serde::{Deserialize, Serialize};

/// Limits at or above this are the kernel's "unlimited" (v1 prints a page-aligned i64::MAX).
pub const UNLIMITED_FLOOR: u64 = 1 << 62;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub cpu: CpuStats,
    pub memory: MemoryStats,
    pub pids: PidsStats,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CpuStats {
    /// Total CPU time consumed, in nanoseconds.
    pub usage_ns: u64,
    pub user_ns: u64,
    pub system_ns: u64,
    /// CFS bandwidth periods elapsed, periods in which the cgroup was throttled, and the
    /// total time it spent throttled.
    pub periods: u64,
    pub throttled_periods: u64,
    pub throttled_ns: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryStats {
    /// Bytes in use now, page cache included.
    pub usage: u64,
    /// Highest usage seen; None when the kernel does not record it (v2 before 5.19).
    pub peak: Option<u64>,
    /// The limit; None when unlimited.
    pub limit: Option<u64>,
    /// Page cache bytes.
    pub cache: u64,
    /// How many times the OOM killer killed a process of this cgroup.
    pub oom_kills: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PidsStats {
    pub current: u64,
    /// None when unlimited.
    pub limit: Option<u64>,
}

/// v1 memory limits: anything near i64::MAX means unlimited.
pub fn limit_or_unlimited(v: u64) -> Option<u64> {
    (v < UNLIMITED_FLOOR).then_some(v)
}
