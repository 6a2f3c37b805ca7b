//! A container's root filesystem over an image: an overlayfs whose lower directories are the
//! image's unpacked layers (never written) and whose upper and work directories belong to the
//! container. Where the kernel refuses overlayfs, the layers are copied into a plain directory
//! instead (slower, same result; the caller says so).
use nix::errno::Errno;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("overlay path {0} contains a ',' or ':' or newline, which the mount options cannot carry")]
    BadPath(PathBuf),
    #[error("the image has too many layers for one overlay mount ({0} bytes of options)")]
    TooManyLayers(usize),
    #[error("mounting the overlay on {0}: {1}")]
    Mount(PathBuf, Errno),
    #[error("unmounting {0}: {1}")]
    Unmount(PathBuf, Errno),
}

#[derive(Debug, Clone)]
pub struct OverlayPaths {
    /// Layer directories, topmost first (overlayfs order).
    pub lower: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    pub merged: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Driver {
    Overlay,
    Copy,
}

fn io(p: &Path) -> impl FnOnce(std::io::Error) -> OverlayError + '_ {
    move |e| OverlayError::Io(p.to_path_buf(), e)
}

fn check(p: &Path) -> Result<&str, OverlayError> {
    match p.to_str() {
        Some(s) if !s.contains([',', ':', '\n']) => Ok(s),
        _ => Err(OverlayError::BadPath(p.to_path_buf())),
    }
}

/// Whether an overlay passes syncs on to its upper filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syncs {
    /// A container's overlay: a program's fsync must reach the disk.
    Kept,
    /// A build step's own overlay, whose upper is read into a layer and removed right after
    /// (the layer's blob is made durable by the store): overlayfs' `volatile` (Linux 5.10)
    /// spares its unmount a sync of the whole upper filesystem, every process's dirty data
    /// included (100 to 300 ms on a busy host). A kernel without it mounts without it.
    Volatile,
}

/// Mounts the overlay (or, when `force_copy` or the kernel refuses overlayfs, copies the
/// layers into `merged`). Returns which one happened.
pub fn mount_rootfs(p: &OverlayPaths, force_copy: bool) -> Result<Driver, OverlayError> {
    mount_rootfs_with(p, force_copy, Syncs::Kept)
}

/// `mount_rootfs`, the overlay's syncs as `syncs` says.
pub fn mount_rootfs_with(p: &OverlayPaths, force_copy: bool, syncs: Syncs) -> Result<Driver, OverlayError> {
    for d in [&p.upper, &p.work, &p.merged] {
        std::fs::create_dir_all(d).map_err(io(d))?;
    }
    if !force_copy {
        let lower = distinct_lower(&p.lower).into_iter().map(|l| check(l)).collect::<Result<Vec<_>, _>>()?.join(":");
        // An image without layers still needs one (empty) lower directory.
        let lower = if lower.is_empty() { check(&p.work)?.to_string() + "/empty" } else { lower };
        if p.lower.is_empty() {
            let empty = p.work.join("empty");
            std::fs::create_dir_all(&empty).map_err(io(&empty))?;
        }
        let mut opts = format!("lowerdir={lower},upperdir={},workdir={}", check(&p.upper)?, check(&p.work)?);
        // Root of a user namespace (a rootless build's step, `helper userns-exec`): its layers
        // mark opaque directories with user.overlay.*, and trusted.* is not its to write.
        if crate::unpack::Privilege::current() == crate::unpack::Privilege::UserNs {
            opts.push_str(",userxattr");
        }
        if opts.len() > 4000 {
            return Err(OverlayError::TooManyLayers(opts.len()));
        }
        let volatile = format!("{opts},volatile");
        let tries = if syncs == Syncs::Volatile { vec![volatile.as_str(), opts.as_str()] } else { vec![opts.as_str()] };
        for o in tries {
            match mount(Some("overlay"), &p.merged, Some("overlay"), MsFlags::empty(), Some(o)) {
                Ok(()) => return Ok(Driver::Overlay),
                // `volatile` unknown (before Linux 5.10): tried again without it.
                Err(Errno::EINVAL) if o.ends_with(",volatile") => continue,
                Err(Errno::EPERM | Errno::ENODEV | Errno::EINVAL | Errno::EOPNOTSUPP) => break,
                Err(e) => return Err(OverlayError::Mount(p.merged.clone(), e)),
            }
        }
    }
    for layer in p.lower.iter().rev() {
        apply_layer_copy(layer, &p.merged)?;
    }
    Ok(Driver::Copy)
}

