//! `start` and `restart` of a container, and the launch of a detached one under its monitor
//! (`run -d`, `create` then `start`): the one implementation, run by the runtime's native front
//! door in its own process and by the TypeScript commands through the napi binding. The
//! monitor is the runtime's `helper monitor`, spawned and waited for (it returns once the
//! container runs, or failed to); its JSON log says why it failed, which the caller reports
//! (the runtime's stderr is not the caller's: the monitor it forks keeps it).

use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tsc_box_core::kind::Kind;

use crate::lifecycle::{self, LifecycleError, LifecycleOps};
use crate::paths::Paths;
use crate::remove::{is_active, overlay_dir, RuntimeOps, STOP_MARKER};
use crate::status::{self, Settings};
use crate::view::{self, ContainerView, State};
use crate::{short_id as short, Coded, ErrorCode, EXIT_ENGINE};

/// How the monitor is started: the runtime binary, and the CLI command (program and its first
/// arguments) the monitor runs `rm -v` with once a `--rm` container has ended.
pub struct Launcher<'a> {
    pub runtime: &'a Path,
    pub cli: &'a [String],
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("container {0} was never completely created (the run or create making it was killed): remove it with 'tsc-box rm {1}'")]
    Dead(String, String),
    #[error("container {0} is still being created by process {1}: start it once that run or create has finished")]
    Creating(String, i32),
    #[error("removing the runtime state of {0}: {1}")]
    Delete(String, String),
    #[error("the image {0} of this container is no longer in the store")]
    ImageGone(String),
    #[error(transparent)]
    Store(#[from] tsc_box_image::StoreError),
    #[error(transparent)]
    Mount(#[from] tsc_box_image::overlay::OverlayError),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("cannot run {0}: {1}")]
    Spawn(String, std::io::Error),
    /// The runtime's own failure, as its log's first error line says.
    #[error("{msg}")]
    Runtime { kind: Kind, msg: String },
    #[error("the runtime exited with status {0}")]
    Status(i32),
    #[error(transparent)]
    Stop(#[from] LifecycleError),
    #[error("container {0} removes itself once ended, but the tsc-box command to run then is not known")]
    NoCli(String),
}

impl Coded for StartError {
    fn code(&self) -> ErrorCode {
        match self {
            StartError::Dead(..) => ErrorCode::ContainerDead,
            StartError::Creating(..) => ErrorCode::ContainerCreating,
            StartError::Delete(..) => ErrorCode::RuntimeDeleteFailed,
            StartError::ImageGone(_) => ErrorCode::ImageNotFound,
            StartError::Store(e) => e.code(),
            StartError::Mount(_) => ErrorCode::RootfsMount,
            StartError::Io(..) | StartError::Spawn(..) | StartError::Status(_) | StartError::NoCli(_) => ErrorCode::RuntimeFailed,
            StartError::Runtime { kind, .. } => ErrorCode::runtime(*kind),
            StartError::Stop(e) => e.code(),
        }
    }
}

/// `start`: a container that is not running runs again from its bundle, under a new monitor,
/// on the same root filesystem and writable layer. A running one is left as it is.
pub fn start(paths: &Paths, v: &ContainerView, launcher: &Launcher, ops: &dyn RuntimeOps) -> Result<(), StartError> {
    if is_active(v) {
        return Ok(());
    }
    let id = short(&v.id).to_string();
    if v.state == State::Dead {
        let name = if v.name.is_empty() { id.clone() } else { v.name.clone() };
        return Err(StartError::Dead(id, name));
    }
    if let Some(pid) = v.creator_pid {
        return Err(StartError::Creating(id, pid));
    }
    // What a dead monitor or an earlier run left (cgroup, state, network) goes first.
    if paths.runtime_root().join(&v.id).exists() {
        ops.delete(&v.id).map_err(|m| StartError::Delete(id.clone(), m))?;
    }
    let settings = match status::read_settings(&v.dir) {
        Some(s) => s,
        None => {
            let s = Settings { restart: "no".into(), rm: None };
            status::write_settings(&v.dir, &s).map_err(|e| io(&v.dir.join(status::SETTINGS), e))?;
            s
        }
    };
    launch(paths, &v.id, &v.dir, &v.dir.join("runtime.log"), &settings, launcher)
}

/// `restart -t SECS`: `stop` (its marker, SIGTERM, SIGKILL after the grace time), then `start`.
pub fn restart(paths: &Paths, v: &ContainerView, timeout: Duration, launcher: &Launcher, ops: &dyn LifecycleOps) -> Result<(), StartError> {
    lifecycle::stop(paths, v, timeout, ops)?;
    let now = view::by_id(paths, &v.id);
    start(paths, now.as_ref().unwrap_or(v), launcher, ops)
}

/// Starts container `id` (its directory `dir`) under a new monitor and returns once it runs.
pub fn launch(paths: &Paths, id: &str, dir: &Path, runtime_log: &Path, settings: &Settings, launcher: &Launcher) -> Result<(), StartError> {
    if settings.rm == Some(true) && launcher.cli.is_empty() {
        return Err(StartError::NoCli(short(id).to_string()));
    }
    ensure_rootfs(paths, dir)?;
    for f in [STOP_MARKER, status::PAUSED] {
        match std::fs::remove_file(dir.join(f)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&dir.join(f), e)),
            _ => {}
        }
    }
    std::fs::write(runtime_log, "").map_err(|e| io(runtime_log, e))?;
    let rt_root = paths.runtime_root();
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&rt_root).map_err(|e| io(&rt_root, e))?;
    let status = Command::new(launcher.runtime)
        .args(monitor_args(&rt_root, id, dir, runtime_log, settings, paths, launcher.cli))
        .stdin(Stdio::null())
        // Its errors are in its log, reported once by the caller as every CLI error is.
        .stderr(Stdio::null())
        .status()
        .map_err(|e| StartError::Spawn(launcher.runtime.display().to_string(), e))?;
    let log = std::fs::read_to_string(runtime_log).unwrap_or_default();
    outcome(&log, status.code(), status.signal())
}

