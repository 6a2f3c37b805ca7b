//! Filesystem operations relative to a layer's root directory fd. Every path component is
//! opened with O_NOFOLLOW, so a symlink planted by an earlier entry can never redirect a later
//! write outside the root (or anywhere else): walking through it fails instead.
use super::path::CleanPath;
use super::UnpackError;
use crate::tree::{self, id_of, Id, Remover, DIR_FLAGS};
use nix::errno::Errno;
use nix::fcntl::openat;
use nix::sys::stat::{fstat, fstatat, mkdirat, Mode};
use std::cell::RefCell;
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::rc::Rc;

pub use crate::tree::is_dir;

pub fn open_dir_at<Fd: AsFd>(dir: Fd, name: &OsStr, whole: &CleanPath) -> Result<OwnedFd, UnpackError> {
    openat(dir, name, DIR_FLAGS, Mode::empty()).map_err(|e| dir_err(e, whole))
}

fn dir_err(e: Errno, whole: &CleanPath) -> UnpackError {
    match e {
        Errno::ELOOP | Errno::ENOTDIR => UnpackError::ThroughNonDirectory(whole.display()),
        e => UnpackError::Fs(whole.display(), e),
    }
}

/// The directory the previous entry was written in, kept open with the chain of names and
/// identities that leads to it from the root. Archives list entries depth first, so the next
/// entry's directory is nearly always this one, a child or a parent: reaching it costs the
/// components that differ, not the whole path again (which made a deep archive quadratic).
/// One descriptor whatever the depth: a parent is reopened through "..", and is checked to be
/// the directory that was descended from.
pub struct Cursor {
    names: Vec<OsString>,
    /// ids[i] identifies the directory named by names[..i] (ids[0]: the root).
    ids: Vec<Id>,
    fd: OwnedFd,
    /// Directories opened so far (descents and climbs): linear in the archive's size.
    pub steps: u64,
}

impl Cursor {
    pub fn new(root: &OwnedFd) -> Result<Cursor, Errno> {
        let fd = nix::unistd::dup(root)?;
        let id = id_of(&fstat(&fd)?);
        Ok(Cursor { names: Vec::new(), ids: vec![id], fd, steps: 0 })
    }

    /// Back at the root: after something below it was removed, the chain may name
    /// directories that are gone.
    pub fn reset(&mut self, root: &OwnedFd, whole: &CleanPath) -> Result<(), UnpackError> {
        self.fd = nix::unistd::dup(root).map_err(|e| UnpackError::Fs(whole.display(), e))?;
        self.names.clear();
        self.ids.truncate(1);
        Ok(())
    }

    /// Opens (a descriptor of its own) the directory `comps` below the root; missing
    /// directories are created (0755) when `create`, since archives often omit parent entries.
    pub fn open(&mut self, root: &OwnedFd, comps: &[OsString], create: bool, whole: &CleanPath) -> Result<OwnedFd, UnpackError> {
        let fs_err = |e| UnpackError::Fs(whole.display(), e);
        let common = self.names.iter().zip(comps).take_while(|(a, b)| a == b).count();
        let up = self.names.len() - common;
        if up > common {
            // Nearer from the root than from here.
            self.reset(root, whole)?;
        } else {
            for _ in 0..up {
                let parent = openat(&self.fd, "..", DIR_FLAGS, Mode::empty()).map_err(fs_err)?;
                self.steps += 1;
                let expected = self.ids[self.names.len() - 1];
                if id_of(&fstat(&parent).map_err(fs_err)?) != expected {
                    return Err(UnpackError::Fs(whole.display(), Errno::ESTALE));
                }
                self.fd = parent;
                self.names.pop();
                self.ids.pop();
            }
        }
        for comp in &comps[self.names.len()..] {
            // The errno is matched before any error (which names the whole path, thousands of
            // components) is made: making one per missing level was quadratic.
            let next = match openat(&self.fd, comp.as_os_str(), DIR_FLAGS, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::ENOENT) if create => {
                    match mkdirat(&self.fd, comp.as_os_str(), Mode::from_bits_truncate(0o755)) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(fs_err(e)),
                    }
                    open_dir_at(&self.fd, comp, whole)?
                }
                Err(e) => return Err(dir_err(e, whole)),
            };
            let id = id_of(&fstat(&next).map_err(fs_err)?);
            self.steps += 1;
            self.fd = next;
            self.names.push(comp.clone());
            self.ids.push(id);
        }
        nix::unistd::dup(&self.fd).map_err(fs_err)
    }
}

pub fn lstat_at<Fd: AsFd>(dir: Fd, name: &OsStr) -> Option<nix::sys::stat::FileStat> {
    fstatat(dir, name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW).ok()
}

/// Removes whatever is at `name` (recursively for a directory, never following symlinks, in
/// bounded descriptors) so a later entry can take its place. Returns the ids of the
/// directories removed (none when it was not a directory).
pub fn remove_at<Fd: AsFd>(dir: Fd, name: &OsStr, whole: &CleanPath) -> Result<Vec<Id>, UnpackError> {
    if lstat_at(dir.as_fd(), name).is_none() {
        return Ok(Vec::new());
    }
    let removed = Rc::new(RefCell::new(Vec::new()));
    let sink = removed.clone();
    let mut remover = Remover { freed: 0, on_dir: Some(Box::new(move |id| sink.borrow_mut().push(id))) };
    tree::remove_at(dir.as_fd(), name, &mut remover).map_err(|e| UnpackError::Fs(whole.display(), e.errno))?;
    drop(remover);
    Ok(Rc::try_unwrap(removed).map(RefCell::into_inner).unwrap_or_default())
}

pub fn set_xattr_fd<Fd: AsFd>(fd: Fd, name: &str, value: &[u8]) -> Result<(), Errno> {
    let cname = std::ffi::CString::new(name).map_err(|_| Errno::EINVAL)?;
    // nix has no xattr calls.
    // SAFETY: `fd` is borrowed, open for the call; `cname` is NUL-terminated and `value` is
    // value.len() readable bytes, both alive until fsetxattr returns, which only reads them.
    let r = unsafe { libc::fsetxattr(fd.as_fd().as_raw_fd(), cname.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
    Errno::result(r).map(drop)
}
