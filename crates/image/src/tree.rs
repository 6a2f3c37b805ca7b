//! Directory trees of any depth, walked with a bounded number of file descriptors.
//!
//! A layer or a container's writable layer may hold a directory tens of thousands of levels
//! deep (any process in a container can make one; a hostile archive can ship one). A
//! recursive walk that keeps one descriptor per level (std's `remove_dir_all`) fails with
//! EMFILE past the descriptor limit, and one that rebuilds the path at each level is quadratic
//! and fails past PATH_MAX. This walk keeps at most three descriptors open whatever the depth:
//! it descends with `openat(O_NOFOLLOW)` and climbs back with `openat("..")`, checking that
//! the directory it reaches is the one it came from (device and inode recorded on the way
//! down), so a tree moved or replaced meanwhile stops the walk instead of redirecting it.
//! Memory is the names of the subdirectories not yet visited along the current chain.
use nix::dir::{Dir, Type};
use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{fstat, fstatat, FileStat, Mode, SFlag};
use nix::unistd::{unlinkat, UnlinkatFlags};
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub const DIR_FLAGS: OFlag = OFlag::O_RDONLY.union(OFlag::O_DIRECTORY).union(OFlag::O_NOFOLLOW).union(OFlag::O_CLOEXEC);

/// Device and inode: what identifies a directory while it is walked.
pub type Id = (u64, u64);

pub fn id_of(st: &FileStat) -> Id {
    (st.st_dev, st.st_ino)
}

pub fn is_dir(st: &FileStat) -> bool {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFDIR
}

/// Whether the open directory is on one of the kernel's pseudo filesystems (proc, sysfs,
/// cgroup, debugfs, ...): what a running container's root shows there is the kernel's, not
/// files (and walking it would read every process of the container).
pub fn is_pseudo_fs<Fd: std::os::fd::AsFd>(fd: Fd) -> bool {
    use nix::sys::statfs::{fstatfs, FsType};
    const PSEUDO: [i64; 8] = [
        0x9fa0,      // proc
        0x6265_6572, // sysfs
        0x0027_e0eb, // cgroup
        0x6367_7270, // cgroup2
        0x6462_6720, // debugfs
        0x7472_6163, // tracefs
        0x7363_6673, // securityfs
        0xcafe_4a11, // bpf
    ];
    match fstatfs(fd) {
        Ok(st) => {
            let FsType(t) = st.filesystem_type();
            // FsType's integer is not i64 on every target.
            #[allow(clippy::unnecessary_cast)]
            let t = t as i64;
            PSEUDO.contains(&t)
        }
        Err(_) => false,
    }
}

/// A failure inside a tree: where (relative to the walk's top) and what.
#[derive(Debug, thiserror::Error)]
#[error("{}: {errno}", shorten(path))]
pub struct TreeError {
    pub path: PathBuf,
    pub errno: Errno,
}

impl From<TreeError> for io::Error {
    fn from(e: TreeError) -> io::Error {
        io::Error::new(io::Error::from(e.errno).kind(), e.to_string())
    }
}

