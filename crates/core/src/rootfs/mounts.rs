//! One config.json mount, its destination resolved inside the rootfs.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::{mount, MsFlags};
use nix::sys::stat::{fstat, Mode, SFlag};
use nix::sys::statvfs::{fstatvfs, FsFlags};
use oci_spec::runtime::Mount;

use super::options::{parse, MountOptions};
use super::resolve::{create_file, mkdir_all, open_in_root};
use super::{path_err, RootfsError};
use crate::sys::{fd_path, mount_setattr_recursive};

/// Mounts `m`; returns true when it bind-mounts something over /dev (then /dev is not ours
/// to populate).
pub fn mount_one(root: BorrowedFd<'_>, m: &Mount, tree: Option<BorrowedFd<'_>>) -> Result<bool, RootfsError> {
    let dest = m.destination().as_path();
    let opts = parse(m.options().as_deref().unwrap_or(&[]))?;
    let ty = m.typ().as_deref().unwrap_or("");
    let merr = |what: &str| {
        let what = what.to_string();
        move |errno| RootfsError::Mount { what, dest: dest.to_path_buf(), errno }
    };
    if opts.is_bind() || ty == "bind" {
        bind(root, m, &opts, tree)?;
        return Ok(dest == Path::new("/dev"));
    }
    if ty == "cgroup" || ty == "cgroup2" {
        super::cgroupfs::mount_cgroup(root, dest, opts.flags)?;
        after(root, dest, &opts)?;
        return Ok(false);
    }
    if ty == "proc" || ty == "sysfs" {
        refuse_symlink(root, dest)?;
    }
    let target = mkdir_all(root, dest, Mode::from_bits_truncate(0o755)).map_err(path_err("create mount point", dest))?;
    let tpath = fd_path(target.as_raw_fd());
    let source = m.source().as_ref().map(|s| s.as_os_str()).unwrap_or(ty.as_ref());
    let data = (!opts.data.is_empty()).then_some(opts.data.as_str());
    match ty {
        "sysfs" => {
            let r = mount(Some(source), tpath.as_str(), Some("sysfs"), opts.flags, data);
            // Without a network namespace of its own, sysfs cannot be mounted: bind the host's.
            if let Err(Errno::EPERM | Errno::EBUSY) = r {
                mount(Some("/sys"), tpath.as_str(), None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
                    .map_err(merr("sysfs (bind)"))?;
                remount(root, dest, opts.flags | MsFlags::MS_REC, None)?;
            } else {
                r.map_err(merr("sysfs"))?;
            }
        }
        _ => {
            mount(Some(source), tpath.as_str(), Some(ty), opts.flags, data).map_err(merr(ty))?;
        }
    }
    after(root, dest, &opts)?;
    Ok(false)
}

/// procfs and sysfs go where the config says, not where a symlink planted in the image
/// points: masked and read-only paths are named by their usual places.
fn refuse_symlink(root: BorrowedFd<'_>, dest: &Path) -> Result<(), RootfsError> {
    match open_in_root(root, dest, OFlag::O_PATH | OFlag::O_NOFOLLOW) {
        Ok(fd) => {
            let st = fstat(fd.as_fd()).map_err(path_err("stat", dest))?;
            if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFLNK {
                return Err(RootfsError::Path { what: "refusing to mount over a symlink", path: dest.into(), errno: Errno::ELOOP });
            }
            Ok(())
        }
        Err(Errno::ENOENT) => Ok(()),
        Err(e) => Err(path_err("open", dest)(e)),
    }
}

fn bind(root: BorrowedFd<'_>, m: &Mount, opts: &MountOptions, tree: Option<BorrowedFd<'_>>) -> Result<(), RootfsError> {
    let dest = m.destination().as_path();
    let src = m.source().as_deref().unwrap_or(Path::new(""));
    let sfd = match tree {
        Some(t) => t.try_clone_to_owned().map_err(|e| path_err("bind source", src)(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EBADF))))?,
        None => nix::fcntl::open(src, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty()).map_err(path_err("bind source", src))?,
    };
    let st = fstat(sfd.as_fd()).map_err(path_err("stat bind source", src))?;
    let is_dir = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
    let target = if is_dir {
        mkdir_all(root, dest, Mode::from_bits_truncate(0o755))
    } else {
        create_file(root, dest, Mode::from_bits_truncate(0o644))
    }
    .map_err(path_err("create mount point", dest))?;
    let merr = |errno| RootfsError::Mount { what: format!("bind {}", src.display()), dest: dest.into(), errno };
    if tree.is_some() {
        crate::sys::move_mount_fd(sfd.as_fd(), target.as_fd()).map_err(merr)?;
    } else {
        let flags = MsFlags::MS_BIND | (opts.flags & MsFlags::MS_REC);
        mount(Some(fd_path(sfd.as_raw_fd()).as_str()), fd_path(target.as_raw_fd()).as_str(), None::<&str>, flags, None::<&str>)
            .map_err(merr)?;
    }
    let extra = opts.remount_flags();
    if !extra.is_empty() {
        remount(root, dest, extra | (opts.flags & MsFlags::MS_REC), Some(sfd.as_fd()))?;
    }
    after(root, dest, opts)
}

/// Propagation changes and recursive attributes, on the mount now at `dest`.
fn after(root: BorrowedFd<'_>, dest: &Path, opts: &MountOptions) -> Result<(), RootfsError> {
    if opts.propagation.is_empty() && opts.recursive_attrs == 0 {
        return Ok(());
    }
    let fd = reopen(root, dest)?;
    for p in &opts.propagation {
        mount(None::<&str>, fd_path(fd.as_raw_fd()).as_str(), None::<&str>, *p, None::<&str>)
            .map_err(|errno| RootfsError::Mount { what: "propagation".into(), dest: dest.into(), errno })?;
    }
    if opts.recursive_attrs != 0 {
        mount_setattr_recursive(fd.as_fd(), opts.recursive_attrs, 0)
            .map_err(|errno| RootfsError::Mount { what: "recursive attributes".into(), dest: dest.into(), errno })?;
    }
    Ok(())
}

/// The mount now covering `dest` (the fd taken before mounting still names what is under it).
fn reopen(root: BorrowedFd<'_>, dest: &Path) -> Result<OwnedFd, RootfsError> {
    open_in_root(root, dest, OFlag::O_PATH).map_err(path_err("reopen", dest))
}

/// Bind-remount with `flags`, keeping the flags the kernel locks on the source mount
/// (nosuid/nodev/noexec): dropping them is refused inside a user namespace.
pub(super) fn remount(root: BorrowedFd<'_>, dest: &Path, flags: MsFlags, src: Option<BorrowedFd<'_>>) -> Result<(), RootfsError> {
    let fd = reopen(root, dest)?;
    let locked = locked_flags(src.unwrap_or(fd.as_fd()));
    mount(
        None::<&str>,
        fd_path(fd.as_raw_fd()).as_str(),
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | flags | locked,
        None::<&str>,
    )
    .map_err(|errno| RootfsError::Mount { what: "remount".into(), dest: dest.into(), errno })
}

pub(super) fn locked_flags(fd: BorrowedFd<'_>) -> MsFlags {
    let Ok(vfs) = fstatvfs(fd) else { return MsFlags::empty() };
    let f = vfs.flags();
    let mut out = MsFlags::empty();
    for (s, m) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
    ] {
        if f.contains(s) {
            out |= m;
        }
    }
    out
}
