//! OCI hooks run by the runtime itself (prestart, createRuntime, poststart, poststop): each
//! gets the container's state JSON on stdin, its own argv (args[0] is argv[0]) and env (and
//! nothing of the runtime's), and is killed when its `timeout` (seconds) runs out.
//! createContainer and startContainer would have to run inside the container's namespaces
//! from the init; they are refused by the spec validator instead.

use std::io::{Read, Seek, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::memfd::{memfd_create, MFdFlags};
use oci_spec::runtime::{Hook, Hooks};

use crate::kind::Kind;

#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("{phase} hook {path}: cannot run it: {source}")]
    Spawn { phase: Phase, path: String, source: std::io::Error },
    #[error("{phase} hook {path} failed ({status}){}", stderr_suffix(.stderr))]
    Failed { phase: Phase, path: String, status: String, stderr: String },
    #[error("{phase} hook {path} did not finish within {secs} s and was killed")]
    Timeout { phase: Phase, path: String, secs: i64 },
    #[error("{phase} hook {path}: {what}: {errno}")]
    Sys { phase: Phase, path: String, what: &'static str, errno: Errno },
}

fn stderr_suffix(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(": {s}")
    }
}

impl HookError {
    pub fn kind(&self) -> Kind {
        // A hook failing is neither the app's fault nor a missing command of the container.
        Kind::Process
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Prestart,
    CreateRuntime,
    Poststart,
    Poststop,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Phase::Prestart => "prestart",
            Phase::CreateRuntime => "createRuntime",
            Phase::Poststart => "poststart",
            Phase::Poststop => "poststop",
        })
    }
}

/// The hooks of one phase, in order (prestart is the deprecated spelling of createRuntime
/// and runs first, as runc does).
pub fn of_phase(hooks: Option<&Hooks>, phase: Phase) -> Vec<Hook> {
    let Some(h) = hooks else { return Vec::new() };
    let list = match phase {
        Phase::Prestart => h.prestart(),
        Phase::CreateRuntime => h.create_runtime(),
        Phase::Poststart => h.poststart(),
        Phase::Poststop => h.poststop(),
    };
    list.clone().unwrap_or_default()
}

/// Runs every hook of `phase` in order; the first failure stops the rest.
pub fn run_phase(hooks: Option<&Hooks>, phase: Phase, state: &serde_json::Value) -> Result<(), HookError> {
    let list = of_phase(hooks, phase);
    if list.is_empty() {
        return Ok(());
    }
    let input = serde_json::to_vec(state).expect("state serializes");
    for h in &list {
        run_one(h, phase, &input)?;
    }
    Ok(())
}

/// Runs every hook of `phase`, all of them whatever fails, and returns every failure: the
/// runtime spec wants each poststart failure logged as a warning, the remaining hooks run.
pub fn run_phase_each(hooks: Option<&Hooks>, phase: Phase, state: &serde_json::Value) -> Vec<HookError> {
    let list = of_phase(hooks, phase);
    if list.is_empty() {
        return Vec::new();
    }
    let input = serde_json::to_vec(state).expect("state serializes");
    list.iter().filter_map(|h| run_one(h, phase, &input).err()).collect()
}

/// Runs every hook of `phase`, all of them even if some fail (poststop: cleanup must go on);
/// returns the first error.
pub fn run_phase_all(hooks: Option<&Hooks>, phase: Phase, state: &serde_json::Value) -> Result<(), HookError> {
    let input = serde_json::to_vec(state).expect("state serializes");
    let mut first = None;
    for h in &of_phase(hooks, phase) {
        if let Err(e) = run_one(h, phase, &input) {
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

fn run_one(h: &Hook, phase: Phase, input: &[u8]) -> Result<(), HookError> {
    let path = h.path().display().to_string();
    let sys = |what: &'static str| {
        let path = path.clone();
        move |errno: Errno| HookError::Sys { phase, path, what, errno }
    };
    // stderr goes to an in-memory file, not a pipe: a chatty hook can never block on it while
    // we wait for its exit, and the runtime stays single-threaded.
    let err_fd = memfd_create(c"hook-stderr", MFdFlags::MFD_CLOEXEC).map_err(sys("memfd_create"))?;
    let mut cmd = Command::new(h.path());
    let args = h.args().as_deref().unwrap_or(&[]);
    if let Some(a0) = args.first() {
        cmd.arg0(a0);
    }
    cmd.args(args.iter().skip(1));
    cmd.env_clear();
    for kv in h.env().as_deref().unwrap_or(&[]) {
        match kv.split_once('=') {
            Some((k, v)) => cmd.env(k, v),
            None => cmd.env(kv, ""),
        };
    }
    let err_dup = err_fd.try_clone().map_err(|e| sys("dup")(Errno::from_raw(e.raw_os_error().unwrap_or(0))))?;
    cmd.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::from(err_dup));
    let mut child = cmd.spawn().map_err(|source| HookError::Spawn { phase, path: path.clone(), source })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin must not fail the write with SIGPIPE/EPIPE.
        let _ = stdin.write_all(input);
    }
    let timeout = h.timeout().filter(|t| *t > 0).map(|t| Duration::from_secs(t as u64));
    let status = match wait(&mut child, timeout).map_err(sys("wait"))? {
        Some(s) => s,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(HookError::Timeout { phase, path, secs: h.timeout().unwrap_or(0) });
        }
    };
    if status.success() {
        return Ok(());
    }
    let status = match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "unknown status".into(),
    };
    Err(HookError::Failed { phase, path, status, stderr: read_tail(err_fd) })
}

