//! A container as the lifecycle commands see it: the CLI's record joined with the monitor's
//! status, judged against the kernel (is the monitor still that process?). Reading never
//! writes: `ps` reports the truth even while a monitor is being killed, and the commands that
//! change things (`rm`, `start`, `prune`) clean up what a dead monitor left.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::paths::Paths;
use crate::record::{self, ContainerRecord, RecordStatus};
use crate::status::{self, MonitorState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Created,
    Running,
    Paused,
    Restarting,
    Exited,
    /// Never completely created: its `run`/`create` died while making it (docker's "dead",
    /// a container that can only be removed).
    Dead,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Running => "running",
            State::Paused => "paused",
            State::Restarting => "restarting",
            State::Exited => "exited",
            State::Dead => "dead",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ContainerView {
    pub id: String,
    pub name: String,
    pub created: String,
    pub command: Vec<String>,
    pub rootfs: String,
    pub state: State,
    /// The init's host pid while running, else 0.
    pub pid: i32,
    pub exit_code: Option<i32>,
    pub oom_killed: bool,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub restart_count: u32,
    pub restart_policy: String,
    /// Detached (a monitor supervises it) or a foreground `run`.
    pub detached: bool,
    pub dir: PathBuf,
    /// The live process still creating it (state `created` meanwhile): nobody else may start
    /// or remove it until that process is done or gone.
    pub creator_pid: Option<i32>,
    /// What run/create were asked for (none in older records).
    pub config: Option<crate::config::ContainerConfig>,
}

/// State from the record and the monitor's status file. `runtime_root` lets a foreground
/// run's record be checked against the runtime: a `run` whose tsc-box was killed says
/// "running" forever, but its runtime state goes when the container ends.
pub fn view_of(dir: &Path, rec: ContainerRecord, runtime_root: Option<&Path>) -> ContainerView {
    let st = status::read_status(dir);
    let settings = status::read_settings(dir);
    let creating = rec.status == RecordStatus::Creating;
    // A `created` record keeps its creator while `run -d` hands the container to a monitor.
    let in_progress = creating || rec.status == RecordStatus::Created;
    let creator_pid = rec.creator.filter(|c| in_progress && c.alive()).map(|c| c.pid);
    let mut v = ContainerView {
        state: match rec.status {
            RecordStatus::Creating if creator_pid.is_some() => State::Created,
            RecordStatus::Creating => State::Dead,
            RecordStatus::Created => State::Created,
            RecordStatus::Running => State::Running,
            RecordStatus::Exited => State::Exited,
        },
        pid: 0,
        exit_code: rec.exit_code,
        oom_killed: rec.oom_killed,
        // A foreground run's own times; a monitor's status (below) has the detached ones.
        started_at: rec.started_at.clone(),
        finished_at: rec.finished_at.clone(),
        restart_count: 0,
        restart_policy: settings.as_ref().map(|s| s.restart.clone()).unwrap_or_else(|| "no".into()),
        detached: settings.is_some(),
        dir: dir.to_path_buf(),
        creator_pid,
        config: rec.config,
        id: rec.id,
        name: rec.name,
        created: rec.created,
        command: rec.command,
        rootfs: rec.rootfs,
    };
    // Nothing was started before the record left `creating`: a status file is not its own.
    if creating {
        return v;
    }
    let Some(st) = st else {
        if v.state == State::Running && !v.detached {
            if let Some(r) = runtime_root {
                if !r.join(&v.id).exists() {
                    v.state = State::Exited;
                }
            }
        }
        return v;
    };
    v.started_at = Some(st.started_at.clone()).filter(|s| !s.is_empty());
    v.finished_at = st.finished_at.clone();
    v.restart_count = st.restart_count;
    v.oom_killed = st.oom_killed;
    let live = matches!(st.status, Some(MonitorState::Running | MonitorState::Restarting));
    if live && status::monitor_alive(&st) {
        if st.status == Some(MonitorState::Running) {
            v.state = if dir.join(status::PAUSED).exists() { State::Paused } else { State::Running };
            v.pid = st.pid;
            v.exit_code = None;
        } else {
            v.state = State::Restarting;
            v.exit_code = st.exit_code;
        }
        return v;
    }
    v.state = State::Exited;
    // A monitor killed before it could record the end: its container died with it
    // (PR_SET_PDEATHSIG SIGKILL), so 137 is what happened to the app.
    v.exit_code = if st.status == Some(MonitorState::Exited) { st.exit_code } else { Some(st.exit_code.unwrap_or(137)) };
    v
}

/// Every container with a readable record, newest first. Hidden entries (a creation not yet
/// in place, crates/containers/src/creation.rs) are not containers.
pub fn list(paths: &Paths, runtime_root: Option<&Path>) -> Vec<ContainerView> {
    let Ok(entries) = std::fs::read_dir(paths.containers_dir()) else { return Vec::new() };
    let mut out: Vec<ContainerView> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| {
            let dir = e.path();
            record::read(&dir).map(|r| view_of(&dir, r, runtime_root))
        })
        .collect();
    out.sort_by(|a, b| b.created.cmp(&a.created));
    out
}

