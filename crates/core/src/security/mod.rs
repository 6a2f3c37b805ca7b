//! Security pieces of the container core that are not plain syscalls: today the seccomp filter.
//!
//! Capabilities, rlimits, no_new_privs, masked/read-only paths and user namespaces are applied
//! by the runtime's container setup; this module only owns seccomp (see [`seccomp`]).
//!
//! # Required call order (for the runtime's container setup)
//!
//! ```text
//! parent, before clone:
//!     let filter = match spec.linux().seccomp() {
//!         Some(p) => Some(seccomp::prepare(p, Some(&state_root.join("seccomp")))?),
//!         None => None,
//!     };                       // validates + compiles (or loads the cached BPF); a bad
//!                              // profile is refused HERE, before anything is created.
//! child (in the namespaces, after pivot_root, mounts, masked/readonly paths, hostname):
//!     1. if !filter.installs_late(no_new_privs):   // no_new_privs == false
//!            filter.install()?   // needs CAP_SYS_ADMIN in the EFFECTIVE set: do it while
//!                                // still root with full capabilities, BEFORE switching uid
//!                                // and dropping capabilities. Everything the child does
//!                                // afterwards (capset, setresuid, prctl, execve...) is then
//!                                // subject to the filter, as in runc, so a profile that
//!                                // denies those fails the start (with its error reported).
//!     2. setgroups / setresgid / setresuid, drop capabilities (bounding first; inheritable
//!        and ambient cleared; then effective/permitted)
//!     3. if no_new_privs: prctl(PR_SET_NO_NEW_PRIVS, 1)
//!     4. if filter.installs_late(no_new_privs):    // no_new_privs == true
//!            filter.install()?   // the very last syscall before execve: needs no privilege
//!                                // because no_new_privs is set.
//!     5. execve
//! ```
//!
//! [`seccomp::Filter::install`] does not allocate (safe in the child after clone) and only
//! issues one `seccomp(2)` call, so the errors it returns are the kernel's (EACCES without
//! CAP_SYS_ADMIN and without no_new_privs, EINVAL for a flag the kernel lacks).
//!
//! Profiles are treated as hostile input: everything the runtime cannot enforce exactly as
//! written is refused with an error naming the field (`linux.seccomp.syscalls[3].args[0].index`),
//! never silently relaxed. The one deliberate exception, as in runc: a syscall NAME unknown to
//! our tables for an architecture is skipped for that architecture, because profiles list
//! syscalls of kernels newer or older than ours (an allowlist then simply does not allow it).

pub mod seccomp;
