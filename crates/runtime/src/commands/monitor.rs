//! `monitor`: create and start a detached container under a monitor of its own.
//!
//! The runtime forks twice (the monitor is in its own session and no child of the caller),
//! the monitor creates the container (so it is the init's parent and can reap it), reports
//! success or the error to the waiting runtime, detaches from the caller's stdio and then
//! re-executes this binary as `tsc-box-monitor`: a fresh image that only runs the wait loop
//! of core::monitor, so the resident memory of each detached container is that loop's, not
//! the whole runtime's. When the container ends, the loop records its status, removes its
//! cgroup and state, and either exits or (restart policy) executes the full runtime again,
//! in place, to create the container anew.

use std::ffi::{CString, OsString};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::fcntl::{fcntl, open, FcntlArg, FdFlag, OFlag};
use nix::sys::stat::Mode;
use nix::sys::wait::waitpid;
use nix::unistd::{fork, pipe2, read, setsid, write, ForkResult, Pid};
use tsc_box_core::container::{self, Options, StartVia};
use tsc_box_core::kind::Kind;
use tsc_box_core::monitor::logfile::LogFile;
use tsc_box_core::monitor::restart::{self, Policy};
use tsc_box_core::monitor::status::{self, MonitorState, MonitorStatus};
use tsc_box_core::monitor::supervise::{self, Watch};
use tsc_box_core::monitor::trim::Trimmer;
use tsc_box_core::monitor::MonitorError;
use tsc_box_core::state::{now_rfc3339, proc_start_time, StateDir};

use super::{write_pid_file, Global};
use crate::error::CmdError;

/// argv[0] of the re-executed wait loop (main dispatches on it).
pub const LOOP_ARGV0: &str = "tsc-box-monitor";

#[derive(clap::Args, Debug, Clone)]
pub struct MonitorArgs {
    #[arg(short = 'b', long, default_value = ".")]
    pub bundle: PathBuf,
    /// Where the monitor records the container's status (JSON, replaced atomically).
    #[arg(long = "status-file")]
    pub status_file: PathBuf,
    /// The container's output, one CRI line per line.
    #[arg(long = "log-file")]
    pub log_file: PathBuf,
    /// Rotate the log past this many bytes (0: never).
    #[arg(long = "log-max-size", default_value_t = 10 * 1024 * 1024)]
    pub log_max_size: u64,
    /// no, always, unless-stopped, on-failure[:N]
    #[arg(long, default_value = "no")]
    pub restart: String,
    #[arg(long = "restart-count", default_value_t = 0, hide = true)]
    pub restart_count: u32,
    /// Internal: this process already is the monitor (a restart).
    #[arg(long = "in-place", hide = true)]
    pub in_place: bool,
    #[arg(long = "pid-file")]
    pub pid_file: Option<PathBuf>,
    /// A program the monitor runs once the container has ended for good (no restart follows),
    /// detached, with its arguments from `--exit-command-arg`: how `run -d --rm` removes the
    /// container without anyone waiting for it (podman's conmon has the same pair).
    #[arg(long = "exit-command")]
    pub exit_command: Option<PathBuf>,
    #[arg(long = "exit-command-arg", allow_hyphen_values = true)]
    pub exit_command_args: Vec<String>,
    pub id: String,
}

fn sys(what: &'static str) -> impl FnOnce(nix::errno::Errno) -> CmdError {
    move |e| CmdError::other(Kind::Internal, format!("{what}: {e}"))
}

fn absolute(p: &Path, what: &str) -> Result<(), CmdError> {
    if p.is_absolute() {
        Ok(())
    } else {
        Err(CmdError::other(Kind::Config, format!("{what} must be an absolute path: {}", p.display())))
    }
}

/// The status file's companion that `stop` writes: a stopped container is not restarted.
pub fn stop_marker(status_file: &Path) -> PathBuf {
    status_file.with_extension("stop")
}

