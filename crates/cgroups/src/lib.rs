//! cgroup management for tsc-box on v1, hybrid (v1 + unified) and pure v2 hosts.
//!
//! The runtime builds a [`Manager`] from the OCI `linux.cgroupsPath`, calls `create` before
//! cloning the container, `apply` with `linux.resources`, puts the child in with
//! `clone_into_fd` (v2) or `add_pid`, and calls `remove` on every exit path. Values are OCI
//! values (bytes, µs, shares); docker units are the CLI's business.
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod detect;
pub mod devices;
pub mod fsio;
pub mod manager;
pub mod path;
pub mod probe;
pub mod restore;
pub mod stats;
pub mod v1;
pub mod v2;
pub mod validate;

/// The OCI types this crate's API takes, for callers that do not depend on oci-spec.
pub use oci_spec;

pub use detect::{detect, Layout, Mode};
pub use manager::{Manager, ManagerError};
pub use stats::Stats;
pub use validate::{validate, HostCpus, ValidateError};

/// Whether `r` asks for any limit at all (rootless callers without a delegated cgroup may run
/// without a cgroup only when this is false).
pub fn requests_limits(r: &oci_spec::runtime::LinuxResources) -> bool {
    r.memory().is_some()
        || r.cpu().is_some()
        || r.pids().is_some()
        || r.block_io().is_some()
        || r.hugepage_limits().as_ref().is_some_and(|v| !v.is_empty())
        || r.network().is_some()
        || r.rdma().as_ref().is_some_and(|v| !v.is_empty())
        || r.unified().as_ref().is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod testdir;
