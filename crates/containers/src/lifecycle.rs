//! `stop`, `kill`, `pause` and `unpause` of a container: the one implementation, run by the
//! runtime's native front door in its own process and by the TypeScript commands through the
//! napi binding (which spawns the runtime for the runtime's own operations, `LifecycleOps`).
//! The monitor (the runtime's `helper monitor`) records the container's end in status.json;
//! `stop` leaves the stop marker first, so that the restart policy does not start it again.

use std::time::{Duration, Instant};

use crate::paths::Paths;
use crate::remove::{end_restarts, is_active, kill_for_good, thaw, RuntimeOps, STOP_MARKER};
use crate::status;
use crate::view::{self, ContainerView, State};
use crate::{short_id as short, Coded, ErrorCode};

/// How long a SIGKILLed container gets to be recorded as ended.
const KILL_GRACE: Duration = Duration::from_secs(15);
/// How often the container's state is looked at while waiting for its end.
const POLL: Duration = Duration::from_millis(10);

/// The runtime's operations the lifecycle needs beyond removal's.
pub trait LifecycleOps: RuntimeOps {
    /// A signal (a name or number, as the runtime's `kill` takes it) to the container's init,
    /// or with `all` to every process of its cgroup (`kill [--all] ID SIGNAL`).
    fn signal(&self, id: &str, signal: &str, all: bool) -> Result<(), String>;
    /// Whether the runtime's state still says the container is not stopped (`state ID`).
    fn active(&self, id: &str) -> bool;
    /// Freezes the container's cgroup (`pause ID`).
    fn pause(&self, id: &str) -> Result<(), String>;
}

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("container {0} is not running")]
    NotRunning(String),
    #[error("container {0} is not paused")]
    NotPaused(String),
    #[error("cannot signal {0}: {1}")]
    Signal(String, String),
    #[error("container {0} did not stop")]
    DidNotStop(String),
    #[error("{0}")]
    Pause(String),
    #[error("{0}")]
    Unpause(String),
    #[error("cannot write {0}: {1}")]
    Marker(String, std::io::Error),
}

impl Coded for LifecycleError {
    fn code(&self) -> ErrorCode {
        match self {
            LifecycleError::NotRunning(_) => ErrorCode::ContainerNotRunning,
            LifecycleError::NotPaused(_) => ErrorCode::ContainerNotPaused,
            LifecycleError::Signal(..) => ErrorCode::KillFailed,
            LifecycleError::DidNotStop(_) | LifecycleError::Marker(..) => ErrorCode::StopFailed,
            LifecycleError::Pause(_) => ErrorCode::PauseFailed,
            LifecycleError::Unpause(_) => ErrorCode::UnpauseFailed,
        }
    }
}

fn has_runtime_state(paths: &Paths, id: &str) -> bool {
    paths.runtime_root().join(id).exists()
}

/// The container as the store sees it now (its monitor's record judged against the kernel).
fn still_active(paths: &Paths, id: &str) -> bool {
    view::by_id(paths, id).is_some_and(|v| is_active(&v))
}

fn monitor_gone(v: &ContainerView) -> bool {
    !status::read_status(&v.dir).as_ref().is_some_and(status::monitor_alive)
}