/// With a run directory in `paths`, a foreground run's record is checked against the
/// runtime's state as `list` does (`rm` must not call a killed `run`'s ended container running).
pub fn by_id(paths: &Paths, id: &str) -> Option<ContainerView> {
    let dir = paths.container_dir(id);
    let runtime_root = (!paths.run_dir.as_os_str().is_empty()).then(|| paths.runtime_root());
    record::read(&dir).map(|r| view_of(&dir, r, runtime_root.as_deref()))
}

/// A view of a container in `state` with an empty record, its directory made (the removal
/// and lifecycle tests' fixture).
#[cfg(test)]
pub(crate) fn test_view(paths: &crate::paths::Paths, id: &str, state: State) -> ContainerView {
    let dir = paths.container_dir(id);
    std::fs::create_dir_all(&dir).unwrap();
    ContainerView {
        id: id.into(),
        name: "web".into(),
        created: String::new(),
        command: vec![],
        rootfs: String::new(),
        state,
        pid: 0,
        exit_code: None,
        oom_killed: false,
        started_at: None,
        finished_at: None,
        restart_count: 0,
        restart_policy: "no".into(),
        detached: true,
        dir,
        creator_pid: None,
        config: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::proc_start_time;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tsc-box-containers-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn rec(status: &str) -> ContainerRecord {
        serde_json::from_str(&format!(
            r#"{{"id":"abc","name":"n","created":"2026-01-01T00:00:00Z","rootfs":"/r","command":["sh"],"status":"{status}","exitCode":null,"oomKilled":false}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_live_monitor_makes_it_running_a_dead_one_exited_137() {
        let d = tmp("view");
        let me = std::process::id();
        let t = proc_start_time(me as i32).unwrap();
        std::fs::write(d.join("lifecycle.json"), r#"{"restart":"always"}"#).unwrap();
        let write = |time: u64| {
            std::fs::write(
                d.join("status.json"),
                format!(r#"{{"status":"running","pid":42,"monitorPid":{me},"monitorStartTime":{time},"startedAt":"s","finishedAt":null,"exitCode":null,"oomKilled":false,"restartCount":2}}"#),
            )
            .unwrap()
        };
        write(t);
        let v = view_of(&d, rec("running"), None);
        assert_eq!((v.state, v.pid, v.restart_count, v.detached), (State::Running, 42, 2, true));
        assert_eq!(v.restart_policy, "always");
        std::fs::write(d.join("paused"), "").unwrap();
        assert_eq!(view_of(&d, rec("running"), None).state, State::Paused);
        write(t + 1);
        let v = view_of(&d, rec("running"), None);
        assert_eq!((v.state, v.exit_code, v.pid), (State::Exited, Some(137), 0));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_foreground_run_without_runtime_state_has_exited() {
        let d = tmp("fg");
        let rt = d.join("rt");
        std::fs::create_dir(&rt).unwrap();
        assert_eq!(view_of(&d, rec("running"), Some(&rt)).state, State::Exited);
        std::fs::create_dir(rt.join("abc")).unwrap();
        assert_eq!(view_of(&d, rec("running"), Some(&rt)).state, State::Running);
        assert_eq!(view_of(&d, rec("created"), None).state, State::Created);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
