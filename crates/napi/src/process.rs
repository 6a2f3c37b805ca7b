//! Spawning a child (the runtime binary) and waiting for it off the JS thread.
//!
//! Node itself never forks into a container (see DESIGN.md); it only starts the runtime, so a
//! plain fork+exec through std is enough. The wait is a blocking waitpid on a libuv worker:
//! no SIGCHLD handler is involved, so it cannot race with Node's own child_process reaping,
//! which only waits for pids it spawned. The logic uses its own error type; napi errors only
//! appear in the exported wrappers (so that `cargo test` links without Node).
use std::collections::HashMap;
use std::fs::File;
use std::os::fd::{BorrowedFd, IntoRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;
use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{isatty, Pid};

use crate::relay::{self, OutputRelays};
use tsc_box_core::monitor::logfile::Stream;

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("invalid file descriptor {0}")]
    BadFd(i32),
    #[error("cannot duplicate fd {fd}: {source}")]
    Dup { fd: i32, source: std::io::Error },
    #[error("unknown stdio mode {0:?}")]
    StdioMode(String),
    #[error("cannot open the container's log: {0}")]
    Log(String),
    #[error("cannot set up the stdio relay: {0}")]
    Relay(std::io::Error),
    #[error("cannot start {file}: {source}")]
    Spawn { file: String, source: std::io::Error },
    #[error("waitpid({pid}): {source}")]
    Wait { pid: i32, source: Errno },
}

impl From<ProcessError> for napi::Error {
    fn from(e: ProcessError) -> napi::Error {
        let status = match e {
            ProcessError::BadFd(_) | ProcessError::StdioMode(_) => napi::Status::InvalidArg,
            _ => napi::Status::GenericFailure,
        };
        napi::Error::new(status, e.to_string())
    }
}

/// Output relays of running children, by pid, for waitProcess to drain.
static RELAYS: Mutex<Option<HashMap<i32, OutputRelays>>> = Mutex::new(None);

#[napi(object)]
pub struct SpawnOptions {
    /// Path of the executable.
    pub file: String,
    /// Arguments after argv[0] (argv[0] is `file`).
    pub args: Vec<String>,
    /// "inherit" (the default: the caller's stdin) or "null" (/dev/null). Ignored when
    /// `stdinFd` is set.
    #[napi(ts_type = "'inherit' | 'null'")]
    pub stdin: Option<String>,
    /// A file descriptor of this process to give the child as stdin (it is duplicated).
    pub stdin_fd: Option<i32>,
    pub stdout_fd: Option<i32>,
    pub stderr_fd: Option<i32>,
    /// Give the child pipes instead of the caller's terminal for each inherited stream that is a
    /// terminal, and copy through them (a container without `-t` must not get the user's tty).
    pub relay_terminals: Option<bool>,
    /// A foreground `run`'s container log (crates/core monitor's format): the child's stdout
    /// and stderr go through pipes, copied to ours (or to `stdoutFd`/`stderrFd`, the SDK's
    /// pipes) and appended to it, as a detached container's monitor appends its output.
    pub log: Option<String>,
    /// The log's size before it is rotated (bytes; 0: never).
    pub log_max_size: Option<i64>,
}

#[napi(object)]
pub struct ExitStatus {
    /// The exit status, when the process exited.
    pub exit_code: Option<i32>,
    /// The signal number, when the process was killed by a signal.
    pub signal: Option<i32>,
}

fn borrowed_dup(fd: i32) -> Result<OwnedFd, ProcessError> {
    if fd < 0 {
        return Err(ProcessError::BadFd(fd));
    }
    // SAFETY: `fd` is a descriptor the JS caller holds (it is negative-checked above); this
    // call is synchronous on the JS thread, so the caller cannot close it before the dup on
    // the next line, and nothing of ours closes fds it was given. The borrow ends with that
    // dup; a closed fd only makes the dup fail with EBADF.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    borrowed.try_clone_to_owned().map_err(|source| ProcessError::Dup { fd, source })
}

fn dup_fd(fd: i32) -> Result<Stdio, ProcessError> {
    Ok(Stdio::from(File::from(borrowed_dup(fd)?)))
}

