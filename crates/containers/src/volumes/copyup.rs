//! Copy-up: a new (empty) volume gets what the image holds at the mount's destination, as
//! docker fills it: owners, modes, times, extended attributes where the filesystem takes them,
//! symlinks as symlinks, hard links as links, fifos and device nodes as nodes.
//!
//! The image is hostile. The destination is resolved inside the container's root with
//! openat2(RESOLVE_IN_ROOT): a symlink, even `../../../etc` or `/etc`, stays in the root, so a
//! volume path that points "out" copies the root's own directory, never the host's. Below it
//! every step is an `openat(O_NOFOLLOW)` from the directory's descriptor: a symlink is copied as
//! a link and never entered.

use std::collections::HashMap;
use std::ffi::{CStr, CString, OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::dir::Dir;
use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{fchmod, fstat, fstatat, futimens, mkdirat, mknodat, utimensat, FileStat, Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchown, fchownat, linkat, symlinkat, Gid, Uid};

use tsc_box_core::rootfs::resolve::open_in_root;

const DIR: OFlag = OFlag::O_RDONLY.union(OFlag::O_DIRECTORY).union(OFlag::O_NOFOLLOW).union(OFlag::O_CLOEXEC);
/// A tree deeper than this is refused: each level holds two descriptors while it is copied.
pub const MAX_DEPTH: usize = 256;

/// A failure, with the path (relative to the copied directory) where it happened.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {errno}")]
pub struct CopyError {
    pub path: String,
    pub errno: Errno,
}

fn at(path: &Path, errno: Errno) -> CopyError {
    CopyError { path: if path.as_os_str().is_empty() { ".".into() } else { path.display().to_string() }, errno }
}

/// Copies the directory `path` of the root `rootfs` into the (empty, existing) directory
/// `dest`, which takes its owner and mode. Returns false when the root has no directory there
/// (nothing to copy: docker's rule too).
pub fn copy_up(rootfs: &Path, path: &str, dest: &Path) -> Result<bool, CopyError> {
    let root = nix::fcntl::open(rootfs, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty()).map_err(|e| at(Path::new(""), e))?;
    // The last component may be a symlink too: followed, inside the root, as the runtime's
    // mount of the volume will follow it.
    let src = match open_in_root(root.as_fd(), Path::new(path), OFlag::O_RDONLY | OFlag::O_DIRECTORY) {
        Ok(fd) => fd,
        Err(Errno::ENOENT | Errno::ENOTDIR) => return Ok(false),
        Err(e) => return Err(at(Path::new(path), e)),
    };
    let dst = nix::fcntl::open(dest, DIR, Mode::empty()).map_err(|e| at(Path::new(""), e))?;
    let mut c = Copier { links: HashMap::new(), rel: std::path::PathBuf::new() };
    c.dir(src.as_fd(), dst.as_fd(), 0)?;
    let st = fstat(&src).map_err(|e| at(Path::new(""), e))?;
    c.meta_fd(src.as_fd(), dst.as_fd(), &st)?;
    Ok(true)
}

struct Copier {
    /// Files with several links already copied: (dev, ino) to their path relative to the top.
    links: HashMap<(u64, u64), CString>,
    rel: std::path::PathBuf,
}

fn kind(st: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits())
}

fn names(dir: BorrowedFd<'_>) -> Result<Vec<OsString>, Errno> {
    let mut d = Dir::openat(dir, ".", DIR, Mode::empty())?;
    let mut out = Vec::new();
    for e in d.iter() {
        let e = e?;
        let n = OsStr::from_bytes(e.file_name().to_bytes());
        if n != "." && n != ".." {
            out.push(n.to_os_string());
        }
    }
    out.sort();
    Ok(out)
}

impl Copier {
    fn fail(&self, name: &OsStr, e: Errno) -> CopyError {
        at(&self.rel.join(name), e)
    }

    fn dir(&mut self, src: BorrowedFd<'_>, dst: BorrowedFd<'_>, depth: usize) -> Result<(), CopyError> {
        if depth > MAX_DEPTH {
            return Err(at(&self.rel, Errno::ELOOP));
        }
        for name in names(src).map_err(|e| at(&self.rel, e))? {
            self.entry(src, dst, &name, depth).map_err(|e| if e.path.is_empty() { self.fail(&name, e.errno) } else { e })?;
        }
        Ok(())
    }

