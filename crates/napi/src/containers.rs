//! The CLI's container store (tsc_box_containers) for the TypeScript commands: paths, which
//! container a reference means, its state, and users inside it. The same code answers
//! `tsc-box-runtime --cli exec`, so both doors agree. Failures carry their code as the JS
//! error's `code` (src/container/store.ts turns them into CliErrors); views travel as JSON so that their
//! nulls stay nulls in `ps --json` and friends.
use std::path::{Path, PathBuf};

use napi::Error;
use napi_derive::napi;
use serde_json::json;
use tsc_box_containers::paths::{self, PathEnv, Paths};
use tsc_box_containers::record::ContainerRecord;
use tsc_box_containers::view::ContainerView;
use tsc_box_containers::{creation, resolve, status, user, view, Coded, ErrorCode};

/// The one place a store failure becomes a JS error: its code is the error's `code` property
/// (crate::errors), which src/container/store.ts turns into a CliError with the code's exit
/// status. The codes are a JSON contract (`--json`).
pub(crate) fn coded(e: &impl Coded) -> Error<ErrorCode> {
    Error::new(e.code(), e.to_string())
}

#[napi(object)]
pub struct PathInputs {
    pub uid: u32,
    pub home: String,
    pub xdg_data_home: Option<String>,
    pub xdg_runtime_dir: Option<String>,
    pub cwd: String,
}

#[napi(object)]
pub struct StorePaths {
    pub data_root: String,
    pub run_dir: String,
}

fn store(data_root: &str, run_dir: &str) -> Paths {
    Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) }
}

/// The data root and run directory for `--root` (or the defaults).
#[napi]
pub fn containers_resolve_paths(root: Option<String>, env: PathInputs) -> StorePaths {
    let e = PathEnv { uid: env.uid, home: env.home, xdg_data_home: env.xdg_data_home, xdg_runtime_dir: env.xdg_runtime_dir, cwd: PathBuf::from(env.cwd) };
    let p = paths::resolve(root.as_deref(), &e);
    StorePaths { data_root: p.data_root.to_string_lossy().into_owned(), run_dir: p.run_dir.to_string_lossy().into_owned() }
}

#[napi]
pub fn containers_ensure_own_run_dir(run_dir: String, uid: u32) -> napi::Result<(), ErrorCode> {
    paths::ensure_own_run_dir(Path::new(&run_dir), uid).map_err(|e| coded(&e))
}

fn view_json(v: &ContainerView) -> serde_json::Value {
    json!({
        "id": v.id, "name": v.name, "created": v.created, "command": v.command, "rootfs": v.rootfs,
        "state": v.state.as_str(), "pid": v.pid, "exitCode": v.exit_code, "oomKilled": v.oom_killed,
        "startedAt": v.started_at, "finishedAt": v.finished_at, "restartCount": v.restart_count,
        "restartPolicy": v.restart_policy, "detached": v.detached, "dir": v.dir.to_string_lossy(),
        "creatorPid": v.creator_pid,
    })
}

/// The container a reference (id, name, unique id prefix) means, as JSON. With the run
/// directory, a foreground run's record is checked against the runtime's state.
#[napi]
pub fn container_resolve(data_root: String, reference: String, run_dir: Option<String>) -> napi::Result<String, ErrorCode> {
    let v = resolve::resolve_container(&store(&data_root, run_dir.as_deref().unwrap_or("")), &reference).map_err(|e| coded(&e))?;
    Ok(view_json(&v).to_string())
}

/// The container with this full id, as JSON, or null.
#[napi]
pub fn container_by_id(data_root: String, id: String, run_dir: Option<String>) -> Option<String> {
    view::by_id(&store(&data_root, run_dir.as_deref().unwrap_or("")), &id).map(|v| view_json(&v).to_string())
}

/// Every container, newest first, as a JSON array.
#[napi]
pub fn container_list(data_root: String, runtime_root: Option<String>) -> String {
    let list = view::list(&store(&data_root, ""), runtime_root.as_deref().map(Path::new));
    serde_json::Value::Array(list.iter().map(view_json).collect()).to_string()
}

/// The first step of `run`/`create`: `containers/<id>/` with `record` (a ContainerRecord as
/// JSON) in state `creating`, this process its creator. Returns the directory.
#[napi]
pub fn container_begin(data_root: String, record: String) -> napi::Result<String, ErrorCode> {
    let rec: ContainerRecord = serde_json::from_str(&record).map_err(|e| Error::new(ErrorCode::Internal, format!("container record: {e}")))?;
    let dir = creation::begin(&store(&data_root, ""), rec).map_err(|e| coded(&e))?;
    Ok(dir.to_string_lossy().into_owned())
}

/// Removes what `run`s killed before their container's directory was in place left (hidden
/// staging directories whose creator is gone); returns their ids.
#[napi]
pub fn container_remove_abandoned(data_root: String) -> Vec<String> {
    creation::remove_abandoned(&store(&data_root, ""))
}

#[napi(object)]
pub struct MonitorInfo {
    /// running, restarting or exited (absent when the file says none).
    pub status: Option<String>,
    pub pid: i32,
    pub monitor_pid: i32,
    /// The recorded monitor is still that process.
    pub alive: bool,
    /// The recorded init's parent is the recorded monitor (so a signal to `pid` hits the init).
    pub init_of_monitor: bool,
}

/// What the monitor recorded in a container's directory, judged against /proc.
#[napi]
pub fn container_monitor(dir: String) -> Option<MonitorInfo> {
    let st = status::read_status(Path::new(&dir))?;
    let alive = status::monitor_alive(&st);
    let init_of_monitor = alive && st.pid > 0 && status::proc_parent(st.pid) == Some(st.monitor_pid);
    let name = st.status.map(|s| match s {
        status::MonitorState::Running => "running",
        status::MonitorState::Restarting => "restarting",
        status::MonitorState::Exited => "exited",
    });
    Some(MonitorInfo { status: name.map(String::from), pid: st.pid, monitor_pid: st.monitor_pid, alive, init_of_monitor })
}

#[napi(object)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub home: String,
}

impl From<user::ResolvedUser> for ResolvedUser {
    fn from(u: user::ResolvedUser) -> Self {
        ResolvedUser { uid: u.uid, gid: u.gid, additional_gids: u.additional_gids, home: u.home }
    }
}

/// `-u SPEC` against the texts of a root filesystem's /etc/passwd and /etc/group.
#[napi]
pub fn user_resolve(spec: String, passwd: String, group: String) -> napi::Result<ResolvedUser, ErrorCode> {
    user::resolve_user(&spec, &user::parse_passwd(&passwd), &user::parse_group(&group)).map(Into::into).map_err(|e| coded(&e))
}
