//! Thin wrappers over the few syscalls nix does not offer (clone3, mount_setattr,
//! setdomainname, close_range, a few ioctls), and the `Sys` seam through which the rootfs
//! and namespace setup makes its privileged calls (`seam`; `fake` for unit tests).

pub mod clone;
pub mod exe;
#[cfg(test)]
pub mod fake;
pub mod fdpass;
mod seam;

pub use seam::{RealSys, Sys};

use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use nix::errno::Errno;

/// setdomainname(2); nix only has sethostname.
pub fn setdomainname(name: &str) -> Result<(), Errno> {
    // SAFETY: the pointer and length are those of the borrowed `name`, alive for the call;
    // setdomainname reads exactly len bytes (no NUL needed) and keeps no reference.
    let r = unsafe { libc::setdomainname(name.as_ptr().cast(), name.len()) };
    Errno::result(r).map(drop)
}

/// Marks every fd from `first` upwards close-on-exec in one syscall, so only stdio and the
/// fds explicitly preserved survive execve.
pub fn cloexec_from(first: u32) -> Result<(), Errno> {
    // SAFETY: close_range takes integers only; with CLOSE_RANGE_CLOEXEC it closes nothing, it
    // only sets close-on-exec, so no OwnedFd of this process is invalidated.
    let r = unsafe { libc::close_range(first, u32::MAX, libc::CLOSE_RANGE_CLOEXEC as i32) };
    if r == 0 {
        return Ok(());
    }
    // Pre-5.11 kernels.
    for fd in open_fds(first, u32::MAX)? {
        // SAFETY: fcntl(F_SETFD) takes integers only and closes nothing; an fd of the listing
        // that is gone by now (the read_dir's own) is an ignored EBADF.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    Ok(())
}

/// Closes every fd from `first` to `last` (inclusive). The caller must own none in the range
/// that it still uses.
pub fn close_fds(first: u32, last: u32) -> Result<(), Errno> {
    // SAFETY: close_range takes integers only; the caller guarantees that nothing it still
    // uses lies in the range.
    let r = unsafe { libc::close_range(first, last, 0) };
    if r == 0 {
        return Ok(());
    }
    // Pre-5.9 kernels.
    for fd in open_fds(first, last)? {
        let _ = nix::unistd::close(fd);
    }
    Ok(())
}

/// The fds from `first` to `last` that /proc/self/fd lists: the fallback where close_range
/// is missing.
fn open_fds(first: u32, last: u32) -> Result<Vec<RawFd>, Errno> {
    Ok(std::fs::read_dir("/proc/self/fd")
        .map_err(|_| Errno::last())?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|fd| (first..=last).contains(fd))
        .map(|fd| fd as RawFd)
        .collect())
}

#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

pub const MOUNT_ATTR_RDONLY: u64 = 0x1;
pub const MOUNT_ATTR_NOSUID: u64 = 0x2;
pub const MOUNT_ATTR_NODEV: u64 = 0x4;
pub const MOUNT_ATTR_NOEXEC: u64 = 0x8;

/// mount_setattr(2) with AT_RECURSIVE: applies flags to a whole mount tree (`rro`, recursive
/// read-only binds), which a remount cannot do.
pub fn mount_setattr_recursive(dir: BorrowedFd<'_>, set: u64, clr: u64) -> Result<(), Errno> {
    let attr = MountAttr { attr_set: set, attr_clr: clr, propagation: 0, userns_fd: 0 };
    let empty = CString::default();
    // SAFETY: `dir` is a borrowed fd, open for the call; `empty` is a NUL-terminated "" and
    // `attr` a repr(C) struct mount_attr (four u64, no padding) whose size is passed along,
    // both alive until the syscall returns, which only reads them.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            dir.as_raw_fd(),
            empty.as_ptr(),
            libc::AT_EMPTY_PATH | libc::AT_RECURSIVE,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    Errno::result(r).map(drop)
}

/// mount_setattr(MOUNT_ATTR_IDMAP) over a whole detached tree: its files are seen through the
/// id maps of the user namespace `userns`.
pub fn mount_setattr_idmap(tree: BorrowedFd<'_>, userns: BorrowedFd<'_>) -> Result<(), Errno> {
    const MOUNT_ATTR_IDMAP: u64 = 0x0010_0000;
    let attr = MountAttr { attr_set: MOUNT_ATTR_IDMAP, attr_clr: 0, propagation: 0, userns_fd: userns.as_raw_fd() as u64 };
    let empty = CString::default();
    // SAFETY: `tree` and `userns` are borrowed fds, open for the call; `empty` is a
    // NUL-terminated "" and `attr` a repr(C) struct mount_attr (four u64, no padding) whose
    // size is passed along, both alive until the syscall returns, which only reads them.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            tree.as_raw_fd(),
            empty.as_ptr(),
            libc::AT_EMPTY_PATH | libc::AT_RECURSIVE,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    Errno::result(r).map(drop)
}

/// open_tree(OPEN_TREE_CLONE): a detached copy of the mount at `path` (its whole subtree when
/// `recursive`), which a process in another mount namespace can attach with move_mount.
pub fn open_tree_clone(path: &std::path::Path, recursive: bool) -> Result<std::os::fd::OwnedFd, Errno> {
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;
    const OPEN_TREE_CLONE: libc::c_uint = 1;
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)?;
    let mut flags = OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint;
    if recursive {
        flags |= libc::AT_RECURSIVE as libc::c_uint;
    }
    // SAFETY: `c` is a NUL-terminated path that outlives the call, which only reads it.
    let r = unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, c.as_ptr(), flags) };
    // SAFETY: Errno::result passes on only a non-negative return: the fd open_tree has just
    // created, which nothing else owns.
    Errno::result(r).map(|fd| unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as RawFd) })
}

/// move_mount of the detached tree `from` onto the directory or file `to`.
pub fn move_mount_fd(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno> {
    const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x4;
    const MOVE_MOUNT_T_EMPTY_PATH: libc::c_uint = 0x40;
    let empty = CString::default();
    // SAFETY: `from` and `to` are borrowed fds, open for the call; both path arguments are the
    // NUL-terminated "" of `empty`, alive until the syscall returns, which only reads it.
    let r = unsafe {
        libc::syscall(libc::SYS_move_mount, from.as_raw_fd(), empty.as_ptr(), to.as_raw_fd(), empty.as_ptr(), MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
    };
    Errno::result(r).map(drop)
}

/// The magic-link path through which an fd can serve as a mount source or target.
pub fn fd_path(fd: RawFd) -> String {
    format!("/proc/self/fd/{fd}")
}
