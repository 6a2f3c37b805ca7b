//! rlimits, oom_score_adj and sysctls: set as root, before any privilege is dropped.

use oci_spec::runtime::{PosixRlimit, PosixRlimitType as T};

use super::ProcessError;

fn resource(t: T) -> libc::__rlimit_resource_t {
    (match t {
        T::RlimitCpu => libc::RLIMIT_CPU,
        T::RlimitFsize => libc::RLIMIT_FSIZE,
        T::RlimitData => libc::RLIMIT_DATA,
        T::RlimitStack => libc::RLIMIT_STACK,
        T::RlimitCore => libc::RLIMIT_CORE,
        T::RlimitRss => libc::RLIMIT_RSS,
        T::RlimitNproc => libc::RLIMIT_NPROC,
        T::RlimitNofile => libc::RLIMIT_NOFILE,
        T::RlimitMemlock => libc::RLIMIT_MEMLOCK,
        T::RlimitAs => libc::RLIMIT_AS,
        T::RlimitLocks => libc::RLIMIT_LOCKS,
        T::RlimitSigpending => libc::RLIMIT_SIGPENDING,
        T::RlimitMsgqueue => libc::RLIMIT_MSGQUEUE,
        T::RlimitNice => libc::RLIMIT_NICE,
        T::RlimitRtprio => libc::RLIMIT_RTPRIO,
        T::RlimitRttime => libc::RLIMIT_RTTIME,
    }) as libc::__rlimit_resource_t
}

pub fn set_rlimits(limits: &[PosixRlimit]) -> Result<(), ProcessError> {
    for l in limits {
        let r = libc::rlimit { rlim_cur: l.soft(), rlim_max: l.hard() };
        // nix's Resource enum lacks a conversion from a raw number; setrlimit directly.
        // SAFETY: &r points at an initialised rlimit on this stack, alive for the call, which
        // only reads it; resource() maps every OCI type to a RLIMIT_* constant.
        let rc = unsafe { libc::setrlimit(resource(l.typ()), &r) };
        nix::errno::Errno::result(rc).map_err(ProcessError::sys(format!("setrlimit {:?}", l.typ())))?;
    }
    Ok(())
}

pub fn set_oom_score_adj(v: i32) -> Result<(), ProcessError> {
    std::fs::write("/proc/self/oom_score_adj", v.to_string())
        .map_err(|e| ProcessError::Sys { what: "oom_score_adj".into(), errno: nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)) })
}

/// Writes one sysctl through the container's own /proc (validated to be namespaced).
pub fn set_sysctl(key: &str, value: &str) -> Result<(), ProcessError> {
    let path = format!("/proc/sys/{}", if key.contains('/') { key.to_string() } else { key.replace('.', "/") });
    std::fs::write(&path, value)
        .map_err(|e| ProcessError::Sys { what: format!("sysctl {key}"), errno: nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)) })
}
