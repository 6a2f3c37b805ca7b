//! pivot_root into the rootfs and detach the old root, so no host mount stays reachable
//! (chroot would leave them all there).

use std::os::fd::AsFd;
use std::path::Path;

use nix::fcntl::OFlag;
use nix::mount::{MntFlags, MsFlags};
use nix::sys::stat::Mode;

use super::RootfsError;
use crate::sys::Sys;

/// `root`: the new root's mount when the caller holds it already (its path may not be
/// reachable to a mapped root), else `rootfs` is opened.
pub fn pivot(sys: &dyn Sys, rootfs: &Path, root: Option<std::os::fd::BorrowedFd<'_>>) -> Result<(), RootfsError> {
    let err = |errno| RootfsError::Pivot { path: rootfs.to_path_buf(), errno };
    match root {
        Some(fd) => sys.fchdir(fd).map_err(err)?,
        None => {
            let fd = nix::fcntl::open(rootfs, OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty()).map_err(err)?;
            sys.fchdir(fd.as_fd()).map_err(err)?;
        }
    }
    let here = Path::new(".");
    // pivot_root(".", ".") stacks the old root on top of the new one, with no directory
    // needed inside the rootfs to park it in.
    sys.pivot_root(here, here).map_err(err)?;
    // Keep the unmount below from propagating anywhere.
    sys.mount(None, here, None, MsFlags::MS_SLAVE | MsFlags::MS_REC, None).map_err(err)?;
    sys.umount2(here, MntFlags::MNT_DETACH).map_err(err)?;
    sys.chdir(Path::new("/")).map_err(err)
}
