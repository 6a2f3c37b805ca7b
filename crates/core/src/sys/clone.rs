//! clone3 with CLONE_INTO_CGROUP, falling back to clone(2) where clone3 is missing. The
//! runtime is single-threaded, so the child may keep running ordinary Rust code (allocator
//! included) until it execs, exactly as after fork.

use std::os::fd::RawFd;

use nix::errno::Errno;
use nix::unistd::Pid;

#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

pub enum Forked {
    Parent(Pid),
    Child,
}

/// How the child got into its cgroup, so the caller knows whether it still has to place it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placed {
    IntoCgroup,
    NotPlaced,
}

/// Clones with namespace `flags` (CLONE_NEW*), SIGCHLD as exit signal, directly into the
/// cgroup `cgroup_fd` when given and supported.
pub fn clone(flags: u64, cgroup_fd: Option<RawFd>) -> Result<(Forked, Placed), Errno> {
    let mut args = CloneArgs { flags, exit_signal: libc::SIGCHLD as u64, ..Default::default() };
    if let Some(fd) = cgroup_fd {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = fd as u64;
    }
    // SAFETY: `args` is a fully initialised repr(C) struct clone_args (eleven u64, no padding)
    // whose size is passed along, alive for the call; its only pointer fields (pidfd,
    // child_tid, parent_tid, stack, set_tid) are 0, so the kernel writes nowhere and the child
    // runs on a copy-on-write copy of this stack; the callers pass CLONE_NEW* flags only (no
    // CLONE_VM, CLONE_SETTLS or CLONE_*TID), so this is fork with new namespaces.
    // That the child may go on running ordinary Rust (allocator included) relies on this
    // process being single-threaded (module doc): no other thread can hold a lock at the clone.
    let r = unsafe { libc::syscall(libc::SYS_clone3, &args as *const CloneArgs, std::mem::size_of::<CloneArgs>()) };
    match Errno::result(r) {
        Ok(0) => Ok((Forked::Child, placed(cgroup_fd))),
        Ok(pid) => Ok((Forked::Parent(Pid::from_raw(pid as i32)), placed(cgroup_fd))),
        // No clone3 (old kernel, or a seccomp profile answering ENOSYS): plain clone.
        Err(Errno::ENOSYS | Errno::E2BIG) => legacy(flags),
        // A cgroup that cannot be entered this way: plain clone, and the caller writes the
        // pid into cgroup.procs instead.
        Err(Errno::EOPNOTSUPP | Errno::EBUSY) if cgroup_fd.is_some() => legacy(flags),
        Err(e) => Err(e),
    }
}

fn placed(fd: Option<RawFd>) -> Placed {
    if fd.is_some() {
        Placed::IntoCgroup
    } else {
        Placed::NotPlaced
    }
}

fn legacy(flags: u64) -> Result<(Forked, Placed), Errno> {
    let f = (flags as libc::c_ulong) | libc::SIGCHLD as libc::c_ulong;
    // With a null stack, clone(2) behaves like fork with extra flags.
    // SAFETY: a null stack and null parent_tid/child_tid/tls mean the kernel writes nowhere
    // and the child runs on a copy-on-write copy of this stack (no CLONE_VM among `flags`, the
    // CLONE_NEW* set): fork semantics. The child running ordinary Rust afterwards relies on
    // this process being single-threaded (module doc), as for clone3 above.
    let r = unsafe { libc::syscall(libc::SYS_clone, f, 0usize, 0usize, 0usize, 0usize) };
    match Errno::result(r)? {
        0 => Ok((Forked::Child, Placed::NotPlaced)),
        pid => Ok((Forked::Parent(Pid::from_raw(pid as i32)), Placed::NotPlaced)),
    }
}