/// A path of thousands of components is useless in a message: its ends say where it is.
pub fn shorten(p: &Path) -> String {
    let comps: Vec<_> = p.components().collect();
    if comps.len() <= 12 {
        return crate::escape::escape_bytes(p.as_os_str().as_bytes());
    }
    let part = |c: &[std::path::Component<'_>]| c.iter().map(|c| crate::escape::escape_bytes(c.as_os_str().as_bytes())).collect::<Vec<_>>().join("/");
    let head = part(&comps[..4]).replacen("//", "/", 1);
    format!("{head}/...({} more levels).../{}", comps.len() - 8, part(&comps[comps.len() - 4..]))
}

/// What a walk does with what it finds.
pub trait Visitor {
    /// `name` in `dir` is not a directory (or its type could not be told).
    fn leaf(&mut self, dir: BorrowedFd<'_>, name: &OsStr) -> Result<(), Errno>;
    /// Directory `name` in `parent`, open as `fd` (identified by `id`), after all of its
    /// contents were visited.
    fn dir_done(&mut self, parent: BorrowedFd<'_>, name: &OsStr, fd: OwnedFd, id: Id) -> Result<(), Errno>;
    /// Whether a subdirectory that cannot be opened (`errno`) is passed over rather than
    /// ending the walk with that error.
    fn pass_over(&mut self, _errno: Errno) -> bool {
        false
    }
}

struct Frame {
    /// This directory's name in its parent (empty for the top).
    name: OsString,
    id: Id,
    /// Subdirectories not yet walked.
    pending: Vec<OsString>,
}

fn here(stack: &[Frame], last: Option<&OsStr>) -> PathBuf {
    let mut p = PathBuf::new();
    for f in stack.iter().skip(1) {
        p.push(&f.name);
    }
    if let Some(l) = last {
        p.push(l);
    }
    p
}

/// Reads the whole of `dir`: subdirectories are returned, every other entry goes to
/// `visitor.leaf` (after the reading, so that removing them does not disturb it).
fn scan(dir: &OwnedFd, visitor: &mut dyn Visitor, stack: &[Frame]) -> Result<Vec<OsString>, TreeError> {
    let fail = |name: Option<&OsStr>, errno| TreeError { path: here(stack, name), errno };
    let mut d = Dir::openat(dir, ".", DIR_FLAGS, Mode::empty()).map_err(|e| fail(None, e))?;
    let mut dirs = Vec::new();
    let mut others = Vec::new();
    for entry in d.iter() {
        let entry = entry.map_err(|e| fail(None, e))?;
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        if name == "." || name == ".." {
            continue;
        }
        let kind = match entry.file_type() {
            Some(t) => Some(t),
            // Filesystems that do not fill d_type: ask.
            None => match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
                Ok(st) if is_dir(&st) => Some(Type::Directory),
                Ok(_) => None,
                Err(Errno::ENOENT) => continue,
                Err(e) => return Err(fail(Some(name), e)),
            },
        };
        if kind == Some(Type::Directory) {
            dirs.push(name.to_os_string());
        } else {
            others.push(name.to_os_string());
        }
    }
    drop(d);
    for name in others {
        visitor.leaf(dir.as_fd(), &name).map_err(|e| fail(Some(&name), e))?;
    }
    Ok(dirs)
}

/// Walks the tree below the directory `top` (not `top` itself: the caller has it), visiting
/// each directory's contents before the directory.
pub fn walk(top: &OwnedFd, visitor: &mut dyn Visitor) -> Result<(), TreeError> {
    let errno = |e| TreeError { path: PathBuf::new(), errno: e };
    let mut cur = nix::unistd::dup(top).map_err(errno)?;
    let top_id = id_of(&fstat(&cur).map_err(errno)?);
    let mut stack = vec![Frame { name: OsString::new(), id: top_id, pending: Vec::new() }];
    stack[0].pending = scan(&cur, visitor, &stack)?;
    loop {
        let frame = stack.last_mut().expect("the top is popped last");
        if let Some(sub) = frame.pending.pop() {
            match openat(&cur, sub.as_os_str(), DIR_FLAGS, Mode::empty()) {
                Ok(fd) => {
                    let st = fstat(&fd).map_err(|e| TreeError { path: here(&stack, Some(&sub)), errno: e })?;
                    stack.push(Frame { name: sub, id: id_of(&st), pending: Vec::new() });
                    cur = fd;
                    let pending = scan(&cur, visitor, &stack)?;
                    stack.last_mut().expect("just pushed").pending = pending;
                }
                // Gone meanwhile, or replaced by something that is not a directory.
                Err(Errno::ENOENT) => {}
                Err(Errno::ENOTDIR | Errno::ELOOP) => visitor.leaf(cur.as_fd(), &sub).map_err(|e| TreeError { path: here(&stack, Some(&sub)), errno: e })?,
                Err(e) if visitor.pass_over(e) => {}
                Err(e) => return Err(TreeError { path: here(&stack, Some(&sub)), errno: e }),
            }
            continue;
        }
        if stack.len() == 1 {
            return Ok(());
        }
        let parent = openat(&cur, "..", DIR_FLAGS, Mode::empty()).map_err(|e| TreeError { path: here(&stack, None), errno: e })?;
        let parent_id = id_of(&fstat(&parent).map_err(|e| TreeError { path: here(&stack, None), errno: e })?);
        let done = stack.pop().expect("more than the top");
        if parent_id != stack.last().expect("the top stays").id {
            // Moved while we were below it: climbing on would leave the tree.
            return Err(TreeError { path: here(&stack, Some(&done.name)), errno: Errno::ESTALE });
        }
        let child = std::mem::replace(&mut cur, parent);
        visitor.dir_done(cur.as_fd(), &done.name, child, done.id).map_err(|e| TreeError { path: here(&stack, Some(&done.name)), errno: e })?;
    }
}

/// Deletes everything in a tree, counting the bytes of regular files whose last link goes.
pub struct Remover {
    pub freed: u64,
    /// Called with the id of every directory removed.
    pub on_dir: Option<Box<dyn FnMut(Id)>>,
}

impl Remover {
    pub fn new() -> Self {
        Remover { freed: 0, on_dir: None }
    }
}

impl Default for Remover {
    fn default() -> Self {
        Self::new()
    }
}

impl Visitor for Remover {
    fn leaf(&mut self, dir: BorrowedFd<'_>, name: &OsStr) -> Result<(), Errno> {
        let st = match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => return Ok(()),
            Err(e) => return Err(e),
        };
        if is_dir(&st) {
            // Replaced by a directory since it was read: its contents first.
            let fd = openat(dir, name, DIR_FLAGS, Mode::empty())?;
            walk(&fd, self).map_err(|e| e.errno)?;
            return self.dir_done(dir, name, fd, id_of(&st));
        }
        match unlinkat(dir, name, UnlinkatFlags::NoRemoveDir) {
            Ok(()) => {
                let regular = SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFREG;
                if regular && st.st_nlink == 1 {
                    self.freed += st.st_size as u64;
                }
                Ok(())
            }
            Err(Errno::ENOENT) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn dir_done(&mut self, parent: BorrowedFd<'_>, name: &OsStr, fd: OwnedFd, id: Id) -> Result<(), Errno> {
        drop(fd);
        match unlinkat(parent, name, UnlinkatFlags::RemoveDir) {
            Ok(()) | Err(Errno::ENOENT) => {}
            Err(e) => return Err(e),
        }
        if let Some(f) = self.on_dir.as_mut() {
            f(id);
        }
        Ok(())
    }
}

/// Removes whatever is at `name` in `dir` (a directory with all it holds, never following a
/// symlink). Returns the bytes of regular files freed; nothing there is not an error.
pub fn remove_at(dir: BorrowedFd<'_>, name: &OsStr, remover: &mut Remover) -> Result<(), TreeError> {
    let fail = |p: PathBuf, errno| TreeError { path: p, errno };
    let st = match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(Errno::ENOENT) => return Ok(()),
        Err(e) => return Err(fail(PathBuf::from(name), e)),
    };
    if !is_dir(&st) {
        return remover.leaf(dir, name).map_err(|e| fail(PathBuf::from(name), e));
    }
    let fd = match openat(dir, name, DIR_FLAGS, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::ENOENT) => return Ok(()),
        Err(Errno::ENOTDIR | Errno::ELOOP) => return remover.leaf(dir, name).map_err(|e| fail(PathBuf::from(name), e)),
        Err(e) => return Err(fail(PathBuf::from(name), e)),
    };
    walk(&fd, remover).map_err(|e| fail(Path::new(name).join(e.path), e.errno))?;
    let id = id_of(&fstat(&fd).map_err(|e| fail(PathBuf::from(name), e))?);
    remover.dir_done(dir, name, fd, id).map_err(|e| fail(PathBuf::from(name), e))
}

fn io_at(path: &Path, e: TreeError) -> io::Error {
    let full = path.join(&e.path);
    io::Error::new(io::Error::from(e.errno).kind(), format!("{}: {}", shorten(&full), e.errno.desc()))
}

/// Removes the file or tree at `path` with a bounded number of descriptors, whatever its
/// depth. Returns the bytes of regular files freed (apparent sizes; a file still linked
/// elsewhere is not counted). A missing `path` is not an error.
pub fn remove_tree(path: &Path) -> io::Result<u64> {
    let (parent, name) = match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) => (if p.as_os_str().is_empty() { Path::new(".") } else { p }, n),
        _ => return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{}: not a removable path", path.display()))),
    };
    let pfd = match nix::fcntl::open(parent, DIR_FLAGS, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::ENOENT) => return Ok(0),
        Err(e) => return Err(io::Error::new(io::Error::from(e).kind(), format!("{}: {}", parent.display(), e.desc()))),
    };
    let mut remover = Remover::new();
    remove_at(pfd.as_fd(), name, &mut remover).map_err(|e| io_at(parent, e))?;
    Ok(remover.freed)
}