pub fn run(g: &Global<'_>, a: &MonitorArgs) -> Result<i32, CmdError> {
    g.refuse_systemd()?;
    Policy::parse(&a.restart).map_err(|e| CmdError::other(e.kind(), e.to_string()))?;
    absolute(&a.status_file, "--status-file")?;
    absolute(&a.log_file, "--log-file")?;
    // The monitor leaves the caller's directory (it must pin no mount), so the bundle path it
    // keeps for restarts must not depend on it.
    let mut a = a.clone();
    a.bundle = std::fs::canonicalize(&a.bundle).map_err(|e| CmdError::other(Kind::Config, format!("bundle {}: {e}", a.bundle.display())))?;
    let a = &a;
    if a.in_place {
        generation(g, a, None);
    }
    let (r, w) = pipe2(OFlag::O_CLOEXEC).map_err(sys("pipe"))?;
    // SAFETY: the runtime is single-threaded, so the child cannot meet a lock held by a thread
    // that did not come along and may run ordinary Rust; it leaves through _exit or the exec of
    // the wait loop, never by returning into our callers.
    match unsafe { fork() }.map_err(sys("fork"))? {
        ForkResult::Parent { child } => {
            drop(w);
            let _ = waitpid(child, None);
            read_report(&r)
        }
        ForkResult::Child => {
            drop(r);
            let _ = setsid();
            // SAFETY: this first child is single-threaded too (fork copies only the calling
            // thread); the grandchild runs generation, which never returns.
            match unsafe { fork() } {
                Ok(ForkResult::Child) => generation(g, a, Some(w)),
                // SAFETY: _exit ends this intermediate child at once, without the atexit
                // handlers or stdio flushes the parent's copy would otherwise run twice.
                Ok(ForkResult::Parent { .. }) => unsafe { libc::_exit(0) },
                Err(e) => {
                    report_error(&w, Kind::Internal, &format!("fork: {e}"));
                    // SAFETY: as just above, for the intermediate child that could not fork.
                    unsafe { libc::_exit(1) }
                }
            }
        }
    }
}

/// "0" when the container runs; "E", the kind byte and the message when it failed.
fn read_report(r: &OwnedFd) -> Result<i32, CmdError> {
    let mut msg = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match read(r, &mut buf) {
            Ok(0) => break,
            Ok(n) => msg.extend_from_slice(&buf[..n]),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(sys("read monitor report")(e)),
        }
    }
    match msg.first() {
        Some(b'0') => Ok(0),
        Some(b'E') if msg.len() >= 2 => Err(CmdError::other(Kind::from_u8(msg[1]), String::from_utf8_lossy(&msg[2..]).into_owned())),
        _ => Err(CmdError::other(Kind::Internal, "the monitor died while creating the container")),
    }
}

fn report_error(w: &OwnedFd, kind: Kind, msg: &str) {
    let mut b = vec![b'E', kind.to_u8()];
    b.extend_from_slice(msg.as_bytes());
    let _ = write(w, &b);
}

/// Creates and starts the container as this process's child, then becomes the wait loop.
fn generation(g: &Global<'_>, a: &MonitorArgs, report: Option<OwnedFd>) -> ! {
    match setup(g, a) {
        Ok(watch) => {
            if let Some(w) = &report {
                let _ = write(w, b"0");
            }
            drop(report);
            exec_loop(g, a, watch)
        }
        Err(e) => {
            match &report {
                Some(w) => report_error(w, e.kind(), &e.to_string()),
                // A restart that cannot create the container again: the container is over.
                None => {
                    let st = MonitorStatus {
                        status: Some(MonitorState::Exited),
                        finished_at: Some(now_rfc3339()),
                        exit_code: Some(e.kind().exit_status().max(125)),
                        restart_count: a.restart_count,
                        ..Default::default()
                    };
                    if status::write_locked(&a.status_file, &st).is_ok() {
                        run_exit_command(&exit_command_of(a));
                    }
                }
            }
            // SAFETY: _exit ends this process at once, without atexit handlers, stdio flushes or
            // unwinding; nothing of ours relies on a destructor running in it.
            unsafe { libc::_exit(1) }
        }
    }
}

