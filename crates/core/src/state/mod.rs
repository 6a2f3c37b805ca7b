//! The on-disk record of a container under the runtime's `--root`: one directory per
//! container holding `state.json` and, until `start`, the `exec.fifo` the init waits on.
//! Writes are atomic and every mutation happens under an exclusive flock of the directory.

mod record;
mod time;

use std::fs;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

pub use record::{Record, Status};
pub use time::{now_rfc3339, proc_parent, proc_start_time};

use crate::kind::Kind;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("invalid container id {0:?}: use letters, digits, '_', '-' and '.', starting with a letter or digit")]
    BadId(String),
    #[error("container {0:?} already exists")]
    Exists(String),
    #[error("container {0:?} does not exist")]
    NotFound(String),
    #[error("{what} {path}: {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("corrupt state file {path}: {source}")]
    Corrupt { path: PathBuf, source: serde_json::Error },
    #[error("container {id:?} is {status}: {need}")]
    WrongStatus { id: String, status: Status, need: &'static str },
    /// runc's wording: exec refuses a frozen container unless told otherwise.
    #[error("cannot exec in a paused container {id:?} (use --ignore-paused to override)")]
    Paused { id: String },
}

impl StateError {
    pub fn kind(&self) -> Kind {
        match self {
            StateError::BadId(_) => Kind::Config,
            _ => Kind::State,
        }
    }
}

fn io<'p>(what: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> StateError + 'p {
    move |source| StateError::Io { what, path: path.to_path_buf(), source }
}

/// Container ids become directory names and cgroup names: no separators, no dot-dot.
pub fn check_id(id: &str) -> Result<(), StateError> {
    let ok = !id.is_empty()
        && id.len() <= 1024
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(StateError::BadId(id.to_string()))
    }
}

/// A container's state directory, locked exclusively for as long as this value lives.
pub struct StateDir {
    pub id: String,
    pub path: PathBuf,
    lock: Option<Flock<OwnedFd>>,
}

const STATE: &str = "state.json";
pub const EXEC_FIFO: &str = "exec.fifo";

impl StateDir {
    /// Creates the directory for a new container; fails if the id is taken.
    pub fn create(root: &Path, id: &str) -> Result<StateDir, StateError> {
        check_id(id)?;
        fs::DirBuilder::new().recursive(true).mode(0o711).create(root).map_err(io("create", root))?;
        let path = root.join(id);
        match fs::DirBuilder::new().mode(0o711).create(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(StateError::Exists(id.into())),
            Err(e) => return Err(io("create", &path)(e)),
        }
        let mut dir = StateDir { id: id.into(), path, lock: None };
        if let Err(e) = dir.lock() {
            let _ = fs::remove_dir_all(&dir.path);
            return Err(e);
        }
        Ok(dir)
    }

    /// Opens and locks an existing container's directory.
    pub fn open(root: &Path, id: &str) -> Result<StateDir, StateError> {
        let mut dir = Self::open_unlocked(root, id)?;
        dir.lock()?;
        // Whoever held the lock while we waited may have deleted the container.
        if !dir.path.join(STATE).exists() {
            return Err(StateError::NotFound(id.into()));
        }
        Ok(dir)
    }

    /// For readers (`state`): the record is replaced atomically, so no lock is needed.
    pub fn open_unlocked(root: &Path, id: &str) -> Result<StateDir, StateError> {
        check_id(id)?;
        let path = root.join(id);
        if !path.join(STATE).exists() {
            return Err(StateError::NotFound(id.into()));
        }
        Ok(StateDir { id: id.into(), path, lock: None })
    }

    fn lock(&mut self) -> Result<(), StateError> {
        let f = fs::File::open(&self.path).map_err(io("open", &self.path))?;
        let fd: OwnedFd = f.into();
        let l = Flock::lock(fd, FlockArg::LockExclusive).map_err(|(_, e)| StateError::Io { what: "lock", path: self.path.clone(), source: e.into() })?;
        self.lock = Some(l);
        Ok(())
    }

    /// Drops the lock but keeps the directory (foreground `run` after setup).
    pub fn unlock(&mut self) {
        self.lock = None;
    }

    pub fn exec_fifo(&self) -> PathBuf {
        self.path.join(EXEC_FIFO)
    }

