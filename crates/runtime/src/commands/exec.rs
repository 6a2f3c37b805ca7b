//! `exec [--process FILE] [-t] [--console-socket P] [--cwd D] [--env K=V] [--user U[:G]] ID CMD...`:
//! a new process in a running container. The runtime joins the container's pid namespace
//! (for its child) and clones straight into its cgroup; the child joins the other namespaces
//! (the user namespace first: it gives the rights for the rest), then takes the container's
//! capabilities, no_new_privs, seccomp filter (the cached compiled one) and user, and execs.
//! The outcome travels back over the same sync socket `create` uses; the exit status is the
//! process's, 126/127 when it cannot be run.

use std::convert::Infallible;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::{setns, CloneFlags};
use nix::sys::signal::{signal, sigprocmask, SigHandler, SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::sys::stat::Mode;
use nix::sys::wait::waitpid;
use nix::unistd::setsid;
use tsc_box_cgroups::oci_spec::runtime::{LinuxNamespaceType, Process, Spec, User};
use tsc_box_core::container::sync::{recv_msg, send_msg, Msg};
use tsc_box_core::kind::Kind;
use tsc_box_core::process::launch::{Keep, Launch};
use tsc_box_core::process::ProcessError;
use tsc_box_core::security::seccomp::{self, Filter, SeccompError};
use tsc_box_core::spec::{self, SpecError};
use tsc_box_core::state::{StateDir, StateError, Status};
use tsc_box_core::sys::clone::{clone, Forked, Placed};
use tsc_box_core::terminal::{self, connect_console, copy_winsize, send_master, RawMode, TerminalError};

use super::{write_pid_file, Global};
use crate::error::CmdError;
use crate::relay;

#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    /// An OCI process document (JSON) instead of CMD and the flags below.
    #[arg(short = 'p', long)]
    pub process: Option<PathBuf>,
    #[arg(short = 't', long)]
    pub tty: bool,
    #[arg(long = "console-socket")]
    pub console_socket: Option<PathBuf>,
    #[arg(long)]
    pub cwd: Option<String>,
    #[arg(short = 'e', long)]
    pub env: Vec<String>,
    /// uid[:gid] inside the container (names are resolved by the caller).
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// Do not wait for the process.
    #[arg(short = 'd', long)]
    pub detach: bool,
    #[arg(long = "pid-file")]
    pub pid_file: Option<PathBuf>,
    pub id: String,
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error(transparent)]
    Seccomp(#[from] SeccompError),
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    #[error("cgroup: {0}")]
    Cgroup(#[from] tsc_box_cgroups::ManagerError),
    #[error("{0}")]
    Config(String),
    #[error("namespace {what}: {errno}")]
    Namespace { what: String, errno: Errno },
    #[error("{what}: {errno}")]
    Sys { what: &'static str, errno: Errno },
    #[error("{msg}")]
    Child { kind: Kind, msg: String },
}

impl ExecError {
    pub fn kind(&self) -> Kind {
        match self {
            ExecError::State(e) => e.kind(),
            ExecError::Spec(e) => e.kind(),
            ExecError::Process(e) => e.kind(),
            ExecError::Seccomp(_) => Kind::Process,
            ExecError::Terminal(e) => e.kind(),
            ExecError::Cgroup(_) => Kind::Cgroup,
            ExecError::Config(_) => Kind::Config,
            ExecError::Namespace { .. } => Kind::Namespace,
            ExecError::Sys { .. } => Kind::Internal,
            ExecError::Child { kind, .. } => *kind,
        }
    }
}

impl From<ExecError> for CmdError {
    fn from(e: ExecError) -> Self {
        CmdError::other(e.kind(), e.to_string())
    }
}

fn sys(what: &'static str) -> impl FnOnce(Errno) -> ExecError {
    move |errno| ExecError::Sys { what, errno }
}

/// /proc/PID/ns names, the user namespace first.
const NS_ORDER: [(LinuxNamespaceType, &str, CloneFlags); 7] = [
    (LinuxNamespaceType::User, "user", CloneFlags::CLONE_NEWUSER),
    (LinuxNamespaceType::Ipc, "ipc", CloneFlags::CLONE_NEWIPC),
    (LinuxNamespaceType::Uts, "uts", CloneFlags::CLONE_NEWUTS),
    (LinuxNamespaceType::Network, "net", CloneFlags::CLONE_NEWNET),
    (LinuxNamespaceType::Cgroup, "cgroup", CloneFlags::CLONE_NEWCGROUP),
    (LinuxNamespaceType::Pid, "pid", CloneFlags::CLONE_NEWPID),
    (LinuxNamespaceType::Mount, "mnt", CloneFlags::CLONE_NEWNS),
];

/// "uid[:gid]" as numbers.
pub fn parse_user(s: &str) -> Result<(u32, Option<u32>), ExecError> {
    let bad = || ExecError::Config(format!("invalid --user {s:?}: expected uid[:gid] as numbers"));
    let (u, g) = match s.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (s, None),
    };
    let uid = u.parse().map_err(|_| bad())?;
    let gid = g.map(|g| g.parse().map_err(|_| bad())).transpose()?;
    Ok((uid, gid))
}

/// The process to run: the --process document, or the container's own process with the
/// command and flags applied (its capabilities, no_new_privs and rlimits stay).
fn plan_process(spec: &Spec, a: &ExecArgs) -> Result<Process, ExecError> {
    if let Some(p) = &a.process {
        let bytes = std::fs::read(p).map_err(|e| ExecError::Config(format!("--process {}: {e}", p.display())))?;
        return serde_json::from_slice(&bytes).map_err(|e| ExecError::Config(format!("--process {}: {e}", p.display())));
    }
    if a.command.is_empty() {
        return Err(ExecError::Config("exec needs a command".into()));
    }
    let mut p = spec.process().clone().ok_or_else(|| ExecError::Config("the container has no process".into()))?;
    p.set_args(Some(a.command.clone()));
    p.set_terminal(Some(a.tty));
    p.set_console_size(None);
    let mut env = p.env().clone().unwrap_or_default();
    for e in &a.env {
        let key = e.split('=').next().unwrap_or(e);
        env.retain(|x| x.split('=').next() != Some(key));
        env.push(e.clone());
    }
    p.set_env(Some(env));
    if let Some(c) = &a.cwd {
        if !c.starts_with('/') {
            return Err(ExecError::Config(format!("--cwd {c:?} must be absolute")));
        }
        p.set_cwd(PathBuf::from(c));
    }
    if let Some(u) = &a.user {
        let (uid, gid) = parse_user(u)?;
        let mut user = User::default();
        user.set_uid(uid);
        user.set_gid(gid.unwrap_or(0));
        user.set_umask(p.user().umask());
        p.set_user(user);
    }
    Ok(p)
}

struct ChildCtx<'a> {
    sock: BorrowedFd<'a>,
    joins: &'a [(OwnedFd, CloneFlags)],
    process: &'a Process,
    filter: Option<&'a Filter>,
}