fn setup(g: &Global<'_>, a: &MonitorArgs) -> Result<Watch, CmdError> {
    let devnull = open("/dev/null", OFlag::O_RDWR | OFlag::O_CLOEXEC, Mode::empty()).map_err(sys("open /dev/null"))?;
    let (out_r, out_w) = pipe2(OFlag::O_CLOEXEC).map_err(sys("pipe"))?;
    let (err_r, err_w) = pipe2(OFlag::O_CLOEXEC).map_err(sys("pipe"))?;
    // The init inherits fds 0-2: nothing to read, and its output into our pipes.
    // SAFETY: dup2 takes two integers: `from` is borrowed, open for the call, and `to` is one of
    // fds 0-2, which no OwnedFd of this process owns (std's stdio handles never close them), so
    // replacing them closes nothing that anything here still holds.
    let dup = |from: &OwnedFd, to: RawFd| unsafe { libc::dup2(from.as_raw_fd(), to) };
    dup(&devnull, 0);
    dup(&out_w, 1);
    dup(&err_w, 2);
    drop((out_w, err_w));
    let detach = || {
        dup(&devnull, 1);
        dup(&devnull, 2);
    };
    let mut ctr = match container::create(&Options {
        root: &g.root,
        id: &a.id,
        bundle: &a.bundle,
        console_socket: None,
        start: StartVia::Socket,
        // The monitor's death (SIGKILL) ends the container: never a container nobody reaps.
        die_with_parent: true,
        new_keyring: true,
        preserve_fds: 0,
        interrupt: None,
    }) {
        Ok(c) => c,
        Err(e) => {
            detach();
            return Err(e.into());
        }
    };
    detach();
    if let Some(p) = &a.pid_file {
        if let Err(e) = write_pid_file(p, ctr.pid.as_raw()) {
            let _ = ctr.destroy();
            return Err(e);
        }
    }
    if let Err(e) = ctr.start() {
        let _ = ctr.destroy();
        return Err(e.into());
    }
    let _ = ctr.poststart();
    let me = std::process::id() as i32;
    let st = MonitorStatus {
        status: Some(MonitorState::Running),
        pid: ctr.pid.as_raw(),
        monitor_pid: me,
        monitor_start_time: proc_start_time(me).unwrap_or(0),
        started_at: now_rfc3339(),
        restart_count: a.restart_count,
        ..Default::default()
    };
    if let Err(e) = status::write_locked(&a.status_file, &st) {
        let _ = ctr.destroy();
        return Err(CmdError::other(e.kind(), e.to_string()));
    }
    ctr.state.unlock();
    let pid = ctr.pid;
    let (stdout, stderr) = match ctr.pty.take() {
        Some(master) => (Some(master), None),
        None => (Some(out_r), Some(err_r)),
    };
    Ok(Watch { pid, stdout, stderr })
}

fn cstr(s: impl AsRef<std::ffi::OsStr>) -> CString {
    CString::new(s.as_ref().as_bytes()).unwrap_or_default()
}

fn keep(fd: &Option<OwnedFd>) -> String {
    match fd {
        Some(f) => {
            let _ = fcntl(f.as_fd(), FcntlArg::F_SETFD(FdFlag::empty()));
            f.as_raw_fd().to_string()
        }
        None => "-1".into(),
    }
}

/// Replaces this process (same pid: still the init's parent) with the small wait loop.
fn exec_loop(g: &Global<'_>, a: &MonitorArgs, w: Watch) -> ! {
    let root = std::path::absolute(&g.root).unwrap_or_else(|_| g.root.clone());
    let _ = std::env::set_current_dir("/");
    let args: Vec<CString> = vec![
        cstr(LOOP_ARGV0),
        cstr(&root),
        cstr(&a.id),
        cstr(w.pid.as_raw().to_string()),
        cstr(keep(&w.stdout)),
        cstr(keep(&w.stderr)),
        cstr(&a.status_file),
        cstr(&a.log_file),
        cstr(a.log_max_size.to_string()),
        cstr(&a.restart),
        cstr(a.restart_count.to_string()),
        cstr(&a.bundle),
    ];
    let args: Vec<CString> = args.into_iter().chain(exit_command_of(a).iter().map(cstr)).collect();
    let _ = nix::unistd::execv(&cstr("/proc/self/exe"), &args);
    // Cannot happen short of the binary vanishing; stay the monitor in this image instead.
    let la = LoopArgs::from_parts(root, a, w);
    loop_run(la)
}

