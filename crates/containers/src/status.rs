//! The lifecycle files the monitor and the commands keep beside the record, and the one rule
//! that makes them trustworthy: a status counts only while the monitor that wrote it is alive.

use std::path::Path;

use serde::Deserialize;

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

/// Field 22 of /proc/PID/stat (start time in clock ticks), or None for a dead or zombie pid.
pub fn proc_start_time(pid: i32) -> Option<u64> {
    if pid <= 0 {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields = stat_fields(&stat)?;
    if fields.first().is_some_and(|s| *s == "Z" || *s == "X") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// The parent pid (field 4) of a live process.
pub fn proc_parent(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_fields(&stat)?.get(1)?.parse().ok()
}

/// The fields after the command name, whose parentheses may hold anything.
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    let after = stat.get(stat.rfind(')')? + 2..)?;
    Some(after.split(' ').collect())
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

    #[test]
    fn stat_fields_survive_odd_names() {
        let f = stat_fields("12 (a) b) (c) S 1 12 12").unwrap();
        assert_eq!(f[0], "S");
        assert_eq!(f[1], "1");
    }
}
