//! The lifecycle files the monitor and the commands keep beside the record, and the one rule
//! that makes them trustworthy: a status counts only while the monitor that wrote it is alive.

use std::path::Path;

use serde::Deserialize;
/// The /proc readings the truth rule needs (the runtime's state uses the same ones).
pub use tsc_box_core::state::{proc_parent, proc_start_time};

pub const STATUS: &str = "status.json";
pub const SETTINGS: &str = "lifecycle.json";
pub const PAUSED: &str = "paused";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonitorState {
    Running,
    Restarting,
    Exited,
}

/// What the monitor writes (crates/core/src/monitor/status.rs). Every field is optional on
/// reading: a document missing one still tells what it can (a dead monitor, an exit).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MonitorStatus {
    pub status: Option<MonitorState>,
    pub pid: i32,
    pub monitor_pid: i32,
    pub monitor_start_time: u64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub exit_code: Option<i32>,
    pub oom_killed: bool,
    pub restart_count: u32,
}

/// How to start the container again (`run -d`, `create`).
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub restart: String,
    #[serde(default)]
    pub rm: Option<bool>,
}

fn read_json<T: serde::de::DeserializeOwned>(p: &Path) -> Option<T> {
    serde_json::from_slice(&std::fs::read(p).ok()?).ok()
}

pub fn read_status(dir: &Path) -> Option<MonitorStatus> {
    read_json(&dir.join(STATUS))
}

pub fn read_settings(dir: &Path) -> Option<Settings> {
    read_json(&dir.join(SETTINGS))
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
