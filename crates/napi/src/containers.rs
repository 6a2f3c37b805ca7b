//! The CLI's container store (tsc_box_containers) for the TypeScript commands, as one class:
//! `ContainerStore` over a data root and run directory. Rust owns the store (records, names,
//! ids, `--userns=auto` blocks, lifecycle settings, status, users, removal); TypeScript keeps
//! the flags, the messages around them and the output. The same code answers the runtime's
//! native front door (`tsc-box-runtime --cli exec|rm`), so both doors agree. Values cross as
//! typed objects (`#[napi(object)]`, nulls kept as nulls); every failure is made by `coded`.
use std::path::{Path, PathBuf};

use napi::Error;
use napi_derive::napi;
use tsc_box_containers::paths::{self, PathEnv, Paths};
use tsc_box_containers::resolve::ResolveError;
use tsc_box_containers::{creation, id, inspect, logs, names, ps, record, remove, resolve, status, subid, user, userns, view, Coded, ErrorCode};

use crate::container_remove::Spawned;

/// The one place a store failure becomes a JS error: its code is the error's `code` property
/// (crate::errors), which src/container/store.ts turns into a CliError with the code's exit
/// status. The codes are a JSON contract (`--json`).
pub(crate) fn coded(e: &impl Coded) -> Error<ErrorCode> {
    Error::new(e.code(), e.to_string())
}

/// A failure with no error type of its own in the store (bad input from TypeScript, an I/O
/// error writing a record), coded like the others.
#[derive(Debug)]
struct Plain(ErrorCode, String);

impl std::fmt::Display for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

impl Coded for Plain {
    fn code(&self) -> ErrorCode {
        self.0
    }
}

fn plain(code: ErrorCode, msg: String) -> Error<ErrorCode> {
    coded(&Plain(code, msg))
}