    fn entry(&mut self, src: BorrowedFd<'_>, dst: BorrowedFd<'_>, name: &OsStr, depth: usize) -> Result<(), CopyError> {
        let plain = |e: Errno| CopyError { path: String::new(), errno: e };
        let st = fstatat(src, name, AtFlags::AT_SYMLINK_NOFOLLOW).map_err(plain)?;
        let perm = Mode::from_bits_truncate(st.st_mode & 0o7777);
        match kind(&st) {
            SFlag::S_IFDIR => {
                mkdirat(dst, name, Mode::from_bits_truncate(0o700)).map_err(plain)?;
                let s = openat(src, name, DIR, Mode::empty()).map_err(plain)?;
                let d = openat(dst, name, DIR, Mode::empty()).map_err(plain)?;
                self.rel.push(name);
                let r = self.dir(s.as_fd(), d.as_fd(), depth + 1).and_then(|()| self.meta_fd(s.as_fd(), d.as_fd(), &st));
                self.rel.pop();
                r
            }
            SFlag::S_IFREG => {
                if st.st_nlink > 1 {
                    if let Some(first) = self.links.get(&(st.st_dev, st.st_ino)) {
                        return self.link(dst, first.clone(), name).map_err(plain);
                    }
                }
                let s = openat(src, name, OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NOCTTY, Mode::empty()).map_err(plain)?;
                // The file opened must be the one looked at (not swapped meanwhile).
                let now = fstat(&s).map_err(plain)?;
                if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) {
                    return Err(plain(Errno::ESTALE));
                }
                let d =
                    openat(dst, name, OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC, Mode::from_bits_truncate(0o600))
                        .map_err(plain)?;
                let mut from = std::fs::File::from(s);
                let mut to = std::fs::File::from(d);
                std::io::copy(&mut from, &mut to).map_err(|e| plain(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))))?;
                self.meta_fd(from.as_fd(), to.as_fd(), &st)?;
                if st.st_nlink > 1 {
                    let rel = self.rel.join(name);
                    if let Ok(c) = CString::new(rel.as_os_str().as_bytes()) {
                        self.links.insert((st.st_dev, st.st_ino), c);
                    }
                }
                Ok(())
            }
            SFlag::S_IFLNK => {
                let target = nix::fcntl::readlinkat(src, name).map_err(plain)?;
                // The link's text is copied as it is: it is resolved in the container, later.
                symlinkat(target.as_os_str(), dst, name).map_err(plain)?;
                chown_at(dst, name, &st).map_err(plain)?;
                let (a, m) = times(&st);
                utimensat(dst, name, &a, &m, UtimensatFlags::NoFollowSymlink).map_err(plain)
            }
            k @ (SFlag::S_IFIFO | SFlag::S_IFCHR | SFlag::S_IFBLK) => {
                mknodat(dst, name, k, perm, st.st_rdev).map_err(plain)?;
                chown_at(dst, name, &st).map_err(plain)?;
                nix::sys::stat::fchmodat(dst, name, perm, nix::sys::stat::FchmodatFlags::FollowSymlink).map_err(plain)?;
                let (a, m) = times(&st);
                utimensat(dst, name, &a, &m, UtimensatFlags::NoFollowSymlink).map_err(plain)
            }
            // A socket is a live endpoint of a process, not content.
            _ => Ok(()),
        }
    }

    /// A second name of a file already copied: a hard link to its copy.
    fn link(&self, dst: BorrowedFd<'_>, first: CString, name: &OsStr) -> Result<(), Errno> {
        // The first copy's path is relative to the destination's top, through directories
        // this copy made (never symlinks).
        let top = self.top_of(dst)?;
        linkat(&top, Path::new(OsStr::from_bytes(first.as_bytes())), dst, name, AtFlags::empty())
    }

    /// The destination's top directory, climbing `..` as many levels as `rel` is deep.
    fn top_of(&self, dst: BorrowedFd<'_>) -> Result<OwnedFd, Errno> {
        let mut fd = nix::unistd::dup(dst)?;
        for _ in self.rel.components() {
            fd = openat(&fd, "..", DIR, Mode::empty())?;
        }
        Ok(fd)
    }

    /// Owner, then mode (a chown clears set-id bits), extended attributes (file capabilities
    /// go after the chown too), then times.
    fn meta_fd(&self, src: BorrowedFd<'_>, dst: BorrowedFd<'_>, st: &FileStat) -> Result<(), CopyError> {
        let e = |errno| at(&self.rel, errno);
        fchown(dst, Some(Uid::from_raw(st.st_uid)), Some(Gid::from_raw(st.st_gid))).map_err(e)?;
        fchmod(dst, Mode::from_bits_truncate(st.st_mode & 0o7777)).map_err(e)?;
        copy_xattrs(src, dst);
        let (a, m) = times(st);
        futimens(dst, &a, &m).map_err(e)
    }
}

