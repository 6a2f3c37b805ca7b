//! One config.json mount, its destination resolved inside the rootfs.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::MsFlags;
use nix::sys::stat::{fstat, Mode, SFlag};
use nix::sys::statvfs::{fstatvfs, FsFlags};
use oci_spec::runtime::Mount;

use super::options::{parse, MountOptions};
use super::resolve::{create_file, mkdir_all, open_in_root};
use super::{path_err, RootfsError};
use crate::sys::{fd_path, Sys};

/// Mounts `m`; returns true when it bind-mounts something over /dev (then /dev is not ours
/// to populate). `cgroup_ns`: the container has a cgroup namespace of its own.
pub fn mount_one(sys: &dyn Sys, root: BorrowedFd<'_>, m: &Mount, tree: Option<BorrowedFd<'_>>, cgroup_ns: bool) -> Result<bool, RootfsError> {
    let dest = m.destination().as_path();
    let opts = parse(m.options().as_deref().unwrap_or(&[]))?;
    let ty = m.typ().as_deref().unwrap_or("");
    let merr = |what: &str| {
        let what = what.to_string();
        move |errno| RootfsError::Mount { what, dest: dest.to_path_buf(), errno }
    };
    if opts.is_bind() || ty == "bind" {
        bind(sys, root, m, &opts, tree)?;
        return Ok(dest == Path::new("/dev"));
    }
    if ty == "cgroup" || ty == "cgroup2" {
        super::cgroupfs::mount_cgroup(sys, root, dest, ty, opts.flags, cgroup_ns)?;
        after(sys, root, dest, &opts)?;
        return Ok(false);
    }
    if ty == "proc" || ty == "sysfs" {
        refuse_symlink(root, dest)?;
    }
    // A read-only tmpfs at /dev still needs /dev/pts, the devices, the links and the console
    // made in it: mounted writable, `finish` makes it read-only (as runc does).
    let mut opts = opts;
    if read_only_dev(m)?.is_some() {
        opts.flags.remove(MsFlags::MS_RDONLY);
    }
    let target = mkdir_all(root, dest, Mode::from_bits_truncate(0o755)).map_err(path_err("create mount point", dest))?;
    check_destination(root, target.as_fd(), dest, ty, false)?;
    let tpath = fd_path(target.as_raw_fd());
    let tpath = Path::new(&tpath);
    let source = Path::new(m.source().as_ref().map(|s| s.as_os_str()).unwrap_or(ty.as_ref()));
    let data = (!opts.data.is_empty()).then_some(opts.data.as_str());
    match ty {
        "sysfs" => {
            let r = sys.mount(Some(source), tpath, Some("sysfs"), opts.flags, data);
            // Without a network namespace of its own, sysfs cannot be mounted: bind the host's.
            if let Err(Errno::EPERM | Errno::EBUSY) = r {
                sys.mount(Some(Path::new("/sys")), tpath, None, MsFlags::MS_BIND | MsFlags::MS_REC, None).map_err(merr("sysfs (bind)"))?;
                remount(sys, root, dest, opts.flags | MsFlags::MS_REC, None)?;
            } else {
                r.map_err(merr("sysfs"))?;
            }
        }
        _ => {
            sys.mount(Some(source), tpath, Some(ty), opts.flags, data).map_err(merr(ty))?;
        }
    }
    after(sys, root, dest, &opts)?;
    Ok(false)
}

/// Whether the mount goes to /dev (however the destination is spelled).
pub(super) fn at_dev(m: &Mount) -> bool {
    clean(m.destination()) == Path::new("/dev")
}

