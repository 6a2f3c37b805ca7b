//! /dev inside the container: the standard character devices, the config's devices, the
//! usual symlinks and ptmx pointing at the container's own devpts instance.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::Path;

use nix::errno::Errno;
use nix::mount::MsFlags;
use nix::sys::stat::{makedev, Mode, SFlag};
use nix::unistd::{symlinkat, unlinkat, Gid, Uid, UnlinkatFlags};
use oci_spec::runtime::{LinuxDevice, LinuxDeviceType};

use super::resolve::{create_file, open_in_root, parent_of};
use super::{path_err, RootfsError};
use crate::sys::{fd_path, Sys};

const STANDARD: &[(&str, u64, u64)] = &[("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)];

const LINKS: &[(&str, &str)] = &[("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"), ("/proc/self/fd/2", "stderr")];

pub fn populate(sys: &dyn Sys, root: BorrowedFd<'_>, user_ns: bool) -> Result<(), RootfsError> {
    for (name, major, minor) in STANDARD {
        let path = Path::new("/dev").join(name);
        node(sys, root, &path, SFlag::S_IFCHR, 0o666, makedev(*major, *minor), user_ns)?;
    }
    for (target, name) in LINKS {
        link(root, target, &Path::new("/dev").join(name))?;
    }
    if Path::new("/proc/kcore").exists() {
        link(root, "/proc/kcore", Path::new("/dev/core"))?;
    }
    // The container's ptys come from its own devpts (newinstance), reached through
    // /dev/pts/ptmx; a /dev/ptmx device node would reach the host's instance.
    let (dir, _) = parent_of(root, Path::new("/dev/ptmx")).map_err(path_err("create", Path::new("/dev")))?;
    match unlinkat(dir.as_fd(), "ptmx", UnlinkatFlags::NoRemoveDir) {
        Ok(()) | Err(Errno::ENOENT) => {}
        Err(e) => return Err(path_err("remove", Path::new("/dev/ptmx"))(e)),
    }
    symlinkat("pts/ptmx", dir.as_fd(), "ptmx").map_err(path_err("symlink", Path::new("/dev/ptmx")))?;
    Ok(())
}

pub fn create_configured(sys: &dyn Sys, root: BorrowedFd<'_>, devs: &[LinuxDevice], user_ns: bool) -> Result<(), RootfsError> {
    for d in devs {
        let kind = match d.typ() {
            LinuxDeviceType::C | LinuxDeviceType::U => SFlag::S_IFCHR,
            LinuxDeviceType::B => SFlag::S_IFBLK,
            LinuxDeviceType::P => SFlag::S_IFIFO,
            LinuxDeviceType::A => continue,
        };
        let mode = d.file_mode().unwrap_or(0o666) & 0o7777;
        let path = d.path();
        // A configured device replaces whatever the standard set put there.
        if let Ok((dir, name)) = parent_of(root, path) {
            let _ = unlinkat(dir.as_fd(), name, UnlinkatFlags::NoRemoveDir);
        }
        node(sys, root, path, kind, mode, makedev(d.major() as u64, d.minor() as u64), user_ns)?;
        if d.uid().is_some() || d.gid().is_some() {
            let (dir, name) = parent_of(root, path).map_err(path_err("create", path))?;
            sys.fchownat(dir.as_fd(), name, d.uid().map(Uid::from_raw), d.gid().map(Gid::from_raw)).map_err(path_err("chown", path))?;
        }
    }
    Ok(())
}

/// mknod, or (in a user namespace, where mknod is refused) a bind mount of the host's node.
fn node(sys: &dyn Sys, root: BorrowedFd<'_>, path: &Path, kind: SFlag, mode: u32, dev: u64, user_ns: bool) -> Result<(), RootfsError> {
    if !user_ns {
        let (dir, name) = parent_of(root, path).map_err(path_err("create", path))?;
        match sys.mknodat(dir.as_fd(), name, kind, Mode::from_bits_truncate(mode), dev) {
            Ok(()) | Err(Errno::EEXIST) => return Ok(()),
            Err(Errno::EPERM) => {}
            Err(e) => return Err(path_err("mknod", path)(e)),
        }
    }
    if open_in_root(root, path, nix::fcntl::OFlag::O_PATH).is_ok() {
        return Ok(());
    }
    let target = create_file(root, path, Mode::from_bits_truncate(0o000)).map_err(path_err("create", path))?;
    sys.mount(Some(path), Path::new(&fd_path(target.as_raw_fd())), None, MsFlags::MS_BIND, None).map_err(|errno| RootfsError::Mount {
        what: format!("bind {}", path.display()),
        dest: path.into(),
        errno,
    })
}

fn link(root: BorrowedFd<'_>, target: &str, path: &Path) -> Result<(), RootfsError> {
    let (dir, name) = parent_of(root, path).map_err(path_err("create", path))?;
    match symlinkat(target, dir.as_fd(), name) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(e) => Err(path_err("symlink", path)(e)),
    }
}