fn lossy(p: &Path) -> String {
    p.to_string_lossy().into_owned()
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

#[napi(string_enum = "lowercase")]
pub enum RecordStatus {
    Creating,
    Created,
    Running,
    Exited,
}

/// The process creating a container (pid and start time in clock ticks).
#[napi(object)]
pub struct Creator {
    pub pid: i32,
    pub start_time: i64,
}

/// record.json, the one schema (crates/containers/src/record.rs).
#[napi(object, use_nullable = true)]
pub struct ContainerRecord {
    pub id: String,
    pub name: String,
    /// ISO 8601 creation time.
    pub created: String,
    pub rootfs: String,
    pub command: Vec<String>,
    pub status: RecordStatus,
    pub exit_code: Option<i32>,
    pub oom_killed: bool,
    /// Set by the store while a `run`/`create` is still making or starting it.
    pub creator: Option<Creator>,
    /// A foreground run's start and end (RFC 3339).
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// What run/create were asked for (crates/containers/src/config.rs, camelCase JSON).
    pub config: Option<serde_json::Value>,
    /// Its binds, volumes and tmpfs mounts (crates/containers/src/volumes/mounts.rs).
    pub mounts: Option<Vec<crate::volumes::MountPoint>>,
}

impl From<record::ContainerRecord> for ContainerRecord {
    fn from(r: record::ContainerRecord) -> Self {
        ContainerRecord {
            id: r.id,
            name: r.name,
            created: r.created,
            rootfs: r.rootfs,
            command: r.command,
            status: match r.status {
                record::RecordStatus::Creating => RecordStatus::Creating,
                record::RecordStatus::Created => RecordStatus::Created,
                record::RecordStatus::Running => RecordStatus::Running,
                record::RecordStatus::Exited => RecordStatus::Exited,
            },
            exit_code: r.exit_code,
            oom_killed: r.oom_killed,
            creator: r.creator.map(|c| Creator { pid: c.pid, start_time: c.start_time as i64 }),
            started_at: r.started_at,
            finished_at: r.finished_at,
            config: r.config.and_then(|c| serde_json::to_value(c).ok()),
            mounts: Some(r.mounts.into_iter().map(Into::into).collect()),
        }
    }
}

impl From<ContainerRecord> for record::ContainerRecord {
    fn from(r: ContainerRecord) -> Self {
        record::ContainerRecord {
            id: r.id,
            name: r.name,
            created: r.created,
            rootfs: r.rootfs,
            command: r.command,
            status: match r.status {
                RecordStatus::Creating => record::RecordStatus::Creating,
                RecordStatus::Created => record::RecordStatus::Created,
                RecordStatus::Running => record::RecordStatus::Running,
                RecordStatus::Exited => record::RecordStatus::Exited,
            },
            exit_code: r.exit_code,
            oom_killed: r.oom_killed,
            creator: r.creator.map(|c| creation::Creator { pid: c.pid, start_time: c.start_time.max(0) as u64 }),
            started_at: r.started_at,
            finished_at: r.finished_at,
            // Written by run from typed TypeScript (src/run/container-config.ts).
            config: r.config.and_then(|c| serde_json::from_value(c).ok()),
            mounts: r.mounts.map(|m| m.into_iter().map(Into::into).collect()).unwrap_or_default(),
        }
    }
}

/// A reference that named no container, as the CLI reports it.
#[napi(object)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

/// `inspect`'s answer: what to print, or the references that failed.
#[napi(object, use_nullable = true)]
pub struct Inspected {
    pub output: Option<String>,
    pub failures: Vec<Failure>,
}

/// `logs`' flags.
#[napi(object)]
pub struct LogsOptions {
    pub follow: bool,
    pub tail: String,
    pub since: Option<String>,
    pub timestamps: bool,
}

/// `ps`'s flags.
#[napi(object)]
pub struct PsOptions {
    pub all: bool,
    pub quiet: bool,
    pub no_trunc: bool,
    pub filters: Option<Vec<String>>,
    pub format: Option<String>,
}

/// A container as the lifecycle commands see it (crates/containers/src/view.rs).
#[napi(object, use_nullable = true)]
pub struct ContainerView {
    pub id: String,
    pub name: String,
    pub created: String,
    pub command: Vec<String>,
    pub rootfs: String,
    /// created, running, paused, restarting, exited or dead.
    pub state: String,
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
    pub dir: String,
    /// The live process still creating it, else null.
    pub creator_pid: Option<i32>,
}

impl From<view::ContainerView> for ContainerView {
    fn from(v: view::ContainerView) -> Self {
        ContainerView {
            state: v.state.as_str().to_string(),
            dir: lossy(&v.dir),
            id: v.id,
            name: v.name,
            created: v.created,
            command: v.command,
            rootfs: v.rootfs,
            pid: v.pid,
            exit_code: v.exit_code,
            oom_killed: v.oom_killed,
            started_at: v.started_at,
            finished_at: v.finished_at,
            restart_count: v.restart_count,
            restart_policy: v.restart_policy,
            detached: v.detached,
            creator_pid: v.creator_pid,
        }
    }
}

#[napi(object)]
pub struct CreatedContainer {
    pub dir: String,
    pub name: String,
}

#[napi(object)]
pub struct IdRange {
    pub start: u32,
    pub count: u32,
}

impl From<subid::IdRange> for IdRange {
    fn from(r: subid::IdRange) -> Self {
        IdRange { start: r.start, count: r.count }
    }
}

impl From<&IdRange> for subid::IdRange {
    fn from(r: &IdRange) -> Self {
        subid::IdRange { start: r.start, count: r.count }
    }
}

#[napi(object)]
pub struct AutoBlock {
    pub uid: IdRange,
    pub gid: IdRange,
}

/// The calling user, its login name and its subordinate ranges (as newuidmap sees them).
#[napi(object)]
pub struct HostUser {
    pub uid: u32,
    pub gid: u32,
    pub name: Option<String>,
    pub subuid: Vec<IdRange>,
    pub subgid: Vec<IdRange>,
}

/// How to start the container again (lifecycle.json).
#[napi(object)]
pub struct Settings {
    pub restart: String,
    pub rm: Option<bool>,
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

#[napi(object)]
pub struct NameClaim {
    pub name: String,
    pub id: String,
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

/// The store of one data root (with its run directory, where the runtime's state says whether
/// a foreground run's container still exists).
#[napi]
pub struct ContainerStore {
    paths: Paths,
}

#[napi]
impl ContainerStore {
    #[napi(constructor)]
    pub fn new(data_root: String, run_dir: String) -> Self {
        ContainerStore { paths: Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) } }
    }

    /// The data root and run directory for `--root` (or the defaults).
    #[napi]
    pub fn resolve_paths(root: Option<String>, env: PathInputs) -> StorePaths {
        let e = PathEnv { uid: env.uid, home: env.home, xdg_data_home: env.xdg_data_home, xdg_runtime_dir: env.xdg_runtime_dir, cwd: PathBuf::from(env.cwd) };
        let p = paths::resolve(root.as_deref(), &e);
        StorePaths { data_root: lossy(&p.data_root), run_dir: lossy(&p.run_dir) }
    }

    /// Without root the run directory may sit in /tmp: refused unless it is ours and 0700.
    #[napi]
    pub fn ensure_own_run_dir(run_dir: String, uid: u32) -> napi::Result<(), ErrorCode> {
        paths::ensure_own_run_dir(Path::new(&run_dir), uid).map_err(|e| coded(&e))
    }

    /// The container a reference (id, name, unique id prefix) means.
    #[napi]
    pub fn resolve(&self, reference: String) -> napi::Result<ContainerView, ErrorCode> {
        resolve::resolve_container(&self.paths, &reference).map(Into::into).map_err(|e| coded(&e))
    }

    /// The container with this full id, or null.
    #[napi]
    pub fn by_id(&self, id: String) -> Option<ContainerView> {
        view::by_id(&self.paths, &id).map(Into::into)
    }

    /// Every container, newest first.
    #[napi]
    pub fn list(&self) -> Vec<ContainerView> {
        view::list(&self.paths, Some(&self.paths.runtime_root())).into_iter().map(Into::into).collect()
    }

    /// What `tsc-box ps` prints (tsc_box_containers::ps, the code the runtime's front door runs
    /// too): the text without its final newline, or null for nothing at all. `json`: the
    /// `--json` array. Bad filters and templates fail with invalid_filter / invalid_format.
    #[napi]
    pub fn ps(&self, options: PsOptions, json: bool) -> napi::Result<Option<String>, ErrorCode> {
        let o = ps::PsOptions {
            all: options.all,
            quiet: options.quiet,
            no_trunc: options.no_trunc,
            filters: options.filters.unwrap_or_default(),
            format: options.format,
        };
        ps::check_filters(&o.filters).map_err(|e| coded(&e))?;
        let now = tsc_box_format::time::now_ms();
        let shown = ps::select(view::list(&self.paths, Some(&self.paths.runtime_root())), &o).map_err(|e| coded(&e))?;
        if json {
            return Ok(Some(ps::render_json(&shown, now)));
        }
        ps::render(&shown, &o, now).map_err(|e| coded(&e))
    }

    /// What `tsc-box inspect [--type KIND] REFS` prints (tsc_box_containers::inspect, the code
    /// the runtime's front door runs too): the text without its final newline (null: nothing),
    /// and one failure per reference that found nothing, which the caller reports on stderr
    /// (exit 1). A bad template fails (invalid_format).
    #[napi]
    pub fn inspect(&self, refs: Vec<String>, format: Option<String>, kind: Option<String>, json: bool) -> napi::Result<Inspected, ErrorCode> {
        let kind = kind.as_deref().and_then(inspect::Kind::parse);
        let a = inspect::answer(&self.paths, &refs, kind, format.as_deref(), json).map_err(|e| coded(&e))?;
        Ok(Inspected {
            output: a.output,
            failures: a.failures.iter().map(|e| Failure { code: e.code().as_str().to_string(), message: e.to_string() }).collect(),
        })
    }

    /// `tsc-box logs REF` (tsc_box_containers::logs, the code the runtime's front door runs
    /// too): writes the log to this process's stdout and stderr (following it, blocking, with
    /// `follow`) unless `json`, and returns the entries read before following as JSON text.
    #[napi]
    pub fn logs(&self, reference: String, options: LogsOptions, json: bool) -> napi::Result<String, ErrorCode> {
        let v = resolve::resolve_container(&self.paths, &reference).map_err(|e| coded(&e))?;
        let o = logs::LogsOptions { follow: options.follow, tail: options.tail, since: options.since, timestamps: options.timestamps };
        let entries = logs::logs(&self.paths, &v, &o, json, tsc_box_format::time::now_ms()).map_err(|e| coded(&e))?;
        Ok(serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into()))
    }

    /// The exit status of container `id` once it has run and ended (tsc_box_containers::wait,
    /// the code the runtime's front door runs too); blocks meanwhile.
    #[napi]
    pub fn wait(&self, id: String) -> napi::Result<i32, ErrorCode> {
        tsc_box_containers::wait::wait_exit(&self.paths, &id).map_err(|e| coded(&e))
    }

    /// A new container id: 64 random hex digits, as docker's.
    #[napi]
    pub fn new_id() -> napi::Result<String, ErrorCode> {
        id::new_container_id().map_err(|e| plain(ErrorCode::Internal, format!("/dev/urandom: {e}")))
    }

    /// docker's rule for names (invalid_name).
    #[napi]
    pub fn validate_name(name: String) -> napi::Result<(), ErrorCode> {
        names::validate_name(&name).map_err(|e| coded(&e))
    }

    /// The first steps of `run`/`create`: `containers/<id>/` with `record` in state
    /// `creating` (this process its creator), then the name (a random one when empty). On a
    /// failure nothing is left.
    #[napi]
    pub fn create(&self, record: ContainerRecord) -> napi::Result<CreatedContainer, ErrorCode> {
        let (dir, name) = creation::create(&self.paths, record.into()).map_err(|e| coded(&e))?;
        Ok(CreatedContainer { dir: lossy(&dir), name })
    }

    #[napi]
    pub fn read_record(&self, id: String) -> Option<ContainerRecord> {
        record::read(&self.paths.container_dir(&id)).map(Into::into)
    }

    /// The record in a container's directory (`<data root>/containers/<id>`), or null.
    #[napi]
    pub fn read_record_in(dir: String) -> Option<ContainerRecord> {
        record::read(Path::new(&dir)).map(Into::into)
    }

    /// Replaces the record in a container's directory in one step. With `keep_missing`, a
    /// directory removed meanwhile (an `rm` that stopped waiting) is no error.
    #[napi]
    pub fn write_record_in(dir: String, record: ContainerRecord, keep_missing: Option<bool>) -> napi::Result<(), ErrorCode> {
        match record::write(Path::new(&dir), &record.into()) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && keep_missing == Some(true) => Ok(()),
            r => r.map_err(|e| plain(ErrorCode::Internal, format!("writing the record in {dir}: {e}"))),
        }
    }

    /// `--userns=auto`: the first free block of `uids`/`gids` for container `id`.
    #[napi]
    pub fn claim_auto_block(&self, id: String, uids: Vec<IdRange>, gids: Vec<IdRange>, owner: String) -> napi::Result<AutoBlock, ErrorCode> {
        let (u, g): (Vec<subid::IdRange>, Vec<subid::IdRange>) = (uids.iter().map(Into::into).collect(), gids.iter().map(Into::into).collect());
        let b = userns::claim_auto_block(&self.paths, &id, &u, &g, &owner).map_err(|e| coded(&e))?;
        Ok(AutoBlock { uid: b.uid.into(), gid: b.gid.into() })
    }

    /// How to start the container in `dir` again (lifecycle.json), or null.
    #[napi]
    pub fn read_settings(dir: String) -> Option<Settings> {
        status::read_settings(Path::new(&dir)).map(|s| Settings { restart: s.restart, rm: s.rm })
    }

    #[napi]
    pub fn write_settings(dir: String, settings: Settings) -> napi::Result<(), ErrorCode> {
        status::write_settings(Path::new(&dir), &status::Settings { restart: settings.restart, rm: settings.rm })
            .map_err(|e| plain(ErrorCode::Internal, format!("writing the lifecycle settings in {dir}: {e}")))
    }

    /// What the monitor recorded in the container's directory `dir`, judged against /proc.
    #[napi]
    pub fn monitor(dir: String) -> Option<MonitorInfo> {
        let st = status::read_status(Path::new(&dir))?;
        let alive = status::monitor_alive(&st);
        let init_of_monitor = alive && st.pid > 0 && status::proc_parent(st.pid) == Some(st.monitor_pid);
        Some(MonitorInfo { status: st.status.map(|s| s.as_str().to_string()), pid: st.pid, monitor_pid: st.monitor_pid, alive, init_of_monitor })
    }

    /// `rm [-f]` of the container with this full id: processes (with force), runtime state,
    /// writable layer, directory, name, user-namespace block.
    #[napi]
    pub fn remove(&self, runtime: String, id: String, force: bool) -> napi::Result<(), ErrorCode> {
        let v = view::by_id(&self.paths, &id).ok_or_else(|| coded(&ResolveError::NoSuch(id.clone())))?;
        remove::remove_container(&self.paths, &v, force, &Spawned::new(Some(runtime), &self.paths)).map_err(|e| coded(&e))
    }

    /// What `run`/`create` made for a container the runtime holds nothing of (a failed or
    /// --rm `run`, a directory a killed `run` left): writable layer, directory, name, block.
    #[napi]
    pub fn remove_files(&self, id: String, name: String, runtime: Option<String>) -> napi::Result<(), ErrorCode> {
        remove::remove_files(&self.paths, &id, &name, &Spawned::new(runtime, &self.paths)).map_err(|e| coded(&e))
    }

    /// Removes what `run`s killed before their container's directory was in place left, and
    /// what killed removals left; returns their ids.
    #[napi]
    pub fn remove_abandoned(&self) -> Vec<String> {
        creation::remove_abandoned(&self.paths)
    }

    /// Names whose holder has no container directory.
    #[napi]
    pub fn stale_names(&self) -> Vec<NameClaim> {
        names::stale_names(&self.paths).into_iter().map(|(name, id)| NameClaim { name, id }).collect()
    }

    /// The name container `id` holds, if any.
    #[napi]
    pub fn name_of(&self, id: String) -> Option<String> {
        names::name_of(&self.paths, &id)
    }

    /// Releases `name` only if container `id` still holds it.
    #[napi]
    pub fn release_name(&self, name: String, id: String) {
        remove::release_name(&self.paths, &name, &id)
    }

    /// Releases container `id`'s `--userns=auto` block, if it has one.
    #[napi]
    pub fn release_auto_block(&self, id: String) {
        remove::release_auto_block(&self.paths, &id)
    }

    /// The overlay directory (`<data root>/overlay/<key>`) a container's rootfs lies in, if any.
    #[napi]
    pub fn overlay_dir(&self, rootfs: String) -> Option<String> {
        remove::overlay_dir(&self.paths, Some(&rootfs)).map(|d| lossy(&d))
    }

    /// Unmounts an overlay directory made for a container and, with `remove`, deletes it.
    #[napi]
    pub fn overlay_release(dir: String, remove: bool, runtime: Option<String>) -> napi::Result<(), ErrorCode> {
        let ops = Spawned::new(runtime, &Paths { data_root: PathBuf::new(), run_dir: PathBuf::new() });
        remove::release_overlay(Path::new(&dir), remove, &ops).map_err(|e| coded(&e))
    }

    /// `-u SPEC` as the root filesystem's own /etc/passwd and /etc/group define it (read inside
    /// the root, regular files only): `run -u`, as `exec -u` in the runtime's front door.
    #[napi]
    pub fn user_in_rootfs(rootfs: String, spec: String) -> napi::Result<ResolvedUser, ErrorCode> {
        user::resolve_in_rootfs(Path::new(&rootfs), &spec).map(Into::into).map_err(|e| coded(&e))
    }

    /// `-u SPEC` against the texts of a passwd and a group file.
    #[napi]
    pub fn user_from(spec: String, passwd: String, group: String) -> napi::Result<ResolvedUser, ErrorCode> {
        user::resolve_user(&spec, &user::parse_passwd(&passwd), &user::parse_group(&group)).map(Into::into).map_err(|e| coded(&e))
    }

    /// The calling user and its ranges.
    #[napi]
    pub fn host_user() -> HostUser {
        let u = subid::HostUser::current();
        HostUser {
            uid: u.uid,
            gid: u.gid,
            name: u.name,
            subuid: u.subuid.into_iter().map(Into::into).collect(),
            subgid: u.subgid.into_iter().map(Into::into).collect(),
        }
    }

    /// The ranges `file` (/etc/subuid or /etc/subgid) gives the user `name` (or uid `uid`).
    #[napi]
    pub fn subid_ranges(file: String, name: Option<String>, uid: Option<u32>) -> Vec<IdRange> {
        subid::read_subid(Path::new(&file), name.as_deref(), uid).into_iter().map(Into::into).collect()
    }

    /// The `--uidmap`/`--gidmap` flags of the rootless helpers (`remove-tree`, `unpack-layer`).
    #[napi]
    pub fn helper_map_args() -> Vec<String> {
        subid::HostUser::current().helper_map_args()
    }
}