struct LoopArgs {
    root: PathBuf,
    id: String,
    watch: Watch,
    status_file: PathBuf,
    log_file: PathBuf,
    log_max_size: u64,
    restart: String,
    restart_count: u32,
    bundle: PathBuf,
    /// Program and arguments, empty for none.
    exit_command: Vec<OsString>,
}

/// `--exit-command` and its arguments as one argv (empty without one).
fn exit_command_of(a: &MonitorArgs) -> Vec<OsString> {
    match &a.exit_command {
        Some(p) => std::iter::once(p.clone().into_os_string()).chain(a.exit_command_args.iter().map(OsString::from)).collect(),
        None => Vec::new(),
    }
}

/// Starts the exit command in a session of its own and does not wait: the monitor exits right
/// after, and the command (which removes the container) must not be its child then.
fn run_exit_command(argv: &[OsString]) {
    let Some((program, args)) = argv.split_first() else { return };
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    // The loop blocks SIGCHLD and the stop signals for its signalfd; the command wants none blocked.
    // SAFETY: the closure runs in the forked child before exec and makes only two
    // async-signal-safe syscalls (sigprocmask through thread_unblock, setsid); it allocates
    // nothing and takes no lock.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            let _ = nix::sys::signal::SigSet::all().thread_unblock();
            let _ = setsid();
            Ok(())
        });
    }
    let _ = cmd.spawn();
}

impl LoopArgs {
    fn from_parts(root: PathBuf, a: &MonitorArgs, watch: Watch) -> LoopArgs {
        LoopArgs {
            root,
            id: a.id.clone(),
            watch,
            status_file: a.status_file.clone(),
            log_file: a.log_file.clone(),
            log_max_size: a.log_max_size,
            restart: a.restart.clone(),
            restart_count: a.restart_count,
            bundle: a.bundle.clone(),
            exit_command: exit_command_of(a),
        }
    }

    fn parse(args: Vec<OsString>) -> Option<LoopArgs> {
        let s = |i: usize| args.get(i).and_then(|a| a.to_str()).map(str::to_string);
        let fd = |i: usize| -> Option<Option<OwnedFd>> {
            let n: RawFd = s(i)?.parse().ok()?;
            // SAFETY: this argv comes from exec_loop, which cleared close-on-exec on these fds
            // just before execve, so each n >= 0 is open in this fresh process image; parse runs
            // once, at entry, and wraps each (distinct) number once: nothing else owns them.
            Some((n >= 0).then(|| unsafe { OwnedFd::from_raw_fd(n) }))
        };
        Some(LoopArgs {
            root: PathBuf::from(args.first()?),
            id: s(1)?,
            watch: Watch { pid: Pid::from_raw(s(2)?.parse().ok()?), stdout: fd(3)?, stderr: fd(4)? },
            status_file: PathBuf::from(args.get(5)?),
            log_file: PathBuf::from(args.get(6)?),
            log_max_size: s(7)?.parse().ok()?,
            restart: s(8)?,
            restart_count: s(9)?.parse().ok()?,
            bundle: PathBuf::from(args.get(10)?),
            exit_command: args.get(11..).map(<[OsString]>::to_vec).unwrap_or_default(),
        })
    }
}

/// Entry of the re-executed monitor (argv[0] `tsc-box-monitor`; `args` without argv[0]).
pub fn loop_main(args: Vec<OsString>) -> ! {
    match LoopArgs::parse(args) {
        Some(la) => loop_run(la),
        None => std::process::exit(2),
    }
}