pub fn run(g: &Global<'_>, a: &ExecArgs) -> Result<i32, CmdError> {
    Ok(exec(g, a)?)
}

fn exec(g: &Global<'_>, a: &ExecArgs) -> Result<i32, ExecError> {
    let dir = StateDir::open_unlocked(&g.root, &a.id)?;
    let rec = dir.load()?;
    let status = dir.status(&rec);
    if status != Status::Running {
        return Err(StateError::WrongStatus { id: a.id.clone(), status, need: "exec needs a running container" }.into());
    }
    let bundle = spec::load(&rec.bundle)?;
    let spec = &bundle.spec;
    let process = plan_process(spec, a)?;
    let terminal = process.terminal().unwrap_or(false);
    let console = match (&a.console_socket, terminal) {
        (Some(p), true) => Some(connect_console(p)?),
        (None, true) if a.detach => return Err(ExecError::Config("-t with --detach needs --console-socket".into())),
        _ => None,
    };
    let linux = spec.linux().as_ref();
    let filter = match linux.and_then(|l| l.seccomp().as_ref()) {
        Some(p) => Some(seccomp::prepare(p, Some(&g.root.join("seccomp")))?),
        None => None,
    };
    // The namespaces the container has, opened through its init before anything else runs.
    let listed: Vec<LinuxNamespaceType> = linux.and_then(|l| l.namespaces().as_ref()).map(|v| v.iter().map(|n| n.typ()).collect()).unwrap_or_default();
    let mut joins = Vec::new();
    let mut pid_ns = None;
    for (typ, name, flag) in NS_ORDER {
        if !listed.contains(&typ) {
            continue;
        }
        let p = format!("/proc/{}/ns/{name}", rec.pid);
        let fd = nix::fcntl::open(p.as_str(), OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|errno| ExecError::Namespace { what: p.clone(), errno })?;
        if flag == CloneFlags::CLONE_NEWPID { pid_ns = Some(fd) } else { joins.push((fd, flag)) }
    }
    // Opened only after the namespace files: a container that died in between fails above.
    if !rec.alive() {
        return Err(StateError::WrongStatus { id: a.id.clone(), status: Status::Stopped, need: "exec needs a running container" }.into());
    }
    let cgroup = rec.cgroup.clone();
    let cg_fd = match &cgroup {
        Some(cg) => cg.clone_into_fd()?,
        None => None,
    };
    let mask = if a.detach { SigSet::empty() } else { relay::block_relayed_signals().map_err(sys("sigprocmask"))? };
    let sfd = if a.detach { None } else { Some(SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK).map_err(sys("signalfd"))?) };
    let (parent_sock, child_sock) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC).map_err(sys("socketpair"))?;
    if let Some(fd) = &pid_ns {
        // Without root, the container's pid namespace belongs to its user namespace, which
        // alone gives the right to join it: enter that first (the child inherits it).
        if !nix::unistd::geteuid().is_root() {
            if let Some(at) = joins.iter().position(|(_, f)| *f == CloneFlags::CLONE_NEWUSER) {
                let (user_ns, flag) = joins.remove(at);
                setns(&user_ns, flag).map_err(|errno| ExecError::Namespace { what: "join user namespace".into(), errno })?;
            }
        }
        setns(fd, CloneFlags::CLONE_NEWPID).map_err(|errno| ExecError::Namespace { what: "join pid namespace".into(), errno })?;
    }
    let ctx = ChildCtx { sock: child_sock.as_fd(), joins: &joins, process: &process, filter: filter.as_ref() };
    let (forked, placed) = clone(0, cg_fd.as_ref().map(std::os::fd::AsRawFd::as_raw_fd)).map_err(sys("clone"))?;
    let pid = match forked {
        Forked::Child => {
            drop(parent_sock);
            child_main(&ctx)
        }
        Forked::Parent(pid) => pid,
    };
    drop(child_sock);
    let kill_child = || {
        let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
        let _ = waitpid(pid, None);
    };
    if placed == Placed::NotPlaced {
        if let Some(cg) = &cgroup {
            if let Err(e) = cg.add_pid(pid.as_raw()) {
                kill_child();
                return Err(e.into());
            }
        }
    }
    if let Err(e) = send_msg(parent_sock.as_fd(), &Msg::Go) {
        kill_child();
        return Err(sys("sync with exec child")(e));
    }
    let mut pty = None;
    loop {
        match recv_msg(parent_sock.as_fd()) {
            Ok(None) => break,
            Ok(Some(Msg::Pty(fd))) => match &console {
                Some(sock) => {
                    if let Err(e) = send_master(sock, &fd) {
                        kill_child();
                        return Err(e.into());
                    }
                }
                None => pty = Some(fd),
            },
            Ok(Some(Msg::Error { kind, msg })) => {
                let _ = waitpid(pid, None);
                return Err(ExecError::Child { kind, msg });
            }
            Ok(Some(_)) | Err(_) => {
                kill_child();
                return Err(sys("sync with exec child")(Errno::EPROTO));
            }
        }
    }
    if let Some(p) = &a.pid_file {
        write_pid_file(p, pid.as_raw()).map_err(|e| ExecError::Config(e.to_string()))?;
    }
    let Some(sfd) = sfd else { return Ok(0) };
    let stdin = std::io::stdin();
    let stdin_tty = nix::unistd::isatty(stdin.as_fd()).unwrap_or(false);
    let raw = match &pty {
        Some(m) if stdin_tty => {
            let _ = copy_winsize(stdin.as_fd(), m.as_fd());
            RawMode::enter(stdin.as_fd()).ok()
        }
        _ => None,
    };
    let r = relay::wait(pid, &sfd, pty.as_ref(), stdin_tty);
    drop(raw);
    r.map_err(sys("waiting for the process"))
}