/// The layers of an overlay (topmost first), each once: layers are stored by content, so two
/// steps of a build that made the same changes (an empty `etc/` left by the runtime's mount
/// points, a file written twice under SOURCE_DATE_EPOCH) share one directory, which overlayfs
/// refuses to stack twice (ELOOP). Only the topmost is kept: it repeats every entry of the one
/// below, so that one decides no path and the view is the same.
pub fn distinct_lower(lower: &[PathBuf]) -> Vec<&PathBuf> {
    let mut seen = std::collections::HashSet::new();
    lower.iter().filter(|l| seen.insert(*l)).collect()
}

/// Unmounts `merged` if it is a mount point; a plain directory (copy driver) is left alone.
pub fn unmount_rootfs(merged: &Path) -> Result<(), OverlayError> {
    match umount2(merged, MntFlags::UMOUNT_NOFOLLOW) {
        Ok(()) | Err(Errno::EINVAL) | Err(Errno::ENOENT) => Ok(()),
        // Still busy (a process holds it): detach, the kernel finishes when it lets go.
        Err(Errno::EBUSY) => umount2(merged, MntFlags::MNT_DETACH).map_err(|e| OverlayError::Unmount(merged.to_path_buf(), e)),
        Err(e) => Err(OverlayError::Unmount(merged.to_path_buf(), e)),
    }
}

fn is_whiteout(m: &std::fs::Metadata) -> bool {
    m.file_type().is_char_device() && m.rdev() == 0
}

/// Layers unpacked by host root mark opaque directories with trusted.overlay.opaque, those
/// unpacked in a user namespace (rootless) with user.overlay.opaque.
fn is_opaque(p: &Path) -> bool {
    let Ok(c) = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()) else { return false };
    [c"trusted.overlay.opaque", c"user.overlay.opaque"].iter().any(|name| {
        let mut buf = [0u8; 2];
        // SAFETY: `c` and `name` are NUL-terminated strings alive for the call; lgetxattr writes at
        // most buf.len() bytes into `buf` (a longer value is ERANGE) and keeps no pointer.
        let n = unsafe { libc::lgetxattr(c.as_ptr(), name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        n == 1 && buf[0] == b'y'
    })
}

fn remove_any(p: &Path) -> Result<(), OverlayError> {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p).map_err(io(p)),
        Ok(_) => std::fs::remove_file(p).map_err(io(p)),
        Err(_) => Ok(()),
    }
}