fn chown_at(dir: BorrowedFd<'_>, name: &OsStr, st: &FileStat) -> Result<(), Errno> {
    fchownat(dir, name, Some(Uid::from_raw(st.st_uid)), Some(Gid::from_raw(st.st_gid)), AtFlags::AT_SYMLINK_NOFOLLOW)
}

fn times(st: &FileStat) -> (TimeSpec, TimeSpec) {
    (TimeSpec::new(st.st_atime, st.st_atime_nsec), TimeSpec::new(st.st_mtime, st.st_mtime_nsec))
}

/// Extended attributes where both filesystems take them; one that cannot be read or set (a
/// `trusted.` one without the capability, a filesystem without xattrs) is passed over.
fn copy_xattrs(src: BorrowedFd<'_>, dst: BorrowedFd<'_>) {
    let mut list = vec![0u8; 4096];
    // SAFETY: the buffer is valid for its length, which is passed with it.
    let n = unsafe { libc::flistxattr(src.as_raw_fd(), list.as_mut_ptr().cast(), list.len()) };
    if n <= 0 {
        return;
    }
    list.truncate(n as usize);
    for raw in list.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let Ok(name) = CString::new(raw) else { continue };
        if raw.starts_with(b"trusted.overlay.") || raw.starts_with(b"user.overlay.") {
            continue;
        }
        let mut value = vec![0u8; 65536];
        // SAFETY: name is NUL-terminated and the buffer valid for its length.
        let len = unsafe { libc::fgetxattr(src.as_raw_fd(), name.as_ptr(), value.as_mut_ptr().cast(), value.len()) };
        if len < 0 {
            continue;
        }
        set_xattr(dst, &name, &value[..len as usize]);
    }
}

fn set_xattr(dst: BorrowedFd<'_>, name: &CStr, value: &[u8]) {
    // SAFETY: name is NUL-terminated and value valid for its length; a failure is passed over.
    let _ = unsafe { libc::fsetxattr(dst.as_raw_fd(), name.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn tmp(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("tsc-box-copyup-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_tree_is_copied_with_modes_links_and_symlinks_kept() {
        let t = tmp("tree");
        let root = t.join("root");
        std::fs::create_dir_all(root.join("data/sub")).unwrap();
        std::fs::write(root.join("data/a"), "a").unwrap();
        std::fs::set_permissions(root.join("data/a"), std::fs::Permissions::from_mode(0o640)).unwrap();
        std::fs::hard_link(root.join("data/a"), root.join("data/sub/b")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("data/sub/link")).unwrap();
        std::fs::set_permissions(root.join("data"), std::fs::Permissions::from_mode(0o750)).unwrap();
        let dest = t.join("dest");
        std::fs::create_dir(&dest).unwrap();
        assert!(copy_up(&root, "/data", &dest).unwrap());
        assert_eq!(std::fs::read_to_string(dest.join("a")).unwrap(), "a");
        assert_eq!(std::fs::metadata(dest.join("a")).unwrap().mode() & 0o7777, 0o640);
        assert_eq!(std::fs::metadata(&dest).unwrap().mode() & 0o7777, 0o750);
        assert_eq!(std::fs::metadata(dest.join("a")).unwrap().ino(), std::fs::metadata(dest.join("sub/b")).unwrap().ino());
        assert_eq!(std::fs::read_link(dest.join("sub/link")).unwrap(), Path::new("/etc/passwd"));
        // Nothing there: nothing copied, no error.
        assert!(!copy_up(&root, "/nothing", &dest).unwrap());
        std::fs::remove_dir_all(&t).unwrap();
    }

    #[test]
    fn a_symlink_out_of_the_root_stays_in_the_root() {
        let t = tmp("escape");
        let root = t.join("root");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/mine"), "in the root").unwrap();
        std::os::unix::fs::symlink("../../../../../../etc", root.join("data")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("abs")).unwrap();
        for p in ["/data", "/abs"] {
            let dest = t.join(format!("dest{}", p.replace('/', "-")));
            std::fs::create_dir(&dest).unwrap();
            assert!(copy_up(&root, p, &dest).unwrap());
            let got: Vec<_> = std::fs::read_dir(&dest).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(got, vec![OsString::from("mine")], "{p}");
        }
        std::fs::remove_dir_all(&t).unwrap();
    }
}
