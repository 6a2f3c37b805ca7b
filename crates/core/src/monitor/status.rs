//! The status file of a detached container (`--status-file`, beside the CLI's record): what
//! the monitor knows about the container's life. Written with write, fsync, rename under an
//! exclusive flock of the file's directory, so a reader never sees half a document and two
//! writers (a monitor, a command reconciling a dead monitor) never interleave.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use super::{io, MonitorError};

/// What the monitor says the container is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonitorState {
    Running,
    Restarting,
    Exited,
}

impl MonitorState {
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorState::Running => "running",
            MonitorState::Restarting => "restarting",
            MonitorState::Exited => "exited",
        }
    }
}

/// The one type of status.json: the monitor writes it, the CLI's store
/// (crates/containers/src/status.rs) reads it. Every field has a default on reading, so a
/// document missing one still tells what it can (a dead monitor, an exit).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct MonitorStatus {
    /// Absent only in a damaged document; the monitor always writes one.
    pub status: Option<MonitorState>,
    /// The container init's pid (0 once exited).
    pub pid: i32,
    pub monitor_pid: i32,
    /// The monitor's start time in clock ticks since boot: a recycled pid is not our monitor.
    pub monitor_start_time: u64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub exit_code: Option<i32>,
    pub oom_killed: bool,
    pub restart_count: u32,
}

/// Holds the directory's lock while alive.
pub struct Locked(#[allow(dead_code)] Flock<OwnedFd>);

pub fn lock(dir: &Path) -> Result<Locked, MonitorError> {
    let f = File::open(dir).map_err(io("open", dir))?;
    let fd: OwnedFd = f.into();
    Flock::lock(fd, FlockArg::LockExclusive).map(Locked).map_err(|(_, e)| MonitorError::Io { what: "lock", path: dir.to_path_buf(), source: e.into() })
}

pub fn read(path: &Path) -> Result<Option<MonitorStatus>, MonitorError> {
    match fs::read(path) {
        Ok(b) => Ok(serde_json::from_slice(&b).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io("read", path)(e)),
    }
}

/// Replaces the status file atomically; the caller holds the lock.
pub fn write(path: &Path, st: &MonitorStatus) -> Result<(), MonitorError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let data = serde_json::to_vec(st).expect("status serializes");
    let mut f = OpenOptions::new().write(true).create(true).truncate(true).mode(0o644).open(&tmp).map_err(io("write", &tmp))?;
    f.write_all(&data).map_err(io("write", &tmp))?;
    f.sync_all().map_err(io("fsync", &tmp))?;
    fs::rename(&tmp, path).map_err(io("rename", path))
}

/// Locks the directory of `path`, then writes.
pub fn write_locked(path: &Path, st: &MonitorStatus) -> Result<(), MonitorError> {
    let _l = lock(path.parent().unwrap_or(Path::new("/")))?;
    write(path, st)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_replaces() {
        let dir = std::env::temp_dir().join(format!("tscbox-status-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("status.json");
        assert_eq!(read(&p).unwrap(), None);
        let mut st = MonitorStatus { status: Some(MonitorState::Running), pid: 5, ..Default::default() };
        write_locked(&p, &st).unwrap();
        st.status = Some(MonitorState::Exited);
        st.exit_code = Some(3);
        write_locked(&p, &st).unwrap();
        assert_eq!(read(&p).unwrap(), Some(st));
        assert!(!dir.join("status.json.tmp").exists());
        // What the store reads: the same document, camelCase, lowercase states; a missing
        // field defaults, an unknown state is no status at all.
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.contains(r#""status":"exited""#) && text.contains(r#""exitCode":3"#), "{text}");
        fs::write(&p, r#"{"status":"running","monitorPid":7}"#).unwrap();
        let partial = read(&p).unwrap().unwrap();
        assert_eq!((partial.status, partial.monitor_pid, partial.started_at.as_str()), (Some(MonitorState::Running), 7, ""));
        fs::write(&p, r#"{"status":"sleeping"}"#).unwrap();
        assert_eq!(read(&p).unwrap(), None);
        let _ = fs::remove_dir_all(&dir);
    }
}
