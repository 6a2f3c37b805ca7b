//! Removing a container and everything it holds: its processes (with force), the runtime's
//! state (cgroup, network), its writable layer, its directory, its name and its user-namespace
//! block. The runtime's own operations go through `RuntimeOps`: the runtime's front door does
//! them in its own process, the napi binding by spawning the runtime binary.

use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::creation::{self, Settled};
use crate::paths::Paths;
use crate::status::{self, MonitorState};
use crate::view::{ContainerView, State};
use crate::{short_id as short, Coded, ErrorCode};

/// The marker `stop` and `rm -f` leave: the monitor must not restart the container.
pub const STOP_MARKER: &str = "status.stop";
/// How long a killed container's monitor gets to clean up and exit.
const MONITOR_GRACE: Duration = Duration::from_secs(15);

/// What only the runtime does. Each call names the container by id; failures are the
/// runtime's message.
pub trait RuntimeOps {
    /// SIGKILL to every process of the container's cgroup (`kill --all ID SIGKILL`).
    fn kill_all(&self, id: &str) -> Result<(), String>;
    /// Processes, cgroup, state and network of the container (`delete --force ID`).
    fn delete(&self, id: &str) -> Result<(), String>;
    /// Thaw a frozen container (`resume ID`); a failure is ignored by the caller.
    fn resume(&self, id: &str) -> Result<(), String>;
    /// Removes a tree a rootless container wrote into (files owned by subordinate ids).
    fn remove_tree(&self, dir: &Path) -> Result<(), String>;
}

