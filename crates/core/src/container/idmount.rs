//! An idmapped rootfs: as root, a container in a new user namespace whose rootfs belongs to
//! an id outside its maps (image layers or a --rootfs made by host root, under --userns=auto
//! or --uidmap) would see its own root directory as nobody's. An idmapped copy of the rootfs
//! mount shows it through the container's maps instead: file owner 0 on disk is the
//! container's root, nothing on disk changes. A rootfs already owned inside the range (chowned
//! for it) is left as it is. Without root the kernel refuses idmapped mounts: not used. Nor on
//! filesystems that cannot be idmapped: overlayfs itself is one (an image's rootfs as root).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::fcntl::OFlag;
use nix::sched::{unshare, CloneFlags};
use nix::sys::stat::Mode;
use nix::sys::wait::waitpid;
use nix::unistd::{fork, pipe, read, write, ForkResult};
use oci_spec::runtime::LinuxIdMapping;

use super::{idmap, ContainerError};
use crate::layers::{detached_overlay, Layers};

/// Whether host id `id` is inside one of the maps' host ranges.
fn covered(maps: &[LinuxIdMapping], id: u32) -> bool {
    maps.iter().any(|m| id >= m.host_id() && (id - m.host_id()) < m.size())
}

pub fn rootfs_tree(rootfs: &Path, uid: &[LinuxIdMapping], gid: &[LinuxIdMapping]) -> Result<Option<OwnedFd>, ContainerError> {
    if !nix::unistd::geteuid().is_root() || uid.is_empty() {
        return Ok(None);
    }
    // Detached here in any case, while we are root on the host: the init, a mapped root, may
    // not even pass through the directories above the rootfs (a 0700 data root).
    let fail = |what: &str, e: nix::errno::Errno| ContainerError::User(format!("rootfs for the user namespace: {what}: {e}"));
    let tree = crate::sys::open_tree_clone(rootfs, true).map_err(|e| fail("open_tree", e))?;
    let owner = std::fs::metadata(rootfs).map_err(|e| ContainerError::User(format!("stat {}: {e}", rootfs.display())))?.uid();
    if covered(uid, owner) {
        return Ok(Some(tree));
    }
    idmap_tree(&tree, uid, gid)?;
    Ok(Some(tree))
}

/// Makes `tree` idmapped with the maps, where its filesystem allows it.
fn idmap_tree(tree: &OwnedFd, uid: &[LinuxIdMapping], gid: &[LinuxIdMapping]) -> Result<(), ContainerError> {
    with_userns(uid, gid, |ns| match crate::sys::mount_setattr_idmap(tree.as_fd(), ns) {
        Ok(()) => Ok(()),
        // Filesystems without idmapping support (overlayfs itself, 9p, ...): the rootfs is
        // bound as it is, and must then belong to the range (chown it) to be writable.
        Err(nix::errno::Errno::EINVAL | nix::errno::Errno::EOPNOTSUPP) => Ok(()),
        Err(e) => Err(ContainerError::User(format!("idmapped rootfs: mount_setattr: {e}"))),
    })
}

/// As root, the overlay of an image's layers that the spec's annotation asks for (see
/// crate::layers), with the layers idmapped when the container has a new user namespace.
pub fn overlay_tree(layers: &Layers, rootfs: &Path, new_user: bool, uid: &[LinuxIdMapping], gid: &[LinuxIdMapping]) -> Result<OwnedFd, ContainerError> {
    if !new_user {
        return Ok(detached_overlay(layers, rootfs, None, None)?);
    }
    let root_owner = host_id(uid, 0).zip(host_id(gid, 0));
    with_userns(uid, gid, |ns| Ok(detached_overlay(layers, rootfs, Some(ns), root_owner)?))
}

/// The host id that container id `id` is mapped to.
fn host_id(maps: &[LinuxIdMapping], id: u32) -> Option<u32> {
    maps.iter().find(|m| id >= m.container_id() && id - m.container_id() < m.size()).map(|m| m.host_id() + (id - m.container_id()))
}

/// Runs `f` with a user namespace that has the container's maps, held by a child only for as
/// long as `f` takes (the container's own namespace does not exist yet); mounts idmapped with
/// it keep the maps after the child is gone.
fn with_userns<T>(uid: &[LinuxIdMapping], gid: &[LinuxIdMapping], f: impl FnOnce(BorrowedFd<'_>) -> Result<T, ContainerError>) -> Result<T, ContainerError> {
    let fail = |what: &str, e: nix::errno::Errno| ContainerError::User(format!("idmapped mount: {what}: {e}"));
    let (ready_r, ready_w) = pipe().map_err(|e| fail("pipe", e))?;
    let (done_r, done_w) = pipe().map_err(|e| fail("pipe", e))?;
    // SAFETY: fork is unsafe because the child of a multi-threaded process may only make
    // async-signal-safe calls; the runtime that calls this is single-threaded, and the child
    // only drops fds, unshares, writes, reads and _exits in any case.
    let child = match unsafe { fork() }.map_err(|e| fail("fork", e))? {
        ForkResult::Child => {
            drop((ready_r, done_w));
            if unshare(CloneFlags::CLONE_NEWUSER).is_ok() && write(&ready_w, b"1").is_ok() {
                let mut b = [0u8; 1];
                let _ = read(&done_r, &mut b);
            }
            // SAFETY: _exit ends this forked child at once, without running the parent's
            // atexit handlers or flushing its copied stdio buffers; no Rust state outlives it.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => child,
    };
    drop((ready_w, done_r));
    let result = (|| {
        let mut b = [0u8; 1];
        if read(&ready_r, &mut b).map_err(|e| fail("helper", e))? != 1 {
            return Err(ContainerError::User("idmapped mount: the helper could not make a user namespace".into()));
        }
        idmap::write_maps(child, uid, gid)?;
        let ns = nix::fcntl::open(format!("/proc/{child}/ns/user").as_str(), OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|e| fail("open the helper's user namespace", e))?;
        f(ns.as_fd())
    })();
    drop(done_w);
    let _ = waitpid(child, None);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rootfs_owned_inside_the_range_needs_no_idmap() {
        let maps: Vec<LinuxIdMapping> = serde_json::from_str(r#"[{"containerID":0,"hostID":200000,"size":65536}]"#).unwrap();
        assert!(covered(&maps, 200000));
        assert!(covered(&maps, 265535));
        assert!(!covered(&maps, 265536));
        assert!(!covered(&maps, 0));
    }

    #[test]
    fn the_container_root_is_found_in_the_maps() {
        let maps: Vec<LinuxIdMapping> =
            serde_json::from_str(r#"[{"containerID":1,"hostID":300001,"size":10},{"containerID":0,"hostID":200000,"size":1}]"#).unwrap();
        assert_eq!(host_id(&maps, 0), Some(200000));
        assert_eq!(host_id(&maps, 5), Some(300005));
        assert_eq!(host_id(&maps, 11), None);
    }
}
