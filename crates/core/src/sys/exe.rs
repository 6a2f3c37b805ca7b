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
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

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
    let seals = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GET_SEALS).unwrap_or(-1);
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
        Ok(v) => v,
        // No right to make mounts (rootless), or a kernel without open_tree/mount_setattr.
        Err(Errno::EPERM | Errno::ENOSYS | Errno::EINVAL | Errno::EACCES) => View::File(sealed_copy()?),
        Err(e) => return Err(e),
    };
    reexec(&view)
}

/// What to execute.
enum View {
    /// A read-only view of the binary's directory and the binary's name in it: executed by
    /// name, so `ps` shows the process as tsc-box-runtime and /proc/<pid>/exe reads
    /// "/tsc-box-runtime" (a view of the file alone reads "/", and its process is named after
    /// an fd number).
    InDir(OwnedFd, CString),
    /// The file itself (a view of the file, or a sealed memfd).
    File(OwnedFd),
}

/// A detached read-only view of the directory that holds the binary, when the file found
/// there by name is the very file we run; a view of the file alone otherwise (the binary was
/// replaced or removed since it started).
fn read_only_view() -> Result<View, Errno> {
    let me = nix::sys::stat::stat("/proc/self/exe")?;
    let in_dir = std::fs::read_link("/proc/self/exe").ok().and_then(|target| {
        let name = CString::new(target.file_name()?.as_bytes()).ok()?;
        let tree = read_only_tree(target.parent()?).ok()?;
        let found = nix::sys::stat::fstatat(&tree, name.as_c_str(), nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW).ok()?;
        (found.st_dev == me.st_dev && found.st_ino == me.st_ino).then_some(View::InDir(tree, name))
    });
    match in_dir {
        Some(v) => Ok(v),
        None => read_only_tree(Path::new("/proc/self/exe")).map(View::File),
    }
}

/// A detached read-only, nosuid, nodev bind mount of `path` (not recursive: mounts below a
/// directory are not carried along); the returned fd is that mount's root.
fn read_only_tree(path: &Path) -> Result<OwnedFd, Errno> {
    const OPEN_TREE_CLONE: libc::c_uint = 1;
    let path = CString::new(path.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)?;
    // SAFETY: `path` is a NUL-terminated C string alive through the call, which open_tree only
    // reads; the other arguments are integers. It returns a new fd or -1.
    let r = unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, path.as_ptr(), OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint) };
    // SAFETY: on success r is a new fd that nothing else owns.
    let tree = Errno::result(r).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })?;
    let attr = MountAttr { attr_set: MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, attr_clr: 0, propagation: 0, userns_fd: 0 };
    // SAFETY: mount_setattr only reads `attr`, a repr(C) struct mount_attr (four u64, no
    // padding) alive through the call whose size is passed along, and the NUL-terminated
    // empty path; `tree` is our open fd.
    let r = unsafe {
        libc::syscall(libc::SYS_mount_setattr, tree.as_raw_fd(), c"".as_ptr(), libc::AT_EMPTY_PATH, &attr as *const MountAttr, std::mem::size_of::<MountAttr>())
    };
    Errno::result(r)?;
    Ok(tree)
}

/// A memfd holding a copy of the binary, sealed against any change.
fn sealed_copy() -> Result<OwnedFd, Errno> {
    let src = open("/proc/self/exe", OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())?;
    use nix::sys::memfd::{memfd_create, MFdFlags};
    let mem = memfd_create(c"tsc-box-runtime", MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING)?;
    let mut from = std::fs::File::from(src);
    let mut to = std::fs::File::from(mem);
    std::io::copy(&mut from, &mut to).map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?;
    let mem = OwnedFd::from(to);
    use nix::fcntl::SealFlag;
    let seals = SealFlag::F_SEAL_SEAL | SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW | SealFlag::F_SEAL_WRITE;
    nix::fcntl::fcntl(&mem, nix::fcntl::FcntlArg::F_ADD_SEALS(seals))?;
    Ok(mem)
}

fn reexec(view: &View) -> Result<Sealed, Errno> {
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
    let r = match view {
        View::InDir(dir, name) => nix::unistd::execveat(dir, name.as_c_str(), &argv, &envp, nix::fcntl::AtFlags::empty()),
        View::File(file) => nix::unistd::execveat(file, c"", &argv, &envp, nix::fcntl::AtFlags::AT_EMPTY_PATH),
    };
    match r {
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
