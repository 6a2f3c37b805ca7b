//! Path resolution inside the container's root. A rootfs is hostile: an absolute or `..`
//! symlink in it must resolve against the rootfs, never against the host, so every lookup
//! goes through openat2(RESOLVE_IN_ROOT) from an fd of the root, and missing components are
//! created one at a time in the directory that lookup returned.

use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path};

use nix::errno::Errno;
use nix::fcntl::{openat, openat2, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{mkdirat, Mode};

fn how(flags: OFlag) -> OpenHow {
    OpenHow::new().flags(flags | OFlag::O_CLOEXEC).resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS)
}

/// Opens `path` (absolute or relative, it makes no difference) as seen from inside `root`.
pub fn open_in_root(root: BorrowedFd<'_>, path: &Path, flags: OFlag) -> Result<OwnedFd, Errno> {
    openat2(root, rel(path), how(flags))
}

/// The path relative to the root, without `.` components; `..` is left to openat2, which
/// clamps it at the root.
fn rel(path: &Path) -> &Path {
    match path.strip_prefix("/").unwrap_or(path) {
        p if p.as_os_str().is_empty() => Path::new("."),
        p => p,
    }
}

/// Splits a path into its parent and final name; None for the root itself.
fn split(path: &Path) -> Option<(&Path, &OsStr)> {
    match path.components().next_back()? {
        Component::Normal(name) => Some((path.parent().unwrap_or(Path::new("/")), name)),
        _ => None,
    }
}

/// Like `mkdir -p` inside `root`; returns an O_PATH fd of the directory.
pub fn mkdir_all(root: BorrowedFd<'_>, path: &Path, mode: Mode) -> Result<OwnedFd, Errno> {
    match open_in_root(root, path, OFlag::O_PATH | OFlag::O_DIRECTORY) {
        Err(Errno::ENOENT) => {}
        r => return r,
    }
    let Some((parent, name)) = split(path) else { return Err(Errno::ENOENT) };
    let pfd = mkdir_all(root, parent, mode)?;
    match mkdirat(pfd.as_fd(), name, mode) {
        Ok(()) | Err(Errno::EEXIST) => {}
        Err(e) => return Err(e),
    }
    open_in_root(root, path, OFlag::O_PATH | OFlag::O_DIRECTORY)
}

/// Ensures a regular file exists at `path` inside `root` (a bind-mount target for a file
/// source); returns an O_PATH fd of whatever is there.
pub fn create_file(root: BorrowedFd<'_>, path: &Path, mode: Mode) -> Result<OwnedFd, Errno> {
    match open_in_root(root, path, OFlag::O_PATH) {
        Err(Errno::ENOENT) => {}
        r => return r,
    }
    let Some((parent, name)) = split(path) else { return Err(Errno::EISDIR) };
    let pfd = mkdir_all(root, parent, Mode::from_bits_truncate(0o755))?;
    // O_NOFOLLOW|O_EXCL: a dangling symlink planted here makes this fail instead of creating
    // a file wherever it points.
    match openat(pfd.as_fd(), name, OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_WRONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC, mode) {
        Ok(_) | Err(Errno::EEXIST) => {}
        Err(e) => return Err(e),
    }
    open_in_root(root, path, OFlag::O_PATH)
}

/// The parent directory of `path` inside `root` (created if missing) and the final name,
/// for the *at syscalls that create an entry (mknodat, symlinkat).
pub fn parent_of<'p>(root: BorrowedFd<'_>, path: &'p Path) -> Result<(OwnedFd, &'p OsStr), Errno> {
    let (parent, name) = split(path).ok_or(Errno::EINVAL)?;
    Ok((mkdir_all(root, parent, Mode::from_bits_truncate(0o755))?, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::path::PathBuf;

    fn tmp(name: &str) -> (PathBuf, OwnedFd) {
        let d = std::env::temp_dir().join(format!("tscbox-resolve-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("root")).unwrap();
        let fd = nix::fcntl::open(&d.join("root"), OFlag::O_PATH | OFlag::O_DIRECTORY, Mode::empty()).unwrap();
        (d, fd)
    }

    #[test]
    fn creates_nested_directories_inside_root() {
        let (d, root) = tmp("mkdir");
        mkdir_all(root.as_fd(), Path::new("/a/b/c"), Mode::from_bits_truncate(0o755)).unwrap();
        assert!(d.join("root/a/b/c").is_dir());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn creates_a_top_level_directory() {
        let (d, root) = tmp("top");
        mkdir_all(root.as_fd(), Path::new("/proc"), Mode::from_bits_truncate(0o755)).unwrap();
        assert!(d.join("root/proc").is_dir());
        drop(open_in_root(root.as_fd(), Path::new("/"), OFlag::O_PATH).unwrap());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn absolute_symlinks_resolve_inside_root() {
        let (d, root) = tmp("abs");
        std::fs::create_dir_all(d.join("outside")).unwrap();
        // /root/escape -> /outside-of-everything must land inside root, not on the host.
        symlink(d.join("outside"), d.join("root/escape")).unwrap();
        // The link dangles inside the root: refused, and nothing appears on the host side.
        assert_eq!(mkdir_all(root.as_fd(), Path::new("/escape/x"), Mode::from_bits_truncate(0o755)).unwrap_err(), Errno::ENOENT);
        assert!(!d.join("outside/x").exists());
        // Once the target exists inside the root, the link leads there.
        std::fs::create_dir_all(d.join("root").join(d.join("outside").strip_prefix("/").unwrap())).unwrap();
        mkdir_all(root.as_fd(), Path::new("/escape/x"), Mode::from_bits_truncate(0o755)).unwrap();
        assert!(!d.join("outside/x").exists());
        assert!(d.join("root").join(d.join("outside").strip_prefix("/").unwrap()).join("x").is_dir());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn dotdot_symlinks_are_clamped_at_root() {
        let (d, root) = tmp("dotdot");
        symlink("../../../../..", d.join("root/up")).unwrap();
        create_file(root.as_fd(), Path::new("/up/f"), Mode::from_bits_truncate(0o644)).unwrap();
        assert!(d.join("root/f").is_file());
        assert!(!d.join("f").exists());
        let fd = open_in_root(root.as_fd(), Path::new("../../up/../f"), OFlag::O_PATH).unwrap();
        drop(fd);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_file_in_the_way_is_an_error() {
        let (d, root) = tmp("notdir");
        std::fs::write(d.join("root/file"), b"").unwrap();
        assert_eq!(mkdir_all(root.as_fd(), Path::new("/file/x"), Mode::from_bits_truncate(0o755)).unwrap_err(), Errno::ENOTDIR);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn parent_of_splits_and_creates() {
        let (d, root) = tmp("parent");
        let (_fd, name) = parent_of(root.as_fd(), Path::new("/dev/x/null")).unwrap();
        assert_eq!(name, "null");
        assert!(d.join("root/dev/x").is_dir());
        assert!(parent_of(root.as_fd(), Path::new("/")).is_err());
        std::fs::remove_dir_all(d).unwrap();
    }
}