/// `own` is the stream's own fd number (0, 1, 2). Node marks its stdio fds close-on-exec, so
/// std's `Stdio::inherit` (which leaves the fd as is) would start the child with its stdio
/// closed; a duplicate that std dup2()s into place arrives without the flag.
fn stream(own: i32, mode: Option<&str>, fd: Option<i32>) -> Result<Stdio, ProcessError> {
    match (fd, mode) {
        (Some(fd), _) => dup_fd(fd),
        (None, Some("null")) => Ok(Stdio::null()),
        (None, None | Some("inherit")) => dup_fd(own),
        (None, Some(other)) => Err(ProcessError::StdioMode(other.to_string())),
    }
}

fn own_is_terminal(fd: i32) -> bool {
    // SAFETY: the callers pass 0, 1 or 2: this process's stdio, which Node keeps open for its
    // whole life; the borrow lasts only for the isatty call.
    isatty(unsafe { BorrowedFd::borrow_raw(fd) }).unwrap_or(false)
}

fn spawn(options: &SpawnOptions) -> Result<i32, ProcessError> {
    let relay = options.relay_terminals.unwrap_or(false);
    let mut outputs = OutputRelays::none();
    let inherits_stdin = options.stdin_fd.is_none() && options.stdin.as_deref() != Some("null");
    let stdin = if relay && inherits_stdin && own_is_terminal(0) {
        Stdio::from(File::from(relay::input().map_err(ProcessError::Relay)?))
    } else {
        stream(0, options.stdin.as_deref(), options.stdin_fd)?
    };
    let log = match &options.log {
        Some(p) => {
            let max = options.log_max_size.unwrap_or(0).max(0) as u64;
            let f = tsc_box_core::monitor::logfile::LogFile::open(std::path::PathBuf::from(p), max).map_err(|e| ProcessError::Log(e.to_string()))?;
            Some(std::sync::Arc::new(std::sync::Mutex::new(f)))
        }
        None => None,
    };
    let mut out = |own: i32, fd: Option<i32>| -> Result<Stdio, ProcessError> {
        if let Some(log) = &log {
            let stream = if own == 1 { Stream::Stdout } else { Stream::Stderr };
            let target = match fd {
                Some(fd) => File::from(borrowed_dup(fd)?),
                None => relay::dup_own(own).map_err(ProcessError::Relay)?,
            };
            Ok(Stdio::from(File::from(relay::output_logged(target, &mut outputs, log.clone(), stream).map_err(ProcessError::Relay)?)))
        } else if relay && fd.is_none() && own_is_terminal(own) {
            Ok(Stdio::from(File::from(relay::output(own, &mut outputs).map_err(ProcessError::Relay)?)))
        } else {
            stream(own, None, fd)
        }
    };
    let stdout = out(1, options.stdout_fd)?;
    let stderr = out(2, options.stderr_fd)?;
    let mut cmd = Command::new(&options.file);
    cmd.args(&options.args).stdin(stdin).stdout(stdout).stderr(stderr);
    // The Command (and with it our copies of the pipes' child ends) is dropped on return, so
    // the relays see EOF when the child and its descendants are gone.
    let child = cmd.spawn().map_err(|source| ProcessError::Spawn { file: options.file.clone(), source })?;
    // Dropping std's Child neither kills nor reaps it: waitProcess owns the reaping.
    let pid = child.id() as i32;
    RELAYS.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashMap::new).insert(pid, outputs);
    Ok(pid)
}

/// A pipe, `[readFd, writeFd]`, both close-on-exec: the SDK gives the write end to
/// `spawnProcess` as a child's stdout or stderr (the read end as its stdin), closes it, and
/// reads the other end as a Node stream (`new net.Socket({fd})`), which closes it.
#[napi]
pub fn make_pipe() -> napi::Result<Vec<i32>> {
    pipe_fds().map_err(|e| napi::Error::from_reason(format!("pipe: {e}")))
}

fn pipe_fds() -> Result<Vec<i32>, Errno> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    Ok(vec![r.into_raw_fd(), w.into_raw_fd()])
}

/// Starts `file` with `args` and returns its pid. Wait for it with `waitProcess`.
#[napi]
pub fn spawn_process(options: SpawnOptions) -> napi::Result<i32> {
    Ok(spawn(&options)?)
}

