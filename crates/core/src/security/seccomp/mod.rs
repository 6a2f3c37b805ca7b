//! seccomp: validate an OCI `linux.seccomp` profile, compile it to classic BPF in the parent,
//! cache the result, and install it in the container child just before execve.
//!
//! Semantics (what a profile means here; matches runc + libseccomp where they are defined):
//! - `defaultAction` applies to every syscall no rule matches; SCMP_ACT_ERRNO without
//!   `defaultErrnoRet`/`errnoRet` returns EPERM.
//! - Rules are tried in profile order for a syscall; the first whose argument conditions all
//!   hold decides (an entry without `args` always holds). Several entries naming the same
//!   syscall therefore OR together.
//! - Argument conditions compare the full 64-bit value (SCMP_CMP_MASKED_EQ: `(arg & value) ==
//!   valueTwo`). On 32-bit architectures the kernel hands the filter zero-extended 32-bit
//!   arguments, and the comparison is exact over that (a value above 2^32 never equals one).
//! - Unknown syscall names are skipped per architecture (like runc), because profiles list
//!   syscalls of other kernels; see [`tables`] for the ones we know.
//! - Syscalls NEWER than the newest one the profile names for an architecture get ENOSYS
//!   instead of the default action (unless the default allows), as docker/runc do, so that
//!   libc falls back (clone3 -> clone) instead of treating EPERM as final.
//! - Architectures: x86_64 (with i386 and x32 on it) and aarch64 are compiled. An architecture
//!   the host can never run is skipped (its audit value cannot occur); one it can run but we do
//!   not compile (32-bit ARM on aarch64) and every unlisted one meet the bad-arch action: kill
//!   the process (fails closed). An empty list means the native architecture only.
//! - SCMP_ACT_NOTIFY (seccomp agents) is refused: we have no agent support and will not
//!   silently drop a rule. A listenerPath without a notifying rule has nothing to do (runc
//!   never contacts the agent then) and is accepted.

mod arch;
mod bpf;
mod cache;
mod compile;
#[cfg(test)]
mod interp;
mod tables;

use std::path::{Path, PathBuf};

use oci_spec::runtime::LinuxSeccomp;

pub use bpf::SockFilter;

/// Everything that can go wrong with seccomp. `Profile` carries the JSON path of the bad field.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("{field}: {problem}")]
    Profile { field: String, problem: String },
    #[error("linux.seccomp: the compiled filter has {0} instructions, more than the kernel's limit of 4096")]
    TooLarge(usize),
    #[error("installing the seccomp filter: {0}")]
    Install(#[source] nix::Error),
    #[error("seccomp cache {path}: {source}")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl SeccompError {
    pub(crate) fn profile(field: impl Into<String>, problem: impl Into<String>) -> Self {
        SeccompError::Profile { field: field.into(), problem: problem.into() }
    }
}

/// A compiled filter, ready to install. Built in the parent; `install` is async-signal-safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    insns: Vec<SockFilter>,
    /// SECCOMP_FILTER_FLAG_* bits from `linux.seccomp.flags`.
    flags: u32,
}

impl Filter {
    /// The BPF program (for tests, dumps and the cache).
    pub fn instructions(&self) -> &[SockFilter] {
        &self.insns
    }

    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// Where in the child's setup the filter goes (see the order in `security/mod.rs`):
    /// with no_new_privs it is installed last, right before execve (no privilege needed);
    /// without it installing needs CAP_SYS_ADMIN, so it goes before the capabilities are
    /// dropped.
    pub fn installs_late(&self, no_new_privs: bool) -> bool {
        no_new_privs
    }

    /// Attach the filter to the calling thread with seccomp(SECCOMP_SET_MODE_FILTER).
    /// No allocation: safe in a child after clone.
    pub fn install(&self) -> Result<(), SeccompError> {
        #[repr(C)]
        struct SockFprog {
            len: u16,
            filter: *const SockFilter,
        }
        let prog = SockFprog { len: self.insns.len() as u16, filter: self.insns.as_ptr() };
        // SAFETY: prog points at a live, correctly laid out sock_filter array of `len` entries;
        // nix has no seccomp(2) wrapper.
        let rc = unsafe { libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, self.flags as libc::c_ulong, &prog as *const SockFprog) };
        if rc == 0 {
            Ok(())
        } else {
            Err(SeccompError::Install(nix::Error::last()))
        }
    }
}

/// Validate and compile `profile` for this host, reusing `cache_dir/<sha256>.bpf` when present
/// (and writing it when not: a cache failure never fails the container, only costs time).
/// Call in the PARENT before clone, so that a bad profile creates nothing.
pub fn prepare(profile: &LinuxSeccomp, cache_dir: Option<&Path>) -> Result<Filter, SeccompError> {
    let Some(dir) = cache_dir else {
        return compile(profile);
    };
    let key = cache::key(profile);
    if let Some(filter) = cache::load(dir, &key) {
        return Ok(filter);
    }
    let filter = compile(profile)?;
    // Why ignore: the cache only saves time; an unwritable state dir must not stop a container.
    let _ = cache::store(dir, &key, &filter);
    Ok(filter)
}

/// Validate and compile without the cache.
pub fn compile(profile: &LinuxSeccomp) -> Result<Filter, SeccompError> {
    compile::compile(profile, arch::Host::native())
}

#[cfg(test)]
#[path = "install_tests.rs"]
mod install_tests;