#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error("container {0} is {1}: stop it first or use --force")]
    Running(String, &'static str),
    #[error("removing the runtime state of {0}: {1}")]
    RuntimeDelete(String, String),
    #[error("cannot remove {0}: {1}")]
    Remove(PathBuf, String),
    #[error(transparent)]
    Unmount(#[from] tsc_box_image::overlay::OverlayError),
    #[error("container {0} is still being created by process {1}: try again once its run or create has finished")]
    Creating(String, i32),
    #[error("no such container: {0} (its creation failed and removed it)")]
    Gone(String),
}

impl Coded for RemoveError {
    fn code(&self) -> ErrorCode {
        match self {
            RemoveError::Running(..) => ErrorCode::ContainerRunning,
            RemoveError::RuntimeDelete(..) => ErrorCode::RuntimeDeleteFailed,
            RemoveError::Remove(..) => ErrorCode::RemoveFailed,
            RemoveError::Unmount(..) => ErrorCode::RootfsMount,
            RemoveError::Creating(..) => ErrorCode::ContainerCreating,
            RemoveError::Gone(..) => ErrorCode::NoSuchContainer,
        }
    }
}

pub(crate) fn is_active(v: &ContainerView) -> bool {
    matches!(v.state, State::Running | State::Paused | State::Restarting)
}

/// `rm`: a running container only with force (killed first). Everything goes.
pub fn remove_container(paths: &Paths, v: &ContainerView, force: bool, ops: &dyn RuntimeOps) -> Result<(), RemoveError> {
    // A creation in progress is its creator's until it ends (crates/containers/src/creation.rs).
    let settled;
    let v = match v.creator_pid {
        None => v,
        Some(_) => match creation::wait_settled(paths, v, creation::CREATION_WAIT) {
            Settled::Ready(now) => {
                settled = now;
                &*settled
            }
            Settled::Gone => return Err(RemoveError::Gone(short(&v.id).to_string())),
            Settled::StillCreating(pid) => return Err(RemoveError::Creating(short(&v.id).to_string(), pid)),
        },
    };
    if is_active(v) {
        if !force {
            return Err(RemoveError::Running(short(&v.id).to_string(), v.state.as_str()));
        }
        kill_for_good(paths, v, ops);
    }
    if paths.runtime_root().join(&v.id).exists() {
        ops.delete(&v.id).map_err(|m| RemoveError::RuntimeDelete(short(&v.id).to_string(), m))?;
    }
    remove_files(paths, &v.id, &v.name, ops)
}

/// Kills the container for good and waits until its monitor (which removes the cgroup and the
/// runtime's state as it exits) is gone (`rm -f`, and `stop` once its grace time is over).
pub(crate) fn kill_for_good(paths: &Paths, v: &ContainerView, ops: &dyn RuntimeOps) {
    let _ = std::fs::write(v.dir.join(STOP_MARKER), "");
    let st = status::read_status(&v.dir);
    let alive = st.as_ref().is_some_and(status::monitor_alive);
    end_restarts(st.as_ref(), alive);
    thaw(v, ops);
    if paths.runtime_root().join(&v.id).exists() && !kill_init(st.as_ref(), alive) {
        // Stopped between our look and the kill: the delete that follows says what is wrong.
        let _ = ops.kill_all(&v.id);
    }
    if let Some(s) = st.as_ref().filter(|_| alive) {
        wait_monitor_gone(&v.dir, s.monitor_pid);
    }
}

/// A restarting monitor sleeps before the next start: no container, only the monitor, which
/// is ended.
pub(crate) fn end_restarts(st: Option<&status::MonitorStatus>, alive: bool) {
    if let Some(s) = st.filter(|s| alive && s.status == Some(MonitorState::Restarting)) {
        let _ = kill(Pid::from_raw(s.monitor_pid), Signal::SIGKILL);
    }
}

/// A frozen container cannot act on SIGTERM, nor die of SIGKILL, until thawed.
pub(crate) fn thaw(v: &ContainerView, ops: &dyn RuntimeOps) {
    let paused = v.dir.join(status::PAUSED);
    if paused.exists() {
        let _ = ops.resume(&v.id);
        let _ = std::fs::remove_file(&paused);
    }
}

/// SIGKILL straight to the init when it provably is the monitor's child: the monitor reaps
/// it and its cleanup kills whatever else is left in the cgroup.
fn kill_init(st: Option<&status::MonitorStatus>, alive: bool) -> bool {
    let Some(s) = st else { return false };
    if !alive || s.status != Some(MonitorState::Running) || s.pid <= 0 || status::proc_parent(s.pid) != Some(s.monitor_pid) {
        return false;
    }
    kill(Pid::from_raw(s.pid), Signal::SIGKILL).is_ok()
}

fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    // nix has no pidfd_open.
    // SAFETY: pidfd_open takes a pid and flags by value and touches no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    // SAFETY: a non-negative result is a new descriptor that nothing else owns or closes.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// A pidfd becomes readable when its process exits: no polling of /proc.
fn wait_monitor_gone(dir: &Path, monitor_pid: i32) {
    let end = Instant::now() + MONITOR_GRACE;
    let gone = || !status::read_status(dir).as_ref().is_some_and(status::monitor_alive);
    if let Some(fd) = pidfd_open(monitor_pid) {
        // Opened after the pid was recycled? The status's start time says whether it is ours.
        if gone() {
            return;
        }
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        let ms = MONITOR_GRACE.as_millis().min(u128::from(u16::MAX)) as u16;
        loop {
            match poll(&mut fds, PollTimeout::from(ms)) {
                Err(Errno::EINTR) => continue,
                _ => return,
            }
        }
    }
    while !gone() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// What `run`/`create` made for a container that holds no runtime state: the writable layer,
/// the directory, the name, the user-namespace block (a `run` that failed or ended with --rm,
/// a directory a killed `run` left).
pub fn remove_files(paths: &Paths, id: &str, name: &str, ops: &dyn RuntimeOps) -> Result<(), RemoveError> {
    if id.is_empty() || id.contains('/') || id.starts_with('.') {
        return Err(RemoveError::Remove(paths.containers_dir().join(id), "not a container id".into()));
    }
    let dir = paths.container_dir(id);
    let rootfs = crate::record::read(&dir).map(|r| r.rootfs);
    // Each step leaves the record in place until the last one, so a removal killed at any
    // point leaves a container `ps -a` lists and `rm` finishes: the overlay (which the record
    // leads to), then the name and the block (the container stays listed by its id), then
    // the directory, which disappears in one step.
    if let Some(layer) = overlay_dir(paths, rootfs.as_deref()) {
        release_overlay(&layer, true, ops)?;
    }
    release_name(paths, name, id);
    release_auto_block(paths, id);
    remove_container_dir(&dir)
}

/// The overlay directory `<data root>/overlay/<key>` the rootfs lies in, if any.
pub fn overlay_dir(paths: &Paths, rootfs: Option<&str>) -> Option<PathBuf> {
    let root = paths.data_root.join("overlay");
    let rel = Path::new(rootfs?).strip_prefix(&root).ok()?;
    let key = rel.components().next()?.as_os_str().to_str()?;
    let hex16 = key.len() == 16 && key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    hex16.then(|| root.join(key))
}

/// Unmounts (unless a copy, never mounted, or the runtime's own mount, which lived in the
/// container's mount namespace only) and, with `remove`, deletes the container's upper layer.
/// Idempotent.
pub fn release_overlay(dir: &Path, remove: bool, ops: &dyn RuntimeOps) -> Result<(), RemoveError> {
    let driver = std::fs::read_to_string(dir.join("driver")).unwrap_or_default();
    if !matches!(driver.trim(), "copy" | "runtime") {
        tsc_box_image::overlay::unmount_rootfs(&dir.join("merged"))?;
    }
    if remove {
        remove_tree(dir, ops)?;
    }
    Ok(())
}

/// A container may have made a tree deeper than the descriptor limit (std's remove_dir_all
/// holds one per level): the store's removal works at any depth in a few descriptors.
fn remove_tree(dir: &Path, ops: &dyn RuntimeOps) -> Result<(), RemoveError> {
    match tsc_box_image::tree::remove_tree(dir) {
        Ok(_) => Ok(()),
        // EACCES and EPERM both.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && !nix::unistd::geteuid().is_root() => {
            ops.remove_tree(dir).map_err(|m| RemoveError::Remove(dir.to_path_buf(), m))
        }
        Err(e) => Err(RemoveError::Remove(dir.to_path_buf(), e.to_string())),
    }
}

/// The directory holds only files we (or the runtime's log) wrote. It is first renamed to a
/// hidden name (`container prune` removes such a one a killed `rm` left), so that it never
/// exists without its record; then each file is unlinked and the directory removed.
fn remove_container_dir(dir: &Path) -> Result<(), RemoveError> {
    let hidden = dir.file_name().map(|n| dir.with_file_name(format!("{}{}", creation::REMOVING_PREFIX, n.to_string_lossy())));
    let dir = match hidden {
        Some(h) => match std::fs::rename(dir, &h) {
            Ok(()) => h,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            // Removed in place, as before, if it cannot be renamed.
            Err(_) => dir.to_path_buf(),
        },
        None => dir.to_path_buf(),
    };
    let dir = dir.as_path();
    let flat = || -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            std::fs::remove_file(e?.path())?;
        }
        std::fs::remove_dir(dir)
    };
    match flat() {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) => match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(RemoveError::Remove(dir.to_path_buf(), e.to_string())),
            _ => Ok(()),
        },
    }
}