/// How long output may still trickle in after the child exited.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// Reaps `pid`, then waits for its relayed output to drain.
fn wait(pid: i32) -> Result<ExitStatus, ProcessError> {
    let status = loop {
        match waitpid(Pid::from_raw(pid), None) {
            Ok(WaitStatus::Exited(_, code)) => break ExitStatus { exit_code: Some(code), signal: None },
            Ok(WaitStatus::Signaled(_, sig, _)) => break ExitStatus { exit_code: None, signal: Some(sig as i32) },
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(source) => return Err(ProcessError::Wait { pid, source }),
        }
    };
    let relays = RELAYS.lock().unwrap_or_else(|e| e.into_inner()).as_mut().and_then(|m| m.remove(&pid));
    if let Some(r) = relays {
        r.finish(DRAIN_LIMIT);
    }
    Ok(status)
}

pub struct WaitTask {
    pid: i32,
}

impl Task for WaitTask {
    type Output = ExitStatus;
    type JsValue = ExitStatus;

    fn compute(&mut self) -> napi::Result<ExitStatus> {
        Ok(wait(self.pid)?)
    }

    fn resolve(&mut self, _env: Env, output: ExitStatus) -> napi::Result<ExitStatus> {
        Ok(output)
    }
}

/// Resolves when the child `pid` (started by spawnProcess) ends, and reaps it.
#[napi(ts_return_type = "Promise<ExitStatus>")]
pub fn wait_process(pid: i32) -> AsyncTask<WaitTask> {
    AsyncTask::new(WaitTask { pid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::FromRawFd;

    fn start(file: &str, args: &[&str]) -> i32 {
        spawn(&SpawnOptions {
            file: file.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            stdin: Some("null".into()),
            stdin_fd: None,
            stdout_fd: None,
            stderr_fd: None,
            relay_terminals: None,
            log: None,
            log_max_size: None,
        })
        .unwrap()
    }

    #[test]
    fn a_logged_child_writes_to_the_given_fds_and_the_log() {
        use std::io::Read;
        let dir = std::env::temp_dir().join(format!("tscbox-spawn-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("container.log");
        let out = pipe_fds().unwrap();
        let err = pipe_fds().unwrap();
        let pid = spawn(&SpawnOptions {
            file: "/bin/sh".into(),
            args: vec!["-c".into(), "echo out; echo err >&2".into()],
            stdin: Some("null".into()),
            stdin_fd: None,
            stdout_fd: Some(out[1]),
            stderr_fd: Some(err[1]),
            relay_terminals: None,
            log: Some(log.to_string_lossy().into_owned()),
            log_max_size: None,
        })
        .unwrap();
        // SAFETY: the test's own pipe ends from make_pipe, each closed once here.
        let (out_r, err_r) = unsafe {
            libc::close(out[1]);
            libc::close(err[1]);
            (File::from_raw_fd(out[0]), File::from_raw_fd(err[0]))
        };
        assert_eq!(wait(pid).unwrap().exit_code, Some(0));
        let read = |mut f: File| {
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            s
        };
        assert_eq!((read(out_r), read(err_r)), ("out\n".to_string(), "err\n".to_string()));
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains(" stdout F out\n") && text.contains(" stderr F err\n"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn wait_reports_the_exit_status() {
        let pid = start("/bin/sh", &["-c", "exit 3"]);
        let st = wait(pid).unwrap();
        assert_eq!((st.exit_code, st.signal), (Some(3), None));
    }

    #[test]
    fn wait_reports_the_killing_signal() {
        let pid = start("/bin/sh", &["-c", "kill -TERM $$"]);
        let st = wait(pid).unwrap();
        assert_eq!((st.exit_code, st.signal), (None, Some(libc::SIGTERM)));
    }

    #[test]
    fn a_missing_executable_is_an_error_not_a_pid() {
        let r = spawn(&SpawnOptions {
            file: "/nonexistent/binary".into(),
            args: vec![],
            stdin: None,
            stdin_fd: None,
            stdout_fd: None,
            stderr_fd: None,
            relay_terminals: None,
            log: None,
            log_max_size: None,
        });
        assert!(matches!(r, Err(ProcessError::Spawn { .. })));
    }

    #[test]
    fn an_unknown_stdio_mode_is_refused() {
        assert!(matches!(stream(0, Some("tty"), None), Err(ProcessError::StdioMode(_))));
        assert!(matches!(stream(0, None, Some(-3)), Err(ProcessError::BadFd(-3))));
    }
}
