//! maskedPaths and readonlyPaths, and the read-only root.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::MsFlags;
use nix::sys::stat::{fstat, major, minor, SFlag};

use super::mounts::{locked_flags, remount};
use super::resolve::open_in_root;
use super::{path_err, RootfsError};
use crate::sys::{fd_path, Sys};

/// Binds a path onto itself and makes it read-only. Missing paths are skipped (the spec's
/// defaults list paths that not every kernel has).
pub fn readonly(sys: &dyn Sys, root: BorrowedFd<'_>, p: &Path) -> Result<(), RootfsError> {
    let fd = match open_in_root(root, p, OFlag::O_PATH) {
        Err(Errno::ENOENT) => return Ok(()),
        r => r.map_err(path_err("open", p))?,
    };
    let fp = fd_path(fd.as_raw_fd());
    let fp = Path::new(&fp);
    sys.mount(Some(fp), fp, None, MsFlags::MS_BIND | MsFlags::MS_REC, None).map_err(|errno| RootfsError::Mount {
        what: "read-only bind".into(),
        dest: p.into(),
        errno,
    })?;
    remount(sys, root, p, MsFlags::MS_RDONLY | MsFlags::MS_REC, None)
}

pub fn mask_all(sys: &dyn Sys, root: BorrowedFd<'_>, masked: &[String]) -> Result<(), RootfsError> {
    let null = Path::new("/dev/null");
    let nfd = open_in_root(root, null, OFlag::O_PATH).map_err(path_err("open", null))?;
    // A rootfs could ship its own /dev/null (a regular file, a symlink to a secret): only the
    // real null device may cover anything.
    let st = fstat(nfd.as_fd()).map_err(path_err("stat", null))?;
    let is_chr = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFCHR;
    if !is_chr || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3 {
        return Err(RootfsError::NotNullDevice(null.into()));
    }
    let null_path = fd_path(nfd.as_raw_fd());
    let null_path = Path::new(&null_path);
    for p in masked {
        let p = Path::new(p);
        let fd = match open_in_root(root, p, OFlag::O_PATH | OFlag::O_NOFOLLOW) {
            Err(Errno::ENOENT) => continue,
            r => r.map_err(path_err("open", p))?,
        };
        let st = fstat(fd.as_fd()).map_err(path_err("stat", p))?;
        let target = fd_path(fd.as_raw_fd());
        let target = Path::new(&target);
        let is_dir = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
        let r = if is_dir {
            sys.mount(Some(Path::new("tmpfs")), target, Some("tmpfs"), MsFlags::MS_RDONLY, None)
        } else {
            sys.mount(Some(null_path), target, None, MsFlags::MS_BIND, None)
        };
        r.map_err(|errno| RootfsError::Mount { what: "mask".into(), dest: p.into(), errno })?;
    }
    Ok(())
}

pub fn remount_readonly(sys: &dyn Sys, p: &Path) -> Result<(), RootfsError> {
    let fd = nix::fcntl::open(p, OFlag::O_PATH | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty()).map_err(path_err("open", p))?;
    let locked = locked_flags(fd.as_fd());
    sys.mount(None, p, None, MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | locked, None).map_err(|errno| RootfsError::Mount {
        what: "read-only root".into(),
        dest: p.into(),
        errno,
    })
}