fn io(p: &Path, e: std::io::Error) -> StartError {
    StartError::Io(p.display().to_string(), e)
}

/// The runtime's arguments for the monitor of container `id`.
fn monitor_args(rt_root: &Path, id: &str, dir: &Path, runtime_log: &Path, settings: &Settings, paths: &Paths, cli: &[String]) -> Vec<String> {
    let s = |p: &Path| p.display().to_string();
    let mut args = vec!["--root".into(), s(rt_root), "--log".into(), s(runtime_log), "--log-format".into(), "json".into()];
    args.extend(["helper".into(), "monitor".into(), "-b".into(), s(dir)]);
    args.extend(["--status-file".into(), s(&dir.join(status::STATUS)), "--log-file".into(), s(&dir.join("container.log"))]);
    args.extend(["--restart".into(), settings.restart.clone()]);
    if settings.rm == Some(true) {
        if let Some((program, rest)) = cli.split_first() {
            args.extend(["--exit-command".into(), program.clone()]);
            // docker's --rm removes the container's anonymous volumes too.
            let tail = ["rm".to_string(), "-v".into(), "--root".into(), s(&paths.data_root), id.to_string()];
            args.extend(rest.iter().chain(tail.iter()).map(|a| format!("--exit-command-arg={a}")));
        }
    }
    args.push(id.to_string());
    args
}

/// What the runtime's log and exit status say of the launch: its first error line is the
/// failure; else a status other than 0 is one.
fn outcome(log: &str, code: Option<i32>, signal: Option<i32>) -> Result<(), StartError> {
    let mut exit = None;
    for line in log.lines() {
        let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if o.get("level").and_then(|l| l.as_str()) == Some("error") {
            let kind = o.get("kind").and_then(|k| k.as_str()).and_then(Kind::parse).unwrap_or(Kind::Internal);
            let msg = o.get("msg").and_then(|m| m.as_str()).unwrap_or("runtime failed").to_string();
            return Err(StartError::Runtime { kind, msg });
        }
        if o.get("kind").and_then(|k| k.as_str()) == Some("exit") {
            exit = exit.or(o.get("status").and_then(|s| s.as_i64()).map(|s| s as i32));
        }
    }
    let status = match (exit, signal) {
        (Some(s), _) => s,
        (None, Some(sig)) => return Err(StartError::Runtime { kind: Kind::Internal, msg: format!("the runtime was killed by signal {sig}") }),
        (None, None) => code.unwrap_or(EXIT_ENGINE),
    };
    if status == 0 {
        Ok(())
    } else {
        Err(StartError::Status(status))
    }
}

