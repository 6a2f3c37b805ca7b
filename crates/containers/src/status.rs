//! The lifecycle files the monitor and the commands keep beside the record, and the one rule
//! that makes them trustworthy: a status counts only while the monitor that wrote it is alive.

use std::path::Path;

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use serde::{Deserialize, Serialize};
/// The /proc readings the truth rule needs (the runtime's state uses the same ones).
pub use tsc_box_core::state::{proc_parent, proc_start_time};

pub const STATUS: &str = "status.json";
pub const SETTINGS: &str = "lifecycle.json";
pub const PAUSED: &str = "paused";

/// The monitor's document (crates/core/src/monitor/status.rs): one type for its writer and
/// its readers.
pub use tsc_box_core::monitor::status::{MonitorState, MonitorStatus};

/// How to start the container again (`run -d`, `create`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub restart: String,
    /// `run -d --rm` / `create --rm`: the container removes itself once it has ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rm: Option<bool>,
}

fn read_json<T: serde::de::DeserializeOwned>(p: &Path) -> Option<T> {
    serde_json::from_slice(&std::fs::read(p).ok()?).ok()
}

/// None for a missing, unreadable or damaged document (the monitor replaces it in one step).
pub fn read_status(dir: &Path) -> Option<MonitorStatus> {
    tsc_box_core::monitor::status::read(&dir.join(STATUS)).ok().flatten()
}

pub fn read_settings(dir: &Path) -> Option<Settings> {
    read_json(&dir.join(SETTINGS))
}

/// Write, fsync, rename: a reader sees the old settings or the new, never half of them.
pub fn write_settings(dir: &Path, settings: &Settings) -> std::io::Result<()> {
    let file = dir.join(SETTINGS);
    let tmp = dir.join(format!("{SETTINGS}.{}.tmp", std::process::id()));
    let mut bytes = serde_json::to_vec(settings).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o644).open(&tmp)?;
    f.write_all(&bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, file)
}

/// Whether the monitor recorded in `st` is still that process.
pub fn monitor_alive(st: &MonitorStatus) -> bool {
    st.monitor_pid > 0 && proc_start_time(st.monitor_pid) == Some(st.monitor_start_time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_start_time_and_a_parent() {
        let me = std::process::id() as i32;
        assert!(proc_start_time(me).is_some());
        assert_eq!(proc_parent(me), Some(nix::unistd::getppid().as_raw()));
        assert_eq!(proc_start_time(0), None);
        assert_eq!(proc_start_time(i32::MAX), None);
    }

    #[test]
    fn settings_round_trip_as_the_commands_wrote_them() {
        let d = std::env::temp_dir().join(format!("tsc-box-settings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        assert_eq!(read_settings(&d), None);
        write_settings(&d, &Settings { restart: "no".into(), rm: None }).unwrap();
        assert_eq!(std::fs::read_to_string(d.join(SETTINGS)).unwrap(), "{\"restart\":\"no\"}\n");
        let s = Settings { restart: "on-failure:3".into(), rm: Some(true) };
        write_settings(&d, &s).unwrap();
        assert_eq!(read_settings(&d), Some(s));
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_recorded_monitor_counts_only_with_its_start_time() {
        let me = std::process::id() as i32;
        let t = proc_start_time(me).unwrap();
        let st = |pid, time| MonitorStatus {
            status: Some(MonitorState::Running),
            pid: 1,
            monitor_pid: pid,
            monitor_start_time: time,
            started_at: String::new(),
            finished_at: None,
            exit_code: None,
            oom_killed: false,
            restart_count: 0,
        };
        assert!(monitor_alive(&st(me, t)));
        assert!(!monitor_alive(&st(me, t + 1)));
        assert!(!monitor_alive(&st(0, t)));
    }
}