/// Releases `name` only if `id` still holds it.
pub fn release_name(paths: &Paths, name: &str, id: &str) {
    let file = paths.names_dir().join(name);
    if name.is_empty() || name.contains('/') {
        return;
    }
    if std::fs::read_to_string(&file).is_ok_and(|h| h.trim() == id) {
        let _ = std::fs::remove_file(&file);
    }
}

/// Releases container `id`'s automatic user-namespace block (`<data root>/userns/<start>`).
pub fn release_auto_block(paths: &Paths, id: &str) {
    let dir = paths.data_root.join("userns");
    let Ok(rd) = std::fs::read_dir(&dir) else { return };
    for e in rd.flatten() {
        let name = e.file_name();
        if !name.to_str().is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) {
            continue;
        }
        if std::fs::read_to_string(e.path()).is_ok_and(|h| h == id) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[derive(Default)]
    struct Recorder(RefCell<Vec<String>>);
    impl RuntimeOps for Recorder {
        fn kill_all(&self, id: &str) -> Result<(), String> {
            self.0.borrow_mut().push(format!("kill {id}"));
            Ok(())
        }
        fn delete(&self, id: &str) -> Result<(), String> {
            self.0.borrow_mut().push(format!("delete {id}"));
            Err("boom".into())
        }
        fn resume(&self, id: &str) -> Result<(), String> {
            self.0.borrow_mut().push(format!("resume {id}"));
            Ok(())
        }
        fn remove_tree(&self, dir: &Path) -> Result<(), String> {
            self.0.borrow_mut().push(format!("tree {}", dir.display()));
            Ok(())
        }
    }

    fn tmp(tag: &str) -> Paths {
        let base = std::env::temp_dir().join(format!("tsc-box-remove-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        Paths { data_root: base.join("data"), run_dir: base.join("run") }
    }

    fn view(paths: &Paths, id: &str, state: State) -> ContainerView {
        crate::view::test_view(paths, id, state)
    }

    #[test]
    fn a_running_container_needs_force() {
        let p = tmp("running");
        let v = view(&p, "0123456789abcdef0123", State::Running);
        let e = remove_container(&p, &v, false, &Recorder::default()).unwrap_err();
        assert_eq!((e.code().as_str(), e.exit_code()), ("container_running", 1));
        assert_eq!(e.to_string(), "container 0123456789ab is running: stop it first or use --force");
        assert!(v.dir.exists());
    }

    #[test]
    fn everything_goes_and_only_our_claims() {
        let p = tmp("all");
        let v = view(&p, "aaaa", State::Exited);
        std::fs::write(v.dir.join("config.json"), "{}").unwrap();
        std::fs::create_dir_all(p.names_dir()).unwrap();
        std::fs::write(p.names_dir().join("web"), "aaaa").unwrap();
        std::fs::write(p.names_dir().join("other"), "bbbb").unwrap();
        let us = p.data_root.join("userns");
        std::fs::create_dir_all(&us).unwrap();
        std::fs::write(us.join("100000"), "aaaa").unwrap();
        std::fs::write(us.join("165536"), "bbbb").unwrap();
        let layer = p.data_root.join("overlay/0123456789abcdef");
        std::fs::create_dir_all(layer.join("upper/x")).unwrap();
        std::fs::write(layer.join("driver"), "copy\n").unwrap();
        let rec = serde_json::json!({"id": "aaaa", "name": "web", "created": "", "rootfs": layer.join("merged"), "command": [], "status": "exited", "oomKilled": false});
        std::fs::write(v.dir.join("record.json"), rec.to_string()).unwrap();
        let ops = Recorder::default();
        remove_container(&p, &v, false, &ops).unwrap();
        assert!(!v.dir.exists() && !layer.exists());
        // Nor the hidden name the directory disappears under.
        assert_eq!(std::fs::read_dir(p.containers_dir()).unwrap().count(), 0);
        assert!(!p.names_dir().join("web").exists() && p.names_dir().join("other").exists());
        assert!(!us.join("100000").exists() && us.join("165536").exists());
        // No runtime state: the runtime is not asked.
        assert!(ops.0.borrow().is_empty());
    }

    #[test]
    fn a_failed_runtime_delete_keeps_the_container() {
        let p = tmp("delete");
        let v = view(&p, "cccc", State::Exited);
        std::fs::create_dir_all(p.runtime_root().join("cccc")).unwrap();
        let e = remove_container(&p, &v, false, &Recorder::default()).unwrap_err();
        assert_eq!(e.code().as_str(), "runtime_delete_failed");
        assert_eq!(e.to_string(), "removing the runtime state of cccc: boom");
        assert!(v.dir.exists());
    }

    #[test]
    fn only_overlay_keys_name_a_layer() {
        let p = tmp("key");
        let o = |s: &str| overlay_dir(&p, Some(s));
        let root = p.data_root.join("overlay");
        assert_eq!(o(&format!("{}/0123456789abcdef/merged", root.display())), Some(root.join("0123456789abcdef")));
        assert_eq!(o(&format!("{}/../etc/merged", root.display())), None);
        assert_eq!(o("/srv/rootfs"), None);
        assert_eq!(overlay_dir(&p, None), None);
    }
}