/// For a read-only tmpfs mount at /dev: the flags to remount it with once it is filled.
pub(super) fn read_only_dev(m: &Mount) -> Result<Option<MsFlags>, RootfsError> {
    if m.typ().as_deref() != Some("tmpfs") || !at_dev(m) {
        return Ok(None);
    }
    let opts = parse(m.options().as_deref().unwrap_or(&[]))?;
    Ok((!opts.is_bind() && opts.flags.contains(MsFlags::MS_RDONLY)).then_some(opts.flags))
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

/// statfs f_type of procfs and sysfs (linux/magic.h).
const PROC_SUPER_MAGIC: i64 = 0x9fa0;
const SYSFS_MAGIC: i64 = 0x6265_6572;

/// Files of /proc that lxcfs (and the like) bind-mount over, as runc allows them.
const PROC_FILES_BINDABLE: &[&str] =
    &["/proc/cpuinfo", "/proc/diskstats", "/proc/loadavg", "/proc/meminfo", "/proc/slabinfo", "/proc/stat", "/proc/swaps", "/proc/uptime"];

/// Which of procfs and sysfs the fd is on, if either.
fn kernel_fs(fd: BorrowedFd<'_>, dest: &Path) -> Result<Option<&'static str>, RootfsError> {
    let st = nix::sys::statfs::fstatfs(fd).map_err(path_err("statfs", dest))?;
    Ok(match st.filesystem_type().0 as i64 {
        PROC_SUPER_MAGIC => Some("procfs"),
        SYSFS_MAGIC => Some("sysfs"),
        _ => None,
    })
}

/// `dest` without `.`, empty and trailing components, as the config means it.
fn clean(dest: &Path) -> std::path::PathBuf {
    Path::new("/").join(dest.components().filter(|c| matches!(c, std::path::Component::Normal(_))).collect::<std::path::PathBuf>())
}

/// A mount destination must not land in the container's procfs or sysfs, where a mount
/// could hide what masks and read-only remounts protect or redirect a kernel interface (an
/// image's `/data -> /proc/sys`, `/etc/hosts -> /proc/sys/kernel/core_pattern`: the
/// CVE-2019-16884 and CVE-2019-19921 class). `target` is the destination as resolved in the
/// root, symlinks followed, before anything is mounted on it. Allowed there: procfs and sysfs
/// mounted at exactly /proc and /sys, the cgroup filesystem at /sys/fs/cgroup, and binds onto
/// the few /proc files lxcfs provides, each only when its path as written resolves with no
/// symlink on the way.
pub(super) fn check_destination(root: BorrowedFd<'_>, target: BorrowedFd<'_>, dest: &Path, ty: &str, is_bind: bool) -> Result<(), RootfsError> {
    let Some(fs) = kernel_fs(target, dest)? else { return Ok(()) };
    let at = clean(dest);
    let at = at.to_str().unwrap_or("");
    let allowed = match (fs, ty) {
        ("procfs", "proc") if !is_bind => at == "/proc",
        ("sysfs", "sysfs") if !is_bind => at == "/sys",
        ("sysfs", "cgroup" | "cgroup2") if !is_bind => at == "/sys/fs/cgroup",
        ("procfs", _) if is_bind => PROC_FILES_BINDABLE.contains(&at),
        _ => false,
    };
    if allowed && resolves_as_written(root, target, dest) {
        return Ok(());
    }
    Err(RootfsError::IntoKernelFs { dest: dest.to_path_buf(), fs })
}

/// Whether `dest` resolves in the root with no symlink and reaches `target`.
fn resolves_as_written(root: BorrowedFd<'_>, target: BorrowedFd<'_>, dest: &Path) -> bool {
    use nix::fcntl::{openat2, OpenHow, ResolveFlag};
    let rel = dest.strip_prefix("/").unwrap_or(dest);
    let how = OpenHow::new().flags(OFlag::O_PATH | OFlag::O_CLOEXEC).resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_SYMLINKS);
    let Ok(fd) = openat2(root, rel, how) else { return false };
    match (fstat(fd.as_fd()), fstat(target)) {
        (Ok(a), Ok(b)) => (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino),
        _ => false,
    }
}

fn bind(sys: &dyn Sys, root: BorrowedFd<'_>, m: &Mount, opts: &MountOptions, tree: Option<BorrowedFd<'_>>) -> Result<(), RootfsError> {
    let dest = m.destination().as_path();
    let src = m.source().as_deref().unwrap_or(Path::new(""));
    let sfd = match tree {
        Some(t) => t.try_clone_to_owned().map_err(|e| path_err("bind source", src)(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EBADF))))?,
        None => nix::fcntl::open(src, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty()).map_err(path_err("bind source", src))?,
    };
    let st = fstat(sfd.as_fd()).map_err(path_err("stat bind source", src))?;
    let is_dir = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR;
    let target = if is_dir { mkdir_all(root, dest, Mode::from_bits_truncate(0o755)) } else { create_file(root, dest, Mode::from_bits_truncate(0o644)) }
        .map_err(path_err("create mount point", dest))?;
    check_destination(root, target.as_fd(), dest, "bind", true)?;
    let merr = |errno| RootfsError::Mount { what: format!("bind {}", src.display()), dest: dest.into(), errno };
    if tree.is_some() {
        sys.move_mount(sfd.as_fd(), target.as_fd()).map_err(merr)?;
    } else {
        let flags = MsFlags::MS_BIND | (opts.flags & MsFlags::MS_REC);
        sys.mount(Some(Path::new(&fd_path(sfd.as_raw_fd()))), Path::new(&fd_path(target.as_raw_fd())), None, flags, None).map_err(merr)?;
    }
    let extra = opts.remount_flags();
    if !extra.is_empty() {
        remount(sys, root, dest, extra | (opts.flags & MsFlags::MS_REC), Some(sfd.as_fd()))?;
    }
    after(sys, root, dest, opts)
}

