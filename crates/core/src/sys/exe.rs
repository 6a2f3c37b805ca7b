//! The runtime's own binary, out of reach of the containers it starts (the CVE-2019-5736
//! class).
//!
//! A container's init and an exec'd process are clones of tsc-box-runtime until they execve
//! the user's program, so for that time `/proc/<pid>/exe` is this binary. A container whose
//! entrypoint is `/proc/self/exe` (directly, through a symlink, a `#!` line or an ELF
//! interpreter) runs the runtime inside the container, where its other processes can open
//! `/proc/<pid>/exe` and write to or chmod the host's file. runc answers with a sealed copy
//! of itself; we do the same: before anything clones into a container, the runtime
//! re-executes itself from a read-only view of its binary (a detached, read-only bind mount
//! of the file: no copy, a few hundred microseconds), or, where it may not make mounts
//! (rootless), from a sealed memfd copy. Whatever a container reaches through /proc then
//! refuses writes (EROFS, or the memfd's seals), and the host's file is never exposed.

use std::ffi::{CStr, CString, OsString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStringExt;

use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::sys::stat::Mode;

use super::{MountAttr, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY};

/// Set in the environment of the re-executed runtime, so that a host where neither view can
/// be detected as protected afterwards cannot loop. Removed again at once.
const MARK: &str = "_TSC_BOX_RUNTIME_SEALED";

/// How the running binary is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    /// It sits on a read-only mount (our view, or an installation on a read-only filesystem).
    ReadOnlyMount,
    /// It is a memfd with write seals.
    Memfd,
}

/// What protects /proc/self/exe now, if anything.
pub fn current() -> Option<Sealed> {
    let fd = open("/proc/self/exe", OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty()).ok()?;
    classify(fd.as_fd())
}

fn classify(fd: BorrowedFd<'_>) -> Option<Sealed> {
    // SAFETY: fcntl(F_GET_SEALS) only reads the seals of a valid fd we hold.
    let seals = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) };
    if seals >= 0 && seals & libc::F_SEAL_WRITE != 0 && seals & libc::F_SEAL_SEAL != 0 {
        return Some(Sealed::Memfd);
    }
    let st = nix::sys::statvfs::fstatvfs(fd).ok()?;
    st.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY).then_some(Sealed::ReadOnlyMount)
}

/// Re-executes this process (same argv, environment and fds) from a protected view of its
/// binary, unless it already runs from one. Returns only when no re-execution is needed, or
/// with the reason none could be made.
pub fn ensure_sealed() -> Result<Sealed, Errno> {
    let again = std::env::var_os(MARK).is_some();
    if again {
        // SAFETY: the runtime is single-threaded here (main, before any command runs).
        unsafe { std::env::remove_var(MARK) };
    }
    if let Some(s) = current() {
        return Ok(s);
    }
    if again {
        // We re-executed from a view we made and it still does not look protected: refuse
        // rather than loop or run unprotected.
        return Err(Errno::EROFS);
    }
    let view = match read_only_view() {
        Ok(fd) => fd,
        // No right to make mounts (rootless), or a kernel without open_tree/mount_setattr.
        Err(Errno::EPERM | Errno::ENOSYS | Errno::EINVAL | Errno::EACCES) => sealed_copy()?,
        Err(e) => return Err(e),
    };
    reexec(view.as_fd())
}

/// A detached read-only, nosuid, nodev bind mount of the binary itself; the returned fd is
/// that mount's root, which is the file.
fn read_only_view() -> Result<OwnedFd, Errno> {
    const OPEN_TREE_CLONE: libc::c_uint = 1;
    let path = c"/proc/self/exe";
    // SAFETY: open_tree takes a NUL-terminated path and flags; it returns a new fd or -1.
    let r = unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, path.as_ptr(), OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint) };
    // SAFETY: on success r is a new fd that nothing else owns.
    let tree = Errno::result(r).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })?;
    let attr = MountAttr { attr_set: MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, attr_clr: 0, propagation: 0, userns_fd: 0 };
    // SAFETY: mount_setattr reads `attr` (of the size given) and the empty path; tree is valid.
    let r = unsafe {
        libc::syscall(libc::SYS_mount_setattr, tree.as_raw_fd(), c"".as_ptr(), libc::AT_EMPTY_PATH, &attr as *const MountAttr, std::mem::size_of::<MountAttr>())
    };
    Errno::result(r)?;
    Ok(tree)
}

/// A memfd holding a copy of the binary, sealed against any change.
fn sealed_copy() -> Result<OwnedFd, Errno> {
    let src = open("/proc/self/exe", OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())?;
    // SAFETY: memfd_create takes a NUL-terminated name and flags; it returns a new fd or -1.
    let r = unsafe { libc::memfd_create(c"tsc-box-runtime".as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    // SAFETY: on success r is a new fd that nothing else owns.
    let mem = Errno::result(r).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })?;
    let mut from = std::fs::File::from(src);
    let mut to = std::fs::File::from(mem);
    std::io::copy(&mut from, &mut to).map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?;
    let mem = OwnedFd::from(to);
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    // SAFETY: fcntl(F_ADD_SEALS) on a memfd we own.
    Errno::result(unsafe { libc::fcntl(mem.as_raw_fd(), libc::F_ADD_SEALS, seals) })?;
    Ok(mem)
}

fn reexec(view: BorrowedFd<'_>) -> Result<Sealed, Errno> {
    let c = |s: OsString| CString::new(s.into_vec()).map_err(|_| Errno::EINVAL);
    let args: Vec<CString> = std::env::args_os().map(c).collect::<Result<_, _>>()?;
    let mut env: Vec<CString> = std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            CString::new(kv).map_err(|_| Errno::EINVAL)
        })
        .collect::<Result<_, _>>()?;
    env.push(CString::new(format!("{MARK}=1")).map_err(|_| Errno::EINVAL)?);
    let argv: Vec<&CStr> = args.iter().map(CString::as_c_str).collect();
    let envp: Vec<&CStr> = env.iter().map(CString::as_c_str).collect();
    match nix::unistd::execveat(view, c"", &argv, &envp, nix::fcntl::AtFlags::AT_EMPTY_PATH) {
        Err(e) => Err(e),
        Ok(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_memfd_is_recognised_and_refuses_writes() {
        let mem = sealed_copy().expect("memfd copy of the test binary");
        assert_eq!(classify(mem.as_fd()), Some(Sealed::Memfd));
        assert_eq!(nix::unistd::write(&mem, b"x"), Err(Errno::EPERM));
    }

    #[test]
    fn an_ordinary_writable_file_is_not_protected() {
        let p = std::env::temp_dir().join(format!("tsc-box-exe-test-{}", std::process::id()));
        std::fs::write(&p, b"x").unwrap();
        let fd = open(&p, OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty()).unwrap();
        let ro = nix::sys::statvfs::statvfs(&p).unwrap().flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY);
        assert_eq!(classify(fd.as_fd()), ro.then_some(Sealed::ReadOnlyMount));
        std::fs::remove_file(p).unwrap();
    }
}