/// Waits for the child, at most `timeout`; None when it ran out.
fn wait(child: &mut std::process::Child, timeout: Option<Duration>) -> Result<Option<std::process::ExitStatus>, Errno> {
    let Some(timeout) = timeout else {
        return child.wait().map(Some).map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)));
    };
    // A pidfd becomes readable when the process exits: no sleeping poll loop.
    // SAFETY: pidfd_open takes a pid and flags by value and no pointers; the pid is our own
    // unreaped child's, so it cannot name another process.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
    // SAFETY: Errno::result passes on only a non-negative return: the pidfd just created,
    // which nothing else owns.
    let pidfd = Errno::result(raw as i32).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })?;
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
    let _ = pidfd.as_raw_fd();
    child.wait().map(Some).map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))
}

/// The last line(s) of the hook's stderr, enough to say why it failed.
fn read_tail(fd: OwnedFd) -> String {
    let mut f = std::fs::File::from(fd);
    let _ = f.rewind();
    let mut buf = Vec::new();
    let _ = f.take(64 * 1024).read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let t = text.trim();
    let start = t.len().saturating_sub(2000);
    let start = (start..=t.len()).find(|i| t.is_char_boundary(*i)).unwrap_or(t.len());
    t[start..].replace('\n', "; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hooks(v: serde_json::Value) -> Hooks {
        serde_json::from_value(v).unwrap()
    }

    fn tmp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("tscbox-hooks-{name}-{}", std::process::id()))
    }

    #[test]
    fn hook_gets_state_args_and_env_only() {
        let out = tmp("state");
        let h = hooks(serde_json::json!({"poststart": [{
            "path": "/bin/sh",
            "args": ["mysh", "-c", format!("cat > {0}; echo \"$(head -c 4 /proc/$$/cmdline)|$0|$FOO|$HOME\" >> {0}", out.display()), "one"],
            "env": ["FOO=bar"]
        }]}));
        let state = serde_json::json!({"id": "c1", "status": "running"});
        run_phase(Some(&h), Phase::Poststart, &state).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let _ = std::fs::remove_file(&out);
        let (json, line) = text.split_at(text.find('}').unwrap() + 1);
        assert_eq!(serde_json::from_str::<serde_json::Value>(json).unwrap(), state);
        assert_eq!(line.trim(), "mysh|one|bar|");
    }

    #[test]
    fn failure_carries_status_and_stderr_and_stops_the_phase() {
        let marker = tmp("second");
        let h = hooks(serde_json::json!({"createRuntime": [
            {"path": "/bin/sh", "args": ["sh", "-c", "echo no room >&2; exit 3"]},
            {"path": "/bin/sh", "args": ["sh", "-c", format!("touch {}", marker.display())]}
        ]}));
        let e = run_phase(Some(&h), Phase::CreateRuntime, &serde_json::json!({})).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("createRuntime hook /bin/sh failed (exit status 3): no room"), "{msg}");
        assert!(!marker.exists());
    }

    #[test]
    fn poststop_runs_all_even_after_a_failure() {
        let marker = tmp("all");
        let h = hooks(serde_json::json!({"poststop": [
            {"path": "/bin/false"},
            {"path": "/bin/sh", "args": ["sh", "-c", format!("touch {}", marker.display())]}
        ]}));
        assert!(run_phase_all(Some(&h), Phase::Poststop, &serde_json::json!({})).is_err());
        assert!(marker.exists());
        let _ = std::fs::remove_file(&marker);
    }

    #[test]
    fn timeout_kills_the_hook() {
        let h = hooks(serde_json::json!({"prestart": [{"path": "/bin/sleep", "args": ["sleep", "5"], "timeout": 1}]}));
        let t = Instant::now();
        let e = run_phase(Some(&h), Phase::Prestart, &serde_json::json!({})).unwrap_err();
        assert!(matches!(e, HookError::Timeout { secs: 1, .. }), "{e}");
        assert!(t.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn missing_binary_is_a_spawn_error() {
        let h = hooks(serde_json::json!({"poststart": [{"path": "/nonexistent/hook"}]}));
        let e = run_phase(Some(&h), Phase::Poststart, &serde_json::json!({})).unwrap_err();
        assert!(matches!(e, HookError::Spawn { .. }), "{e}");
    }
}