/// Before a container starts again (`start`, `restart`, after a reboot), its overlay is mounted
/// again over the same upper layer if it is not mounted (a copy, or the runtime's own mount,
/// needs nothing).
pub fn ensure_rootfs(paths: &Paths, dir: &Path) -> Result<(), StartError> {
    let Some(rec) = crate::record::read(dir) else { return Ok(()) };
    let Some(layer) = overlay_dir(paths, Some(&rec.rootfs)) else { return Ok(()) };
    let merged = layer.join("merged");
    if is_mount_point(&merged) {
        return Ok(());
    }
    let driver = std::fs::read_to_string(layer.join("driver")).unwrap_or_default();
    if matches!(driver.trim(), "copy" | "runtime") {
        return Ok(());
    }
    let meta = layer.join("image.json");
    let text = std::fs::read(&meta).map_err(|e| io(&meta, e))?;
    let digest = serde_json::from_slice::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("digest").and_then(|d| d.as_str()).map(String::from))
        .ok_or_else(|| io(&meta, std::io::Error::other("no image digest")))?;
    let store = tsc_box_image::Store::open(paths.data_root.join("images"))?;
    let idx = store.index()?;
    let image = match idx.lookup(&digest) {
        Ok(r) => r,
        Err(tsc_box_image::StoreError::NoSuchImage(_)) => return Err(StartError::ImageGone(digest)),
        Err(e) => return Err(e.into()),
    };
    let lower: Vec<PathBuf> = image.layers.iter().rev().map(|l| store.layer_path(&l.diff_id)).collect();
    let p = tsc_box_image::overlay::OverlayPaths { lower, upper: layer.join("upper"), work: layer.join("work"), merged };
    tsc_box_image::overlay::mount_rootfs(&p, false)?;
    Ok(())
}

