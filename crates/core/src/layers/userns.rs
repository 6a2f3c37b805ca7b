//! Without root: the init mounts the overlay itself, as root of the container's user
//! namespace and inside its mount namespace (overlayfs may be mounted there since Linux
//! 5.11), with `userxattr` because the layers were unpacked in a user namespace and mark
//! their opaque directories with user.overlay.opaque. The mount exists only in the
//! container's mount namespace: it goes away with the container, and the host never sees it.

use std::path::Path;

use nix::errno::Errno;
use nix::mount::{mount, MsFlags};

use super::{copy, sys, Layers, LayersError};

/// Mounts the overlay on `rootfs`, or copies the layers there when the kernel refuses it.
pub fn mount_in_userns(layers: &Layers, rootfs: &Path) -> Result<(), LayersError> {
    if layers.copy || copy::done(layers) {
        return copy::copy_layers(layers, rootfs);
    }
    match mount(Some("overlay"), rootfs, Some("overlay"), MsFlags::empty(), Some(layers.options(true).as_str())) {
        Ok(()) => Ok(()),
        Err(e @ (Errno::EPERM | Errno::EINVAL | Errno::ENODEV | Errno::EOPNOTSUPP)) => {
            // Said once, on the container's stderr: the copy is made once and kept.
            eprintln!(
                "tsc-box-runtime: the kernel refused overlayfs in the user namespace ({e}): the image's layers are copied into {} (slower, same result)",
                rootfs.display()
            );
            copy::copy_layers(layers, rootfs)
        }
        Err(e) => Err(sys(format!("mount overlay on {}", rootfs.display()))(e)),
    }
}