fn loop_run(mut la: LoopArgs) -> ! {
    let watch = Watch { pid: la.watch.pid, stdout: la.watch.stdout.take(), stderr: la.watch.stderr.take() };
    let code = match wait_container(watch, &la) {
        Ok(c) => c,
        // Without a signalfd or a log the init can still be reaped: block for it.
        Err(_) => match waitpid(la.watch.pid, None) {
            Ok(nix::sys::wait::WaitStatus::Exited(_, c)) => c,
            Ok(nix::sys::wait::WaitStatus::Signaled(_, s, _)) => 128 + s as i32,
            _ => 255,
        },
    };
    let oom = finish_container(&la.root, &la.id);
    let policy = Policy::parse(&la.restart).unwrap_or(Policy::No);
    let stop = stop_marker(&la.status_file);
    let again = policy.restarts(code, la.restart_count, stop.exists());
    let started_at = status::read(&la.status_file).ok().flatten().map(|s| s.started_at).unwrap_or_default();
    let me = std::process::id() as i32;
    let st = MonitorStatus {
        status: Some(if again { MonitorState::Restarting } else { MonitorState::Exited }),
        // While restarting the monitor lives on: readers check it is still there.
        monitor_pid: if again { me } else { 0 },
        monitor_start_time: if again { proc_start_time(me).unwrap_or(0) } else { 0 },
        started_at,
        finished_at: Some(now_rfc3339()),
        exit_code: Some(code),
        oom_killed: oom,
        restart_count: la.restart_count,
        ..Default::default()
    };
    // The container directory may be gone already (`rm -f`): then there is nothing to record.
    if status::write_locked(&la.status_file, &st).is_err() {
        std::process::exit(0);
    }
    if again {
        std::thread::sleep(restart::delay(la.restart_count));
        if !stop.exists() && la.status_file.exists() {
            restart_in_place(&la);
        }
        let _ = status::write_locked(&la.status_file, &MonitorStatus { status: Some(MonitorState::Exited), monitor_pid: 0, monitor_start_time: 0, ..st });
    }
    run_exit_command(&la.exit_command);
    std::process::exit(0)
}

fn wait_container(watch: Watch, la: &LoopArgs) -> Result<i32, MonitorError> {
    let sfd = supervise::block_signals()?;
    let mut log = LogFile::open(la.log_file.clone(), la.log_max_size)?;
    let mut trim = Trimmer::new(&std::fs::read_link("/proc/self/exe").unwrap_or_default());
    supervise::wait(watch, &sfd, &mut log, &mut trim)
}

/// The init is gone: whatever else ran in its cgroup goes too, then its cgroup, its state and
/// (poststop hooks) its network. Returns whether the OOM killer struck.
fn finish_container(root: &Path, id: &str) -> bool {
    let Ok(dir) = StateDir::open(root, id) else { return false };
    let Ok(rec) = dir.load() else {
        let _ = dir.remove();
        return false;
    };
    match &rec.cgroup {
        Some(cg) => {
            let oom = cg.oom_killed().unwrap_or(false);
            let _ = container::cleanup(dir, cg);
            oom
        }
        None => {
            let _ = dir.remove();
            false
        }
    }
}

/// Becomes the full runtime again (same pid) to create the container anew.
fn restart_in_place(la: &LoopArgs) {
    let args: Vec<CString> = vec![
        cstr("tsc-box-runtime"),
        cstr("--root"),
        cstr(&la.root),
        cstr("helper"),
        cstr("monitor"),
        cstr("--in-place"),
        cstr("--restart"),
        cstr(&la.restart),
        cstr("--restart-count"),
        cstr((la.restart_count + 1).to_string()),
        cstr("--status-file"),
        cstr(&la.status_file),
        cstr("--log-file"),
        cstr(&la.log_file),
        cstr("--log-max-size"),
        cstr(la.log_max_size.to_string()),
        cstr("-b"),
        cstr(&la.bundle),
    ];
    let mut args = args;
    if let Some((program, rest)) = la.exit_command.split_first() {
        args.push(cstr("--exit-command"));
        args.push(cstr(program));
        for a in rest {
            args.push(cstr("--exit-command-arg"));
            args.push(cstr(a));
        }
    }
    args.push(cstr(&la.id));
    // Signals blocked for the loop would stay blocked in the runtime: create() unblocks them
    // in the init, and the runtime itself wants none of them.
    let _ = nix::unistd::execv(&cstr("/proc/self/exe"), &args);
}
