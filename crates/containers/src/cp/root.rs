//! The container side of `tsc-box cp`: an fd of the container's root and its id maps, and
//! where a path names an entry in it. A container's files are hostile and may change while we
//! copy (docker's CVE-2018-15664 swapped a directory for a symlink to `/` between docker's
//! check and its use). So nothing here is a path string handed to the kernel from the host's
//! root: every lookup is openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from the root fd (a
//! symlink, absolute or `..`, resolves inside the container), the result is a directory fd
//! plus a final name, and everything after works relative to that fd with O_NOFOLLOW.

use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{open, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fstat, fstatat, FileStat, Mode, SFlag};
use tsc_box_core::rootfs::resolve::open_in_root;

/// One user namespace map (`/proc/PID/uid_map`'s lines): (inside, outside, count).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMap(pub Vec<(u32, u32, u32)>);

/// The id the kernel shows for a host id with no mapping (the overflow id).
const NOBODY: u32 = 65534;

impl IdMap {
    pub fn parse(text: &str) -> IdMap {
        let lines = text.lines().filter_map(|l| {
            let f: Vec<u32> = l.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            (f.len() == 3).then(|| (f[0], f[1], f[2]))
        });
        IdMap(lines.collect())
    }

    /// Whether ids are the host's own (no user namespace, or the initial one's map).
    pub fn is_identity(&self) -> bool {
        self.0.is_empty() || self.0 == [(0, 0, u32::MAX)]
    }

    /// The host id of a container id (unmapped ones: the overflow id).
    pub fn to_host(&self, id: u32) -> u32 {
        if self.is_identity() {
            return id;
        }
        self.0.iter().find(|(i, _, n)| id >= *i && id - i < *n).map_or(NOBODY, |(i, o, _)| o + (id - i))
    }

    /// The container id of a host id (unmapped ones: the overflow id, as the kernel shows).
    pub fn to_container(&self, id: u32) -> u32 {
        if self.is_identity() {
            return id;
        }
        self.0.iter().find(|(_, o, n)| id >= *o && id - o < *n).map_or(NOBODY, |(i, o, _)| i + (id - o))
    }
}

/// A container's root filesystem as cp sees it.
pub struct ContainerRoot {
    pub fd: OwnedFd,
    pub uids: IdMap,
    pub gids: IdMap,
}

impl ContainerRoot {
    /// A running container's root as its init sees it, its mounts included: /proc/PID/root
    /// (our own /proc, a path we trust). The ids are those of its user namespace.
    pub fn of_process(pid: i32) -> Result<ContainerRoot, Errno> {
        let fd = open(format!("/proc/{pid}/root").as_str(), OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())?;
        let read = |f: &str| std::fs::read_to_string(format!("/proc/{pid}/{f}")).map(|t| IdMap::parse(&t)).unwrap_or_default();
        Ok(ContainerRoot { fd, uids: read("uid_map"), gids: read("gid_map") })
    }

    /// A root filesystem directory (a stopped container's, mounted by the caller), its ids
    /// the host's.
    pub fn at(dir: &Path) -> Result<ContainerRoot, Errno> {
        let fd = open(dir, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())?;
        Ok(ContainerRoot { fd, uids: IdMap::default(), gids: IdMap::default() })
    }
}

/// A `cp` path argument with the marks docker's rules read: a trailing `/` (a directory is
/// meant) and a trailing `/.` (the directory's content, not the directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpPath {
    /// Without the trailing marks; `..` left for the resolution (clamped at the root).
    pub path: PathBuf,
    pub dir_only: bool,
    pub contents: bool,
}

impl CpPath {
    pub fn parse(raw: &str) -> CpPath {
        let contents = raw == "." || raw.ends_with("/.");
        let dir_only = contents || raw.ends_with('/');
        let mut path = PathBuf::new();
        for c in Path::new(raw).components() {
            match c {
                Component::RootDir => path.push("/"),
                Component::CurDir => {}
                c => path.push(c),
            }
        }
        if path.as_os_str().is_empty() {
            path.push(".");
        }
        CpPath { path, dir_only, contents }
    }

    /// The last name (None for the root, `.` or a path ending in `..`).
    pub fn base(&self) -> Option<&OsStr> {
        match self.path.components().next_back()? {
            Component::Normal(n) => Some(n),
            _ => None,
        }
    }
}

/// What a path names: the directory holding it, opened inside the root, and its name there
/// (None: the directory itself is what was named, the root say), with what is there (None:
/// nothing yet).
pub struct Located {
    pub dir: OwnedFd,
    pub name: Option<OsString>,
    pub st: Option<FileStat>,
}

pub fn is_dir(st: &FileStat) -> bool {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFDIR
}

fn is_link(st: &FileStat) -> bool {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFLNK
}

/// The directory flags of every open: a real directory, never a symlink in the last place.
pub const DIR: OFlag = OFlag::O_RDONLY.union(OFlag::O_DIRECTORY).union(OFlag::O_NOFOLLOW).union(OFlag::O_CLOEXEC);

/// A directory reached by a path inside the root: symlinks on the way are followed, each
/// inside the root.
const IN_ROOT_DIR: OFlag = OFlag::O_RDONLY.union(OFlag::O_DIRECTORY).union(OFlag::O_CLOEXEC);

/// Finds `path` inside `root`. With `follow`, a symlink in the last place is followed too,
/// each step of it again inside the root (at most 40, as the kernel allows). Errors: ENOENT
/// or ENOTDIR when the directory holding it does not exist.
pub fn locate(root: &OwnedFd, path: &Path, follow: bool) -> Result<Located, Errno> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        let base = match path.components().next_back() {
            Some(Component::Normal(n)) => Some(n.to_os_string()),
            _ => None,
        };
        let Some(name) = base else {
            let dir = open_in_root(root.as_fd(), &path, IN_ROOT_DIR)?;
            let st = fstat(&dir)?;
            return Ok(Located { dir, name: None, st: Some(st) });
        };
        let parent = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
        let dir = open_in_root(root.as_fd(), &parent, IN_ROOT_DIR)?;
        let st = match fstatat(&dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => return Ok(Located { dir, name: Some(name), st: None }),
            Err(e) => return Err(e),
        };
        if follow && is_link(&st) {
            let target = readlinkat(&dir, name.as_os_str())?;
            // Relative to the directory holding the link, which `parent` names (each use of
            // it is resolved inside the root again).
            path = if target.as_bytes().starts_with(b"/") { PathBuf::from(target) } else { parent.join(target) };
            continue;
        }
        return Ok(Located { dir, name: Some(name), st: Some(st) });
    }
    Err(Errno::ELOOP)
}

/// Opens the directory `l` names (a real one: O_NOFOLLOW relative to its parent's fd).
pub fn open_dir(l: &Located) -> Result<OwnedFd, Errno> {
    match &l.name {
        None => nix::unistd::dup(&l.dir),
        Some(n) => nix::fcntl::openat(&l.dir, n.as_os_str(), DIR, Mode::empty()),
    }
}