/// Propagation changes and recursive attributes, on the mount now at `dest`.
fn after(sys: &dyn Sys, root: BorrowedFd<'_>, dest: &Path, opts: &MountOptions) -> Result<(), RootfsError> {
    if opts.propagation.is_empty() && opts.recursive_attrs == 0 {
        return Ok(());
    }
    let fd = reopen(root, dest)?;
    for p in &opts.propagation {
        sys.mount(None, Path::new(&fd_path(fd.as_raw_fd())), None, *p, None).map_err(|errno| RootfsError::Mount {
            what: "propagation".into(),
            dest: dest.into(),
            errno,
        })?;
    }
    if opts.recursive_attrs != 0 {
        sys.mount_setattr_recursive(fd.as_fd(), opts.recursive_attrs, 0).map_err(|errno| RootfsError::Mount {
            what: "recursive attributes".into(),
            dest: dest.into(),
            errno,
        })?;
    }
    Ok(())
}

/// The mount now covering `dest` (the fd taken before mounting still names what is under it).
fn reopen(root: BorrowedFd<'_>, dest: &Path) -> Result<OwnedFd, RootfsError> {
    open_in_root(root, dest, OFlag::O_PATH).map_err(path_err("reopen", dest))
}

/// Bind-remount with `flags`, keeping the flags the kernel locks on the source mount
/// (nosuid/nodev/noexec): dropping them is refused inside a user namespace.
pub(super) fn remount(sys: &dyn Sys, root: BorrowedFd<'_>, dest: &Path, flags: MsFlags, src: Option<BorrowedFd<'_>>) -> Result<(), RootfsError> {
    let fd = reopen(root, dest)?;
    let locked = locked_flags(src.unwrap_or(fd.as_fd()));
    sys.mount(None, Path::new(&fd_path(fd.as_raw_fd())), None, MsFlags::MS_BIND | MsFlags::MS_REMOUNT | flags | locked, None)
        .map_err(|errno| RootfsError::Mount { what: "remount".into(), dest: dest.into(), errno })
}

pub(super) fn locked_flags(fd: BorrowedFd<'_>) -> MsFlags {
    let Ok(vfs) = fstatvfs(fd) else { return MsFlags::empty() };
    let f = vfs.flags();
    let mut out = MsFlags::empty();
    for (s, m) in [(FsFlags::ST_NOSUID, MsFlags::MS_NOSUID), (FsFlags::ST_NODEV, MsFlags::MS_NODEV), (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC)] {
        if f.contains(s) {
            out |= m;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(p: &str) -> OwnedFd {
        nix::fcntl::open(p, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty()).unwrap()
    }

    #[test]
    fn destinations_in_procfs_and_sysfs() {
        // The host's own / stands in for a container root with procfs and sysfs mounted.
        let root = open("/");
        let check = |resolved: &str, dest: &str, ty: &str, bind: bool| check_destination(root.as_fd(), open(resolved).as_fd(), Path::new(dest), ty, bind);
        // `/data -> /proc/sys` in an image: /data resolved to /proc/sys.
        let e = check("/proc/sys", "/data", "bind", true).unwrap_err().to_string();
        assert!(e.contains("/data") && e.contains("procfs"), "{e}");
        assert!(check("/proc/sys/kernel/core_pattern", "/etc/hosts", "bind", true).is_err());
        assert!(check("/proc/sys", "/proc/sys", "tmpfs", false).is_err(), "a mount below /proc, even as written");
        assert!(check("/sys/kernel", "/data", "tmpfs", false).unwrap_err().to_string().contains("sysfs"));
        // procfs over /proc, sysfs over /sys and lxcfs-style binds stay allowed...
        check("/proc", "/proc", "proc", false).unwrap();
        check("/sys", "/sys", "sysfs", false).unwrap();
        check("/proc/meminfo", "/proc/meminfo", "bind", true).unwrap();
        check("/proc/meminfo", "/proc//./meminfo/", "bind", true).unwrap();
        // ...but not when reached through a symlink, or at another place.
        assert!(check("/proc/meminfo", "/proc/self/../meminfo", "bind", true).is_err());
        assert!(check("/proc", "/data", "proc", false).is_err());
        assert!(check("/proc/sys", "/proc/sys", "proc", false).is_err());
        // Outside procfs and sysfs nothing changes.
        check("/tmp", "/tmp", "tmpfs", false).unwrap();
        check("/etc/hostname", "/etc/hostname", "bind", true).unwrap();
    }

    #[test]
    fn clean_destinations() {
        assert_eq!(clean(Path::new("/proc//./meminfo/")), Path::new("/proc/meminfo"));
        assert_eq!(clean(Path::new("/a/../proc")), Path::new("/a/proc"));
        assert_eq!(clean(Path::new("/")), Path::new("/"));
    }
}