/// Applies one unpacked layer on top of `dest` the way overlayfs would present it. Both trees
/// are ours (the layer was unpacked safely), so plain path operations are fine here; symlinks
/// are recreated, never followed.
pub fn apply_layer_copy(layer: &Path, dest: &Path) -> Result<(), OverlayError> {
    use std::os::unix::fs::{lchown, PermissionsExt};
    let rd = std::fs::read_dir(layer).map_err(io(layer))?;
    for e in rd {
        let e = e.map_err(io(layer))?;
        let src = e.path();
        let dst = dest.join(e.file_name());
        let m = std::fs::symlink_metadata(&src).map_err(io(&src))?;
        if is_whiteout(&m) {
            remove_any(&dst)?;
            continue;
        }
        if m.is_dir() {
            let existing = std::fs::symlink_metadata(&dst).ok();
            if is_opaque(&src) || existing.as_ref().is_some_and(|x| !x.is_dir()) {
                remove_any(&dst)?;
            }
            if !dst.is_dir() {
                std::fs::create_dir(&dst).map_err(io(&dst))?;
            }
            apply_layer_copy(&src, &dst)?;
            std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(m.mode() & 0o7777)).map_err(io(&dst))?;
            let _ = lchown(&dst, Some(m.uid()), Some(m.gid()));
            continue;
        }
        remove_any(&dst)?;
        if m.file_type().is_symlink() {
            let target = std::fs::read_link(&src).map_err(io(&src))?;
            std::os::unix::fs::symlink(target, &dst).map_err(io(&dst))?;
        } else if m.is_file() {
            std::fs::copy(&src, &dst).map_err(io(&dst))?;
        } else {
            // Devices and fifos: same node type and number.
            let kind = nix::sys::stat::SFlag::from_bits_truncate(m.mode() & libc::S_IFMT);
            nix::sys::stat::mknod(&dst, kind, nix::sys::stat::Mode::from_bits_truncate(m.mode() & 0o7777), m.rdev())
                .map_err(|e| OverlayError::Io(dst.clone(), e.into()))?;
        }
        let _ = lchown(&dst, Some(m.uid()), Some(m.gid()));
        if m.is_file() {
            std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(m.mode() & 0o7777)).map_err(io(&dst))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_named_twice_is_stacked_once_at_its_topmost_place() {
        let p = |s: &str| PathBuf::from(s);
        let lower = [p("/l/c"), p("/l/a"), p("/l/b"), p("/l/a")];
        assert_eq!(distinct_lower(&lower), [&p("/l/c"), &p("/l/a"), &p("/l/b")]);
    }

    fn write(p: &Path, s: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    }

    fn stack(tmp: &Path) -> OverlayPaths {
        let (l1, l2) = (tmp.join("l1"), tmp.join("l2"));
        write(&l1.join("etc/keep"), "1");
        write(&l1.join("etc/gone"), "1");
        write(&l1.join("var/old"), "1");
        write(&l2.join("etc/keep"), "2");
        std::fs::create_dir_all(l2.join("var")).unwrap();
        if nix::unistd::geteuid().is_root() {
            nix::sys::stat::mknod(&l2.join("etc/gone"), nix::sys::stat::SFlag::S_IFCHR, nix::sys::stat::Mode::empty(), 0).unwrap();
            let c = std::ffi::CString::new(l2.join("var").to_str().unwrap()).unwrap();
            // SAFETY: both names are NUL-terminated and alive for the call; the value pointer is
            // to the 1 byte passed as its size, which lsetxattr only reads.
            assert_eq!(unsafe { libc::lsetxattr(c.as_ptr(), c"trusted.overlay.opaque".as_ptr(), b"y".as_ptr().cast(), 1, 0) }, 0);
        }
        OverlayPaths { lower: vec![l2, l1], upper: tmp.join("upper"), work: tmp.join("work"), merged: tmp.join("merged") }
    }

    #[test]
    fn copy_driver_applies_whiteouts_and_opaque_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let p = stack(tmp.path());
        assert_eq!(mount_rootfs(&p, true).unwrap(), Driver::Copy);
        assert_eq!(std::fs::read_to_string(p.merged.join("etc/keep")).unwrap(), "2");
        assert!(p.merged.join("var").is_dir());
        // Whiteouts (0/0 devices, the opaque xattr) can only exist in a layer made by root.
        let root = nix::unistd::geteuid().is_root();
        assert_eq!(p.merged.join("etc/gone").exists(), !root);
        assert_eq!(p.merged.join("var/old").exists(), !root);
    }

    #[test]
    fn overlay_driver_presents_the_same_tree_and_never_writes_lowers() {
        let tmp = tempfile::tempdir().unwrap();
        let p = stack(tmp.path());
        let driver = mount_rootfs(&p, false).unwrap();
        // Without root the kernel refuses the mount and the copy driver takes over.
        assert_eq!(driver == Driver::Overlay, nix::unistd::geteuid().is_root());
        std::fs::write(p.merged.join("etc/keep"), "changed").unwrap();
        std::fs::write(p.merged.join("new"), "n").unwrap();
        if driver == Driver::Overlay {
            assert!(!p.merged.join("etc/gone").exists());
            assert!(!p.merged.join("var/old").exists());
            assert_eq!(std::fs::read_to_string(p.upper.join("etc/keep")).unwrap(), "changed");
        }
        unmount_rootfs(&p.merged).unwrap();
        assert_eq!(std::fs::read_to_string(tmp.path().join("l2/etc/keep")).unwrap(), "2");
        assert!(!tmp.path().join("l2/new").exists());
    }

    #[test]
    fn a_volatile_overlay_is_the_same_tree_and_its_upper_holds_the_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let p = stack(tmp.path());
        let driver = mount_rootfs_with(&p, false, Syncs::Volatile).unwrap();
        assert_eq!(driver == Driver::Overlay, nix::unistd::geteuid().is_root());
        std::fs::write(p.merged.join("new"), "n").unwrap();
        if driver == Driver::Overlay {
            assert_eq!(std::fs::read_to_string(p.merged.join("etc/keep")).unwrap(), "2");
            let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
            let line = mounts.lines().find(|l| l.contains(p.merged.to_str().unwrap())).unwrap();
            // A kernel that knows `volatile` (5.10 and later) shows it among the options (`fsync=volatile` in 6.x).
            let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
            let version: Vec<u32> = release.split(['.', '-']).take(2).map(|n| n.trim().parse().unwrap_or(0)).collect();
            assert_eq!(line.contains("volatile"), version >= vec![5, 10], "{line}");
            unmount_rootfs(&p.merged).unwrap();
            assert_eq!(std::fs::read_to_string(p.upper.join("new")).unwrap(), "n");
        }
    }

    #[test]
    fn paths_that_would_break_the_mount_options_are_refused() {
        let p = OverlayPaths { lower: vec!["/a:b".into()], upper: "/u".into(), work: "/w".into(), merged: std::env::temp_dir().join("m-never") };
        assert!(matches!(mount_rootfs(&p, false), Err(OverlayError::BadPath(_))));
    }
}
