//! A `Sys` for unit tests: it makes no privileged call, records each one (fds and
//! `/proc/self/fd/N` paths turned into the paths they name, relative to the test's root) and
//! fails the calls a test picks with the errno it picks.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;
use nix::sys::stat::{Mode, SFlag};
use nix::unistd::{Gid, Uid};

use super::seam::Sys;

#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Mount { source: Option<String>, target: String, fstype: Option<String>, flags: MsFlags, data: Option<String> },
    Umount { target: String, flags: MntFlags },
    OpenTree { path: String, recursive: bool },
    MoveMount { from: String, to: String },
    SetAttr { dir: String, set: u64, clr: u64 },
    PivotRoot { new_root: String, put_old: String },
    Fchdir { dir: String },
    Chdir { path: String },
    Mknod { path: String, kind: SFlag, mode: u32, dev: u64 },
    Chown { path: String, uid: Option<u32>, gid: Option<u32> },
    Setns { ns: String, nstype: CloneFlags },
    Unshare { flags: CloneFlags },
}

type Rule = (Box<dyn Fn(&Call) -> bool>, Errno);

pub struct RecordingSys {
    /// The test's stand-in for the container root: paths under it are recorded from `/`.
    root: PathBuf,
    calls: RefCell<Vec<Call>>,
    rules: RefCell<Vec<Rule>>,
}

impl RecordingSys {
    pub fn new(root: &Path) -> RecordingSys {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        RecordingSys { root, calls: RefCell::new(Vec::new()), rules: RefCell::new(Vec::new()) }
    }

    /// Every later call that `matches` fails with `errno` (it is still recorded).
    pub fn fail(&self, matches: impl Fn(&Call) -> bool + 'static, errno: Errno) {
        self.rules.borrow_mut().push((Box::new(matches), errno));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.borrow().clone()
    }

    /// The mounts only.
    pub fn mounts(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| matches!(c, Call::Mount { .. })).collect()
    }

    fn record(&self, c: Call) -> Result<(), Errno> {
        let failure = self.rules.borrow().iter().find(|(m, _)| m(&c)).map(|(_, e)| *e);
        self.calls.borrow_mut().push(c);
        failure.map_or(Ok(()), Err)
    }

    /// A path as the container would name it: magic fd links read, the root's prefix cut.
    fn show(&self, p: &Path) -> String {
        let p = match p.strip_prefix("/proc/self/fd") {
            Ok(n) if !n.as_os_str().is_empty() => std::fs::read_link(p).unwrap_or_else(|_| p.to_path_buf()),
            _ => p.to_path_buf(),
        };
        match p.strip_prefix(&self.root) {
            Ok(rel) if self.root != Path::new("/") => Path::new("/").join(rel).to_string_lossy().into_owned(),
            _ => p.to_string_lossy().into_owned(),
        }
    }

    fn show_fd(&self, fd: BorrowedFd<'_>) -> String {
        self.show(Path::new(&super::fd_path(fd.as_raw_fd())))
    }

    fn show_at(&self, dir: BorrowedFd<'_>, name: &OsStr) -> String {
        let d = self.show_fd(dir);
        Path::new(&d).join(name).to_string_lossy().into_owned()
    }
}

impl Sys for RecordingSys {
    fn mount(&self, source: Option<&Path>, target: &Path, fstype: Option<&str>, flags: MsFlags, data: Option<&str>) -> Result<(), Errno> {
        self.record(Call::Mount {
            source: source.map(|s| self.show(s)),
            target: self.show(target),
            fstype: fstype.map(str::to_string),
            flags,
            data: data.map(str::to_string),
        })
    }

    fn umount2(&self, target: &Path, flags: MntFlags) -> Result<(), Errno> {
        self.record(Call::Umount { target: self.show(target), flags })
    }

    /// Stands in for the detached tree with an O_PATH fd of the source itself.
    fn open_tree_clone(&self, path: &Path, recursive: bool) -> Result<OwnedFd, Errno> {
        self.record(Call::OpenTree { path: self.show(path), recursive })?;
        nix::fcntl::open(path, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty())
    }

    fn move_mount(&self, from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno> {
        self.record(Call::MoveMount { from: self.show_fd(from), to: self.show_fd(to) })
    }

    fn mount_setattr_recursive(&self, dir: BorrowedFd<'_>, set: u64, clr: u64) -> Result<(), Errno> {
        self.record(Call::SetAttr { dir: self.show_fd(dir), set, clr })
    }

    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> Result<(), Errno> {
        self.record(Call::PivotRoot { new_root: self.show(new_root), put_old: self.show(put_old) })
    }

    fn fchdir(&self, dir: BorrowedFd<'_>) -> Result<(), Errno> {
        self.record(Call::Fchdir { dir: self.show_fd(dir) })
    }

    fn chdir(&self, path: &Path) -> Result<(), Errno> {
        self.record(Call::Chdir { path: self.show(path) })
    }

    fn mknodat(&self, dir: BorrowedFd<'_>, name: &OsStr, kind: SFlag, mode: Mode, dev: u64) -> Result<(), Errno> {
        self.record(Call::Mknod { path: self.show_at(dir, name), kind, mode: mode.bits(), dev })
    }

    fn fchownat(&self, dir: BorrowedFd<'_>, name: &OsStr, uid: Option<Uid>, gid: Option<Gid>) -> Result<(), Errno> {
        self.record(Call::Chown { path: self.show_at(dir, name), uid: uid.map(Uid::as_raw), gid: gid.map(Gid::as_raw) })
    }

    fn setns(&self, fd: BorrowedFd<'_>, nstype: CloneFlags) -> Result<(), Errno> {
        self.record(Call::Setns { ns: self.show_fd(fd), nstype })
    }

    fn unshare(&self, flags: CloneFlags) -> Result<(), Errno> {
        self.record(Call::Unshare { flags })
    }
}
