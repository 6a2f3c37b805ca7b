//! The seam between the mount-namespace and device logic and the kernel: every call of the
//! container's setup that needs privileges (mount, move_mount, open_tree, mount_setattr,
//! pivot_root, mknod, chown, setns, unshare) and the two calls that change the process's
//! working directory go through a `Sys`. The runtime uses `RealSys`; unit tests use
//! `sys::fake::RecordingSys`, which records each call instead of making it, so the order and
//! flags of a container's mounts and devices are tested without root and without touching
//! the host. What needs no privilege (openat2, mkdirat, symlinkat, fstat) stays real: the
//! tests build their rootfs in a temporary directory and check what lands there.

use std::ffi::OsStr;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::Path;

use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;
use nix::sys::stat::{Mode, SFlag};
use nix::unistd::{Gid, Uid};

pub trait Sys {
    /// mount(2). `target` (and a bind's `source`) is often `/proc/self/fd/N` of an fd opened
    /// in the root, so that no path is resolved again by the kernel.
    fn mount(&self, source: Option<&Path>, target: &Path, fstype: Option<&str>, flags: MsFlags, data: Option<&str>) -> Result<(), Errno>;
    fn umount2(&self, target: &Path, flags: MntFlags) -> Result<(), Errno>;
    /// open_tree(OPEN_TREE_CLONE): a detached copy of the mount at `path`.
    fn open_tree_clone(&self, path: &Path, recursive: bool) -> Result<OwnedFd, Errno>;
    /// move_mount of a detached tree onto a directory or file.
    fn move_mount(&self, from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno>;
    /// mount_setattr(AT_RECURSIVE) on the mount tree at `dir`.
    fn mount_setattr_recursive(&self, dir: BorrowedFd<'_>, set: u64, clr: u64) -> Result<(), Errno>;
    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> Result<(), Errno>;
    fn fchdir(&self, dir: BorrowedFd<'_>) -> Result<(), Errno>;
    fn chdir(&self, path: &Path) -> Result<(), Errno>;
    fn mknodat(&self, dir: BorrowedFd<'_>, name: &OsStr, kind: SFlag, mode: Mode, dev: u64) -> Result<(), Errno>;
    /// fchownat(AT_SYMLINK_NOFOLLOW).
    fn fchownat(&self, dir: BorrowedFd<'_>, name: &OsStr, uid: Option<Uid>, gid: Option<Gid>) -> Result<(), Errno>;
    fn setns(&self, fd: BorrowedFd<'_>, nstype: CloneFlags) -> Result<(), Errno>;
    fn unshare(&self, flags: CloneFlags) -> Result<(), Errno>;
}

/// The kernel itself.
pub struct RealSys;

impl Sys for RealSys {
    fn mount(&self, source: Option<&Path>, target: &Path, fstype: Option<&str>, flags: MsFlags, data: Option<&str>) -> Result<(), Errno> {
        nix::mount::mount(source, target, fstype, flags, data)
    }

    fn umount2(&self, target: &Path, flags: MntFlags) -> Result<(), Errno> {
        nix::mount::umount2(target, flags)
    }

    fn open_tree_clone(&self, path: &Path, recursive: bool) -> Result<OwnedFd, Errno> {
        super::open_tree_clone(path, recursive)
    }

    fn move_mount(&self, from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno> {
        super::move_mount_fd(from, to)
    }

    fn mount_setattr_recursive(&self, dir: BorrowedFd<'_>, set: u64, clr: u64) -> Result<(), Errno> {
        super::mount_setattr_recursive(dir, set, clr)
    }

    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> Result<(), Errno> {
        nix::unistd::pivot_root(new_root, put_old)
    }

    fn fchdir(&self, dir: BorrowedFd<'_>) -> Result<(), Errno> {
        nix::unistd::fchdir(dir)
    }

    fn chdir(&self, path: &Path) -> Result<(), Errno> {
        nix::unistd::chdir(path)
    }

    fn mknodat(&self, dir: BorrowedFd<'_>, name: &OsStr, kind: SFlag, mode: Mode, dev: u64) -> Result<(), Errno> {
        nix::sys::stat::mknodat(dir, name, kind, mode, dev)
    }

    fn fchownat(&self, dir: BorrowedFd<'_>, name: &OsStr, uid: Option<Uid>, gid: Option<Gid>) -> Result<(), Errno> {
        nix::unistd::fchownat(dir, name, uid, gid, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW)
    }

    fn setns(&self, fd: BorrowedFd<'_>, nstype: CloneFlags) -> Result<(), Errno> {
        nix::sched::setns(fd, nstype)
    }

    fn unshare(&self, flags: CloneFlags) -> Result<(), Errno> {
        nix::sched::unshare(flags)
    }
}