/// Removes everything inside the directory `dir` (not `dir` itself).
pub fn remove_contents(dir: &OwnedFd, remover: &mut Remover) -> Result<(), TreeError> {
    walk(dir, remover)
}

/// Sums the sizes of the regular files below a directory, hard links counted once.
struct Usage {
    seen: HashSet<Id>,
    total: u64,
    /// Unreadable directories count as empty.
    lenient: bool,
}

impl Visitor for Usage {
    fn leaf(&mut self, dir: BorrowedFd<'_>, name: &OsStr) -> Result<(), Errno> {
        match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => {
                let regular = SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFREG;
                if regular && (st.st_nlink == 1 || self.seen.insert(id_of(&st))) {
                    self.total += st.st_size as u64;
                }
                Ok(())
            }
            Err(Errno::ENOENT) => Ok(()),
            Err(e) => Err(e),
        }
    }
    fn dir_done(&mut self, _: BorrowedFd<'_>, _: &OsStr, _: OwnedFd, _: Id) -> Result<(), Errno> {
        Ok(())
    }
    fn pass_over(&mut self, errno: Errno) -> bool {
        self.lenient && matches!(errno, Errno::EACCES | Errno::EPERM)
    }
}

/// As `disk_usage`, with directories this process may not read counted as empty (and a `path`
/// it cannot open as 0).
pub fn disk_usage_readable(path: &Path) -> u64 {
    let Ok(fd) = nix::fcntl::open(path, DIR_FLAGS, Mode::empty()) else {
        return 0;
    };
    let mut u = Usage { seen: HashSet::new(), total: 0, lenient: true };
    // Only what could not be opened is passed over; anything else ends the count short.
    let _ = walk(&fd, &mut u);
    u.total
}

