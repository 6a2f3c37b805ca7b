//! pivot_root into the rootfs and detach the old root, so no host mount stays reachable
//! (chroot would leave them all there).

use std::path::Path;

use nix::fcntl::OFlag;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sys::stat::Mode;
use nix::unistd::{chdir, fchdir, pivot_root};

use super::RootfsError;

/// `root`: the new root's mount when the caller holds it already (its path may not be
/// reachable to a mapped root), else `rootfs` is opened.
pub fn pivot(rootfs: &Path, root: Option<std::os::fd::BorrowedFd<'_>>) -> Result<(), RootfsError> {
    let err = |errno| RootfsError::Pivot { path: rootfs.to_path_buf(), errno };
    match root {
        Some(fd) => fchdir(fd).map_err(err)?,
        None => {
            let fd = nix::fcntl::open(rootfs, OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty()).map_err(err)?;
            fchdir(&fd).map_err(err)?;
        }
    }
    // pivot_root(".", ".") stacks the old root on top of the new one, with no directory
    // needed inside the rootfs to park it in.
    pivot_root(".", ".").map_err(err)?;
    // Keep the unmount below from propagating anywhere.
    mount(None::<&str>, ".", None::<&str>, MsFlags::MS_SLAVE | MsFlags::MS_REC, None::<&str>).map_err(err)?;
    umount2(".", MntFlags::MNT_DETACH).map_err(err)?;
    chdir("/").map_err(err)
}