fn child_main(ctx: &ChildCtx<'_>) -> ! {
    let e = match child(ctx) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    let kind = e.kind();
    let _ = send_msg(ctx.sock, &Msg::Error { kind, msg: e.to_string() });
    unsafe { libc::_exit(kind.exit_status()) }
}

fn child(ctx: &ChildCtx<'_>) -> Result<Infallible, ExecError> {
    // First of all: nothing in the container may trace us or open /proc/<pid>/exe while we
    // are the runtime (process::launch says why).
    nix::sys::prctl::set_dumpable(false).map_err(sys("PR_SET_DUMPABLE"))?;
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
    match recv_msg(ctx.sock) {
        Ok(Some(Msg::Go)) => {}
        _ => unsafe { libc::_exit(1) },
    }
    for (fd, flag) in ctx.joins {
        setns(fd, *flag).map_err(|errno| ExecError::Namespace { what: format!("setns {flag:?}"), errno })?;
    }
    let p = ctx.process;
    if p.terminal().unwrap_or(false) {
        setsid().map_err(sys("setsid"))?;
        let size = p.console_size();
        let (rows, cols) = size.map(|b| (b.height() as u16, b.width() as u16)).unwrap_or((0, 0));
        let pty = terminal::open_pty(rows, cols)?;
        send_msg(ctx.sock, &Msg::Pty(pty.master)).map_err(sys("send pty"))?;
        terminal::make_controlling(&pty.slave)?;
    }
    let keep = [ctx.sock.as_raw_fd()];
    let launch = Launch::prepare(p, ctx.filter, Vec::new(), Keep { preserved: 0, runtime: &keep })?;
    Ok(launch.exec()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_numeric() {
        assert_eq!(parse_user("1000").unwrap(), (1000, None));
        assert_eq!(parse_user("1000:100").unwrap(), (1000, Some(100)));
        assert!(parse_user("app").is_err());
        assert!(parse_user("1:x").is_err());
    }
}
