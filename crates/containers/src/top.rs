//! `tsc-box top CONTAINER`: the processes of a running container (its cgroup's, as the
//! runtime's state records it), read from /proc, and docker's table of them. One
//! implementation: the runtime's native front door and the Node CLI (through the binding)
//! both call it. --json: [{pid, ppid, uid, time (CPU seconds), command}].

use std::path::Path;

use serde::Serialize;
use tsc_box_core::state::StateDir;

use crate::view::{ContainerView, State};
use crate::{short_id as short, Coded, ErrorCode};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopEntry {
    pub pid: i32,
    pub ppid: i32,
    pub uid: i64,
    /// CPU time used, seconds.
    #[serde(serialize_with = "tsc_box_format::value::js_number")]
    pub time: f64,
    pub command: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TopError {
    #[error("container {0} is not running")]
    NotRunning(String),
    #[error("{0}")]
    Failed(String),
}

impl Coded for TopError {
    fn code(&self) -> ErrorCode {
        match self {
            TopError::NotRunning(_) => ErrorCode::ContainerNotRunning,
            TopError::Failed(_) => ErrorCode::TopFailed,
        }
    }
}

/// USER_HZ on Linux: the unit of /proc/PID/stat's times.
const TICKS: f64 = 100.0;

/// The container's processes, by host pid.
pub fn top(runtime_root: &Path, v: &ContainerView) -> Result<Vec<TopEntry>, TopError> {
    if !matches!(v.state, State::Running | State::Paused) {
        return Err(TopError::NotRunning(short(&v.id).to_string()));
    }
    let failed = |e: &dyn std::fmt::Display| TopError::Failed(e.to_string());
    let rec = StateDir::open_unlocked(runtime_root, &v.id).and_then(|d| d.load()).map_err(|e| failed(&e))?;
    let cg = rec.cgroup.ok_or_else(|| TopError::Failed(format!("container {:?} has no cgroup", v.id)))?;
    let mut pids = if cg.exists() { cg.pids().map_err(|e| failed(&e))? } else { Vec::new() };
    pids.sort_unstable();
    Ok(pids.into_iter().filter_map(|p| proc_entry(Path::new("/proc"), p)).collect())
}

/// None when the process exited while we looked.
fn proc_entry(proc: &Path, pid: i32) -> Option<TopEntry> {
    let dir = proc.join(pid.to_string());
    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
    let (open, close) = (stat.find('(')?, stat.rfind(')')?);
    let f: Vec<&str> = stat.get(close + 2..)?.split(' ').collect();
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|r| r.split_whitespace().next()).and_then(|u| u.parse().ok()).unwrap_or(-1);
    let cmdline = std::fs::read(dir.join("cmdline")).ok()?;
    // Trailing NULs end the list; an empty argument inside it keeps its place.
    let kept = &cmdline[..cmdline.len() - cmdline.iter().rev().take_while(|b| **b == 0).count()];
    let mut command = kept.split(|b| *b == 0).map(String::from_utf8_lossy).collect::<Vec<_>>().join(" ");
    if command.is_empty() {
        command = format!("[{}]", &stat[open + 1..close]);
    }
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    Some(TopEntry { pid, ppid: f.get(1)?.parse().ok()?, uid, time: (ticks(11) + ticks(12)) / TICKS, command })
}

/// hh:mm:ss of CPU seconds.
fn clock(secs: f64) -> String {
    let s = secs.floor() as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// docker's table of the processes (without the final newline).
pub fn render(entries: &[TopEntry]) -> String {
    let rows: Vec<Vec<String>> =
        entries.iter().map(|e| vec![e.uid.to_string(), e.pid.to_string(), e.ppid.to_string(), clock(e.time), e.command.clone()]).collect();
    tsc_box_format::table(&["UID", "PID", "PPID", "TIME", "CMD"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_reads_as_ps_shows_it() {
        let me = std::process::id() as i32;
        let e = proc_entry(Path::new("/proc"), me).unwrap();
        assert_eq!((e.pid, e.ppid), (me, nix::unistd::getppid().as_raw()));
        assert_eq!(e.uid, i64::from(nix::unistd::getuid().as_raw()));
        assert!(e.command.contains("tsc_box_containers"), "{}", e.command);
        assert!(proc_entry(Path::new("/proc"), i32::MAX).is_none());
    }

    #[test]
    fn the_table_and_json_are_dockers_and_nodes() {
        let e = TopEntry { pid: 42, ppid: 7, uid: 0, time: 3725.5, command: "sleep 1000".into() };
        assert_eq!(render(std::slice::from_ref(&e)), "UID   PID   PPID   TIME       CMD\n0     42    7      01:02:05   sleep 1000");
        assert_eq!(serde_json::to_string(&TopEntry { time: 0.0, ..e }).unwrap(), r#"{"pid":42,"ppid":7,"uid":0,"time":0,"command":"sleep 1000"}"#);
    }

    #[test]
    fn a_stopped_container_is_not_running() {
        let base = std::env::temp_dir().join(format!("tsc-box-top-{}", std::process::id()));
        let paths = crate::paths::Paths { data_root: base.join("data"), run_dir: base.join("run") };
        let v = crate::view::test_view(&paths, &"a".repeat(64), State::Exited);
        let e = top(&paths.runtime_root(), &v).unwrap_err();
        assert_eq!((e.to_string(), e.exit_code()), ("container aaaaaaaaaaaa is not running".into(), 1));
    }
}
