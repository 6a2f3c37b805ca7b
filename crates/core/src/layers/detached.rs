//! As root: the overlay is built by a short-lived helper in a private mount namespace of its
//! own, and handed back as a detached mount (open_tree) that the init attaches as its rootfs,
//! as it does an idmapped rootfs (container::idmount). With a user namespace, each layer is
//! first replaced, in that helper namespace only, by an idmapped copy of its mount with the
//! container's maps (overlayfs accepts idmapped layers since Linux 5.19; it cannot itself be
//! idmapped): the layers' files owned by host root are the container root's, nothing on disk
//! changes. The upper directory is not idmapped: what the container writes lands there owned
//! by the host ids it runs as, and its root directory is given to the container's root.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

use nix::fcntl::OFlag;
use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::sys::stat::Mode;
use nix::sys::wait::waitpid;
use nix::unistd::{fork, ForkResult, Gid, Uid};

use super::{sys, Layers, LayersError};
use crate::sys::fdpass::{recv_with_fd, send_fd};

/// The overlay as a detached mount. `userns`: idmap the layers with this namespace's maps;
/// `root_owner`: the host ids of the container's root, given the upper directory.
pub fn detached_overlay(layers: &Layers, rootfs: &Path, userns: Option<BorrowedFd<'_>>, root_owner: Option<(u32, u32)>) -> Result<OwnedFd, LayersError> {
    if let Some((u, g)) = root_owner {
        nix::unistd::chown(&layers.upperdir, Some(Uid::from_raw(u)), Some(Gid::from_raw(g))).map_err(sys(format!("chown {}", layers.upperdir.display())))?;
    }
    let (ours, theirs) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC).map_err(sys("socketpair"))?;
    // We are single-threaded (the runtime): the helper may do anything after fork.
    // SAFETY: fork is unsafe because the child of a multi-threaded process may only make
    // async-signal-safe calls; the runtime that calls this has a single thread, so no lock can
    // be held by a thread that does not exist in the child, and the child ends in _exit.
    let child = match unsafe { fork() }.map_err(sys("fork"))? {
        ForkResult::Child => {
            drop(ours);
            let code = match build(layers, rootfs, userns) {
                Ok(tree) => send_fd(theirs.as_fd(), b"O", tree.as_raw_fd()).map_or(1, |_| 0),
                Err(e) => {
                    let msg = format!("E{e}");
                    let _ = nix::sys::socket::send(theirs.as_raw_fd(), msg.as_bytes(), nix::sys::socket::MsgFlags::empty());
                    1
                }
            };
            // SAFETY: _exit ends this forked child at once, without running the parent's
            // atexit handlers or flushing its copied stdio buffers; no Rust state outlives it.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => child,
    };
    drop(theirs);
    let mut buf = [0u8; 4096];
    let got = recv_with_fd(ours.as_fd(), &mut buf);
    let _ = waitpid(child, None);
    match got {
        Ok((n, Some(fd))) if n >= 1 && buf[0] == b'O' => Ok(fd),
        Ok((n, _)) if n >= 1 && buf[0] == b'E' => Err(LayersError::Helper(String::from_utf8_lossy(&buf[1..n]).into_owned())),
        Ok(_) => Err(LayersError::Sys { what: "the overlay helper died".into(), errno: nix::errno::Errno::EPIPE }),
        Err(e) => Err(sys("receive the overlay from its helper")(e)),
    }
}

/// In the helper: its own mount namespace, idmapped layers over their paths, the overlay.
fn build(layers: &Layers, rootfs: &Path, userns: Option<BorrowedFd<'_>>) -> Result<OwnedFd, LayersError> {
    unshare(CloneFlags::CLONE_NEWNS).map_err(sys("unshare the helper's mount namespace"))?;
    mount(None::<&str>, "/", None::<&str>, MsFlags::MS_PRIVATE | MsFlags::MS_REC, None::<&str>).map_err(sys("make / private"))?;
    if let Some(ns) = userns {
        // Each once, as the overlay stacks them (an idmapped mount cannot be idmapped again).
        for l in tsc_box_image::overlay::distinct_lower(&layers.lowerdir) {
            let tree = crate::sys::open_tree_clone(l, false).map_err(sys(format!("open_tree {}", l.display())))?;
            crate::sys::mount_setattr_idmap(tree.as_fd(), ns).map_err(|errno| LayersError::Sys {
                what: format!("idmap the layer {} (its filesystem must support idmapped mounts: ext4, xfs, btrfs, tmpfs since Linux 6.3)", l.display()),
                errno,
            })?;
            let at = nix::fcntl::open(l, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty()).map_err(sys(format!("open {}", l.display())))?;
            crate::sys::move_mount_fd(tree.as_fd(), at.as_fd()).map_err(sys(format!("attach the idmapped {}", l.display())))?;
        }
    }
    mount(Some("overlay"), rootfs, Some("overlay"), MsFlags::empty(), Some(layers.options(false).as_str()))
        .map_err(sys(format!("mount overlay on {}", rootfs.display())))?;
    crate::sys::open_tree_clone(rootfs, false).map_err(sys("detach the overlay"))
}