fn is_mount_point(p: &Path) -> bool {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else { return false };
    let want = p.to_string_lossy();
    info.lines().any(|l| l.split(' ').nth(4) == Some(want.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_error_line_of_the_log_is_the_failure() {
        let log = "{\"level\":\"warning\",\"msg\":\"w\"}\nnot json\n{\"level\":\"error\",\"msg\":\"no such file\",\"kind\":\"not_found\"}\n{\"level\":\"error\",\"msg\":\"later\",\"kind\":\"internal\"}\n";
        let e = outcome(log, Some(1), None).unwrap_err();
        assert_eq!((e.code().as_str(), e.to_string(), e.exit_code()), ("runtime_not_found", "no such file".to_string(), 127));
        let e = outcome("{\"level\":\"error\",\"msg\":\"x\",\"kind\":\"martian\"}", Some(1), None).unwrap_err();
        assert_eq!(e.code().as_str(), "runtime_internal");
    }

    #[test]
    fn without_an_error_line_the_status_decides() {
        assert!(outcome("", Some(0), None).is_ok());
        let e = outcome("", Some(3), None).unwrap_err();
        assert_eq!((e.code().as_str(), e.to_string(), e.exit_code()), ("runtime_failed", "the runtime exited with status 3".to_string(), 125));
        let e = outcome("", None, Some(9)).unwrap_err();
        assert_eq!((e.code().as_str(), e.to_string(), e.exit_code()), ("runtime_internal", "the runtime was killed by signal 9".to_string(), 125));
    }

    #[test]
    fn an_rm_container_gets_the_exit_command() {
        let p = Paths { data_root: "/d".into(), run_dir: "/r".into() };
        let dir = Path::new("/d/containers/abc");
        let cli = ["/usr/bin/node".to_string(), "--".into(), "/x/bin/run.js".into()];
        let rm = Settings { restart: "no".into(), rm: Some(true) };
        let a = monitor_args(Path::new("/r/runtime"), "abc", dir, &dir.join("runtime.log"), &rm, &p, &cli);
        let tail: Vec<&str> = a.iter().map(String::as_str).skip_while(|a| *a != "--exit-command").collect();
        assert_eq!(
            tail,
            [
                "--exit-command",
                "/usr/bin/node",
                "--exit-command-arg=--",
                "--exit-command-arg=/x/bin/run.js",
                "--exit-command-arg=rm",
                "--exit-command-arg=-v",
                "--exit-command-arg=--root",
                "--exit-command-arg=/d",
                "--exit-command-arg=abc",
                "abc"
            ]
        );
        let plain = monitor_args(Path::new("/r/runtime"), "abc", dir, &dir.join("runtime.log"), &Settings { restart: "always".into(), rm: None }, &p, &cli);
        assert!(!plain.iter().any(|a| a == "--exit-command"));
        assert_eq!(plain[plain.len() - 3..], ["--restart", "always", "abc"]);
    }

    /// The runtime's delete, failing with `delete_fails`.
    struct Ops {
        deleted: std::cell::RefCell<Vec<String>>,
        delete_fails: bool,
    }
    impl RuntimeOps for Ops {
        fn kill_all(&self, _: &str) -> Result<(), String> {
            Ok(())
        }
        fn delete(&self, id: &str) -> Result<(), String> {
            self.deleted.borrow_mut().push(id.to_string());
            if self.delete_fails {
                Err("cgroup busy".into())
            } else {
                Ok(())
            }
        }
        fn resume(&self, _: &str) -> Result<(), String> {
            Ok(())
        }
        fn remove_tree(&self, _: &Path) -> Result<(), String> {
            Ok(())
        }
    }

    fn fixture(tag: &str, state: State) -> (Paths, ContainerView) {
        let base = std::env::temp_dir().join(format!("tsc-box-start-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let paths = Paths { data_root: base.join("data"), run_dir: base.join("run") };
        let v = crate::view::test_view(&paths, "0123456789abcdef0123", state);
        (paths, v)
    }

    #[test]
    fn a_dead_or_creating_container_is_refused_untouched() {
        let ops = Ops { deleted: Default::default(), delete_fails: false };
        let launcher = Launcher { runtime: Path::new("/nonexistent/runtime"), cli: &[] };
        let (p, mut v) = fixture("refuse", State::Dead);
        let e = start(&p, &v, &launcher, &ops).unwrap_err();
        assert_eq!((e.code().as_str(), e.exit_code()), ("container_dead", 1));
        assert_eq!(
            e.to_string(),
            "container 0123456789ab was never completely created (the run or create making it was killed): remove it with 'tsc-box rm web'"
        );
        v.state = State::Created;
        v.creator_pid = Some(42);
        let e = start(&p, &v, &launcher, &ops).unwrap_err();
        assert_eq!(e.to_string(), "container 0123456789ab is still being created by process 42: start it once that run or create has finished");
        assert!(!v.dir.join(status::SETTINGS).exists());
        assert!(ops.deleted.borrow().is_empty());
        // A running one is left alone: no error, nothing done.
        v.state = State::Running;
        start(&p, &v, &launcher, &ops).unwrap();
        assert!(!v.dir.join(status::SETTINGS).exists());
    }

    #[test]
    fn what_an_earlier_run_left_goes_first_and_a_failure_there_stops_the_start() {
        let (p, v) = fixture("delete", State::Exited);
        std::fs::create_dir_all(p.runtime_root().join(&v.id)).unwrap();
        let ops = Ops { deleted: Default::default(), delete_fails: true };
        let e = start(&p, &v, &Launcher { runtime: Path::new("/nonexistent/runtime"), cli: &[] }, &ops).unwrap_err();
        assert_eq!((e.code().as_str(), e.to_string()), ("runtime_delete_failed", "removing the runtime state of 0123456789ab: cgroup busy".to_string()));
        assert_eq!(*ops.deleted.borrow(), std::slice::from_ref(&v.id));
        // Without runtime state: no delete, the settings written, then the launch (which fails
        // here: no runtime binary) without a stale stop marker.
        std::fs::remove_dir(p.runtime_root().join(&v.id)).unwrap();
        std::fs::write(v.dir.join(STOP_MARKER), "").unwrap();
        let ops = Ops { deleted: Default::default(), delete_fails: false };
        let e = start(&p, &v, &Launcher { runtime: Path::new("/nonexistent/runtime"), cli: &[] }, &ops).unwrap_err();
        assert_eq!(e.code().as_str(), "runtime_failed");
        assert!(ops.deleted.borrow().is_empty());
        assert_eq!(status::read_settings(&v.dir), Some(Settings { restart: "no".into(), rm: None }));
        assert!(!v.dir.join(STOP_MARKER).exists());
    }
}