fn until(timeout: Duration, done: impl Fn() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

/// A signal to the init; a container that stopped between our look and the signal is no
/// failure (the runtime has no state of it, or calls it stopped).
fn signal(paths: &Paths, id: &str, sig: &str, ops: &dyn LifecycleOps) -> Result<(), LifecycleError> {
    if !has_runtime_state(paths, id) {
        return Ok(());
    }
    match ops.signal(id, sig, false) {
        Err(m) if has_runtime_state(paths, id) && ops.active(id) => Err(LifecycleError::Signal(short(id).to_string(), m)),
        _ => Ok(()),
    }
}

/// `stop -t SECS`: the stop marker (no restart follows), the signal (docker's SIGTERM), then
/// after `timeout` without an end SIGKILL to every process, waited for until its monitor is
/// gone. A container that is not running only gets the marker.
pub fn stop(paths: &Paths, v: &ContainerView, timeout: Duration, ops: &dyn LifecycleOps) -> Result<(), LifecycleError> {
    let marker = v.dir.join(STOP_MARKER);
    std::fs::write(&marker, "").map_err(|e| LifecycleError::Marker(marker.display().to_string(), e))?;
    if !is_active(v) {
        return Ok(());
    }
    let st = status::read_status(&v.dir);
    end_restarts(st.as_ref(), st.as_ref().is_some_and(status::monitor_alive));
    thaw(v, ops);
    if !timeout.is_zero() {
        signal(paths, &v.id, "SIGTERM", ops)?;
        if until(timeout, || !still_active(paths, &v.id)) {
            return Ok(());
        }
    }
    kill_for_good(paths, v, ops);
    if until(KILL_GRACE, || !still_active(paths, &v.id) && monitor_gone(v)) {
        Ok(())
    } else {
        Err(LifecycleError::DidNotStop(short(&v.id).to_string()))
    }
}

/// Whether `sig` names SIGKILL.
fn is_sigkill(sig: &str) -> bool {
    let upper = sig.to_ascii_uppercase();
    matches!(upper.strip_prefix("SIG").unwrap_or(&upper), "KILL" | "9")
}

/// `kill -s SIG`: the signal to the container's init; its restart policy still applies, as
/// with docker. A paused container is thawed (after a SIGKILL, before any other signal).
pub fn kill(paths: &Paths, v: &ContainerView, sig: &str, ops: &dyn LifecycleOps) -> Result<(), LifecycleError> {
    if !is_active(v) || v.state == State::Restarting {
        return Err(LifecycleError::NotRunning(short(&v.id).to_string()));
    }
    let paused = v.state == State::Paused;
    // Any other signal would wait in the frozen processes: they are thawed first.
    if paused && !is_sigkill(sig) {
        thaw(v, ops);
    }
    signal(paths, &v.id, sig, ops)?;
    // A frozen process dies of SIGKILL only once thawed (the cgroup v1 freezer), as docker's
    // kill of a paused container does it.
    if paused {
        thaw(v, ops);
    }
    Ok(())
}

/// `pause` (`pause: true`) freezes a running container's cgroup, `unpause` thaws a paused one;
/// the `paused` marker beside its record lets `ps` say "Paused".
pub fn set_paused(v: &ContainerView, pause: bool, ops: &dyn LifecycleOps) -> Result<(), LifecycleError> {
    let marker = v.dir.join(status::PAUSED);
    if pause {
        if v.state != State::Running {
            return Err(LifecycleError::NotRunning(short(&v.id).to_string()));
        }
        ops.pause(&v.id).map_err(LifecycleError::Pause)?;
        std::fs::write(&marker, "").map_err(|e| LifecycleError::Pause(format!("cannot write {}: {e}", marker.display())))
    } else {
        if v.state != State::Paused {
            return Err(LifecycleError::NotPaused(short(&v.id).to_string()));
        }
        ops.resume(&v.id).map_err(LifecycleError::Unpause)?;
        match std::fs::remove_file(&marker) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(LifecycleError::Unpause(format!("cannot remove {}: {e}", marker.display()))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::path::Path;

    /// Records the runtime operations asked for, in order.
    #[derive(Default)]
    struct Recorder(RefCell<Vec<String>>);
    impl RuntimeOps for Recorder {
        fn kill_all(&self, id: &str) -> Result<(), String> {
            self.signal(id, "SIGKILL", true)
        }
        fn delete(&self, id: &str) -> Result<(), String> {
            self.0.borrow_mut().push(format!("delete {id}"));
            Ok(())
        }
        fn resume(&self, id: &str) -> Result<(), String> {
            self.0.borrow_mut().push(format!("resume {id}"));
            Ok(())
        }
        fn remove_tree(&self, _: &Path) -> Result<(), String> {
            Ok(())
        }
    }
    impl LifecycleOps for Recorder {
        fn signal(&self, id: &str, signal: &str, all: bool) -> Result<(), String> {
            self.0.borrow_mut().push(format!("kill{} {id} {signal}", if all { " --all" } else { "" }));
            Ok(())
        }
        fn active(&self, _: &str) -> bool {
            true
        }
        fn pause(&self, id: &str) -> Result<(), String> {
            self.0.borrow_mut().push(format!("pause {id}"));
            Err("frozen already".into())
        }
    }

    fn view(tag: &str, state: State) -> (Paths, ContainerView) {
        let base = std::env::temp_dir().join(format!("tsc-box-lifecycle-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let paths = Paths { data_root: base.join("data"), run_dir: base.join("run") };
        let id = "c0ffee".repeat(10) + "abcd";
        std::fs::create_dir_all(paths.runtime_root().join(&id)).unwrap();
        let v = crate::view::test_view(&paths, &id, state);
        (paths, v)
    }

    #[test]
    fn states_that_refuse_the_command_say_so_with_docker_codes() {
        let ops = Recorder::default();
        let (p, exited) = view("refuse", State::Exited);
        let e = kill(&p, &exited, "TERM", &ops).unwrap_err();
        assert_eq!((e.to_string(), e.exit_code()), ("container c0ffeec0ffee is not running".into(), 1));
        assert_eq!(set_paused(&exited, true, &ops).unwrap_err().code(), ErrorCode::ContainerNotRunning);
        assert_eq!(set_paused(&exited, false, &ops).unwrap_err().code(), ErrorCode::ContainerNotPaused);
        let (_, restarting) = view("refuse2", State::Restarting);
        assert_eq!(kill(&p, &restarting, "KILL", &ops).unwrap_err().code(), ErrorCode::ContainerNotRunning);
        assert!(ops.0.borrow().is_empty(), "nothing asked of the runtime: {:?}", ops.0.borrow());
        // A stopped container gets the marker only: its policy must not start it again.
        stop(&p, &exited, Duration::from_secs(10), &ops).unwrap();
        assert!(exited.dir.join(STOP_MARKER).exists());
        assert!(ops.0.borrow().is_empty());
    }

    #[test]
    fn a_paused_container_is_thawed_before_a_signal_and_after_sigkill() {
        let (p, v) = view("thaw", State::Paused);
        let ops = Recorder::default();
        std::fs::write(v.dir.join(status::PAUSED), "").unwrap();
        kill(&p, &v, "usr1", &ops).unwrap();
        std::fs::write(v.dir.join(status::PAUSED), "").unwrap();
        kill(&p, &v, "sigkill", &ops).unwrap();
        let id = &v.id;
        assert_eq!(*ops.0.borrow(), [format!("resume {id}"), format!("kill {id} usr1"), format!("kill {id} sigkill"), format!("resume {id}")]);
        assert!(!v.dir.join(status::PAUSED).exists());
    }

    #[test]
    fn a_failed_pause_leaves_no_marker_and_is_pause_failed() {
        let (_, v) = view("pause", State::Running);
        let e = set_paused(&v, true, &Recorder::default()).unwrap_err();
        assert_eq!((e.code(), e.to_string()), (ErrorCode::PauseFailed, "frozen already".into()));
        assert!(!v.dir.join(status::PAUSED).exists());
    }
}