    pub fn load(&self) -> Result<Record, StateError> {
        let p = self.path.join(STATE);
        let bytes = fs::read(&p).map_err(io("read", &p))?;
        serde_json::from_slice(&bytes).map_err(|source| StateError::Corrupt { path: p, source })
    }

    /// Write to a temporary file, fsync, rename: a reader never sees half a record.
    pub fn save(&self, rec: &Record) -> Result<(), StateError> {
        self.write(rec, true)
    }

    /// The pid-0 marker `create` writes before the clone: atomic (a SIGKILL leaves the old or
    /// the new file) but not fsynced, since what it describes (a cgroup, a process) does not
    /// survive the power loss an fsync guards against, and fsync costs milliseconds on disk.
    pub fn save_marker(&self, rec: &Record) -> Result<(), StateError> {
        self.write(rec, false)
    }

    fn write(&self, rec: &Record, durable: bool) -> Result<(), StateError> {
        let tmp = self.path.join(".state.json.tmp");
        let data = serde_json::to_vec(rec).expect("state serializes");
        let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(io("write", &tmp))?;
        f.write_all(&data).map_err(io("write", &tmp))?;
        if durable {
            f.sync_all().map_err(io("fsync", &tmp))?;
        }
        let dst = self.path.join(STATE);
        fs::rename(&tmp, &dst).map_err(io("rename", &dst))
    }

    /// The container's status as the kernel sees it, not as last recorded.
    pub fn status(&self, rec: &Record) -> Status {
        // pid 0 is the record `create` writes before cloning: still being made while its
        // creator holds the lock, a crashed creation (to clean with delete) otherwise.
        if rec.pid == 0 {
            return if self.locked_elsewhere() { Status::Creating } else { Status::Stopped };
        }
        rec.status(self.exec_fifo().exists())
    }

    fn locked_elsewhere(&self) -> bool {
        if self.lock.is_some() {
            return false;
        }
        let Ok(f) = fs::File::open(&self.path) else { return false };
        let fd: OwnedFd = f.into();
        matches!(Flock::lock(fd, FlockArg::LockSharedNonblock), Err((_, nix::errno::Errno::EWOULDBLOCK)))
    }

    pub fn remove(self) -> Result<(), StateError> {
        match fs::remove_dir_all(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("remove", &self.path)(e)),
        }
    }

    pub fn as_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.lock.as_ref().map(|l| l.as_fd())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tscbox-state-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn ids_cannot_escape_the_root() {
        for bad in ["", "..", ".hidden", "a/b", "a b", "../x", "-x"] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
        for good in ["a", "web-1", "x.y_z", "0abc"] {
            check_id(good).unwrap();
        }
    }

    #[test]
    fn create_save_load_remove() {
        let root = tmp("csl");
        let dir = StateDir::create(&root, "c1").unwrap();
        assert!(matches!(StateDir::create(&root, "c1"), Err(StateError::Exists(_))));
        let rec = Record::new("c1", std::process::id() as i32, Path::new("/b"), Path::new("/b/rootfs"));
        dir.save(&rec).unwrap();
        let back = StateDir::open_unlocked(&root, "c1").unwrap().load().unwrap();
        assert_eq!(back.id, "c1");
        assert_eq!(back.pid, rec.pid);
        assert_eq!(back.start_time, rec.start_time);
        assert_eq!(dir.status(&back), Status::Running);
        fs::write(dir.exec_fifo(), b"").unwrap();
        assert_eq!(dir.status(&back), Status::Created);
        dir.remove().unwrap();
        assert!(matches!(StateDir::open(&root, "c1"), Err(StateError::NotFound(_))));
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_record_without_pid_is_creating_while_locked_and_stopped_after() {
        let root = tmp("creating");
        let dir = StateDir::create(&root, "c2").unwrap();
        dir.save(&Record::new("c2", 0, Path::new("/b"), Path::new("/b/r"))).unwrap();
        let reader = StateDir::open_unlocked(&root, "c2").unwrap();
        let rec = reader.load().unwrap();
        assert_eq!(reader.status(&rec), Status::Creating);
        drop(dir);
        assert_eq!(reader.status(&rec), Status::Stopped);
        let again = StateDir::open(&root, "c2").unwrap();
        assert_eq!(again.status(&rec), Status::Stopped);
        let _ = fs::remove_dir_all(&root);
    }
}