/// Bytes of the regular files under the directory `path`, hard links counted once, symlinks
/// never followed, at any depth.
pub fn disk_usage(path: &Path) -> io::Result<u64> {
    let fd =
        nix::fcntl::open(path, DIR_FLAGS, Mode::empty()).map_err(|e| io::Error::new(io::Error::from(e).kind(), format!("{}: {}", path.display(), e.desc())))?;
    let mut u = Usage { seen: HashSet::new(), total: 0, lenient: false };
    walk(&fd, &mut u).map_err(|e| io_at(path, e))?;
    Ok(u.total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::stat::mkdirat;

    /// A chain of `depth` directories named "d" below `top`, made relative to each level so
    /// that no path longer than PATH_MAX is ever needed; a file of `size` bytes at the bottom.
    fn chain(top: &Path, depth: usize, size: usize) {
        std::fs::create_dir_all(top).unwrap();
        let mut cur = nix::fcntl::open(top, DIR_FLAGS, Mode::empty()).unwrap();
        for _ in 0..depth {
            mkdirat(&cur, "d", Mode::from_bits_truncate(0o755)).unwrap();
            cur = openat(&cur, "d", DIR_FLAGS, Mode::empty()).unwrap();
        }
        let f = openat(&cur, "file", OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_CLOEXEC, Mode::from_bits_truncate(0o644)).unwrap();
        nix::unistd::write(&f, &vec![7u8; size]).unwrap();
    }

    fn lower_fd_limit(n: u64) {
        nix::sys::resource::setrlimit(
            nix::sys::resource::Resource::RLIMIT_NOFILE,
            n,
            n.max(nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap().1),
        )
        .unwrap();
    }

    #[test]
    fn a_tree_deeper_than_the_descriptor_limit_is_measured_and_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().join("deep");
        // Far deeper than the descriptors this process may hold and than PATH_MAX allows.
        chain(&top, 5000, 1000);
        std::fs::write(top.join("hard"), b"12345").unwrap();
        std::fs::hard_link(top.join("hard"), top.join("hard2")).unwrap();
        let (soft, hard) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
        lower_fd_limit(256);
        let usage = disk_usage(&top);
        let freed = remove_tree(&top);
        nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, soft, hard).unwrap();
        assert_eq!(usage.unwrap(), 1005);
        assert_eq!(freed.unwrap(), 1005);
        assert!(!top.exists());
        assert_eq!(remove_tree(&top).unwrap(), 0, "a missing tree is already removed");
    }

    #[test]
    fn removal_never_follows_symlinks_and_removes_a_plain_file() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("keep"), b"x").unwrap();
        let top = tmp.path().join("t");
        std::fs::create_dir_all(top.join("a/b")).unwrap();
        std::os::unix::fs::symlink(&outside, top.join("a/b/link")).unwrap();
        std::os::unix::fs::symlink(&outside, tmp.path().join("toplink")).unwrap();
        remove_tree(&top).unwrap();
        remove_tree(&tmp.path().join("toplink")).unwrap();
        assert!(outside.join("keep").exists() && !top.exists());
        std::fs::write(tmp.path().join("f"), b"abc").unwrap();
        assert_eq!(remove_tree(&tmp.path().join("f")).unwrap(), 3);
    }

    #[test]
    fn a_wide_and_deep_tree_is_visited_completely() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().join("w");
        for i in 0..50 {
            let d = top.join(format!("x{i}/y/z"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("f"), [0u8; 10]).unwrap();
            std::fs::write(top.join(format!("x{i}/g")), [0u8; 1]).unwrap();
        }
        assert_eq!(disk_usage(&top).unwrap(), 550);
        assert_eq!(remove_tree(&top).unwrap(), 550);
        assert!(!top.exists());
    }

    #[test]
    fn long_paths_are_shortened_in_messages() {
        let p: PathBuf = (0..100).map(|i| format!("n{i}")).collect();
        assert_eq!(shorten(&p), "n0/n1/n2/n3/...(92 more levels).../n96/n97/n98/n99");
        assert_eq!(shorten(Path::new("a/\x1b[2Jb")), "a/\\x1b[2Jb");
    }
}
