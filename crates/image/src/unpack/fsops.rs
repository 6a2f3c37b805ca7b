//! Filesystem operations relative to a layer's root directory fd. Every path component is
//! opened with O_NOFOLLOW, so a symlink planted by an earlier entry can never redirect a later
//! write outside the root (or anywhere else): walking through it fails instead.
use super::path::CleanPath;
use super::UnpackError;
use nix::errno::Errno;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstatat, mkdirat, Mode, SFlag};
use nix::unistd::{unlinkat, UnlinkatFlags};
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

const DIR_FLAGS: OFlag = OFlag::O_RDONLY.union(OFlag::O_DIRECTORY).union(OFlag::O_NOFOLLOW).union(OFlag::O_CLOEXEC);

pub fn open_dir_at<Fd: AsFd>(dir: Fd, name: &OsStr, whole: &CleanPath) -> Result<OwnedFd, UnpackError> {
    openat(dir, name, DIR_FLAGS, Mode::empty()).map_err(|e| match e {
        Errno::ELOOP | Errno::ENOTDIR => UnpackError::ThroughNonDirectory(whole.display()),
        e => UnpackError::Fs(whole.display(), e),
    })
}

/// Opens the directory `comps` under `root`; missing directories are created (0755) when
/// `create`, since archives often omit parent entries.
pub fn walk<Fd: AsFd>(root: Fd, comps: &[OsString], create: bool, whole: &CleanPath) -> Result<OwnedFd, UnpackError> {
    let mut cur = nix::unistd::dup(root.as_fd()).map_err(|e| UnpackError::Fs(whole.display(), e))?;
    for comp in comps {
        let next = match open_dir_at(&cur, comp, whole) {
            Err(UnpackError::Fs(_, Errno::ENOENT)) if create => {
                match mkdirat(&cur, comp.as_os_str(), Mode::from_bits_truncate(0o755)) {
                    Ok(()) | Err(Errno::EEXIST) => {}
                    Err(e) => return Err(UnpackError::Fs(whole.display(), e)),
                }
                open_dir_at(&cur, comp, whole)?
            }
            r => r?,
        };
        cur = next;
    }
    Ok(cur)
}

pub fn lstat_at<Fd: AsFd>(dir: Fd, name: &OsStr) -> Option<nix::sys::stat::FileStat> {
    fstatat(dir, name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW).ok()
}

pub fn is_dir(st: &nix::sys::stat::FileStat) -> bool {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFDIR
}

/// Removes whatever is at `name` (recursively for a directory, never following symlinks) so a
/// later entry can take its place.
pub fn remove_at<Fd: AsFd>(dir: Fd, name: &OsStr, whole: &CleanPath) -> Result<(), UnpackError> {
    let Some(st) = lstat_at(dir.as_fd(), name) else { return Ok(()) };
    if is_dir(&st) {
        let sub = open_dir_at(dir.as_fd(), name, whole)?;
        let mut d = nix::dir::Dir::from_fd(sub).map_err(|e| UnpackError::Fs(whole.display(), e))?;
        let names: Vec<OsString> = d
            .iter()
            .filter_map(|e| e.ok())
            .map(|e| OsStr::from_bytes(e.file_name().to_bytes()).to_os_string())
            .filter(|n| n != "." && n != "..")
            .collect();
        let subfd = nix::unistd::dup(unsafe { std::os::fd::BorrowedFd::borrow_raw(d.as_raw_fd()) })
            .map_err(|e| UnpackError::Fs(whole.display(), e))?;
        for n in names {
            remove_at(&subfd, &n, whole)?;
        }
        unlinkat(dir, name, UnlinkatFlags::RemoveDir).map_err(|e| UnpackError::Fs(whole.display(), e))
    } else {
        unlinkat(dir, name, UnlinkatFlags::NoRemoveDir).map_err(|e| UnpackError::Fs(whole.display(), e))
    }
}

pub fn set_xattr_fd<Fd: AsFd>(fd: Fd, name: &str, value: &[u8]) -> Result<(), Errno> {
    let cname = std::ffi::CString::new(name).map_err(|_| Errno::EINVAL)?;
    // nix has no xattr calls.
    let r = unsafe {
        libc::fsetxattr(fd.as_fd().as_raw_fd(), cname.as_ptr(), value.as_ptr().cast(), value.len(), 0)
    };
    Errno::result(r).map(drop)
}
