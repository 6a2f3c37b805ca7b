//! A new process in a running container (`exec`): the tenant path beside the init's.
//!
//! The runtime opens the container's namespace files through its init before anything else
//! runs, joins the pid namespace itself (it applies to children only), then clones straight
//! into the container's cgroup. The child joins the other namespaces (the user namespace
//! first: it gives the rights for the rest) and ends in [`crate::process::launch`], the same
//! privilege drop and execve as the init's. The outcome travels back over the sync socket
//! `create` uses.

use std::convert::Infallible;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::{setns, CloneFlags};
use nix::sys::signal::{signal, sigprocmask, SigHandler, SigSet, SigmaskHow, Signal};
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::sys::stat::Mode;
use nix::sys::wait::waitpid;
use nix::unistd::{setsid, Pid};
use oci_spec::runtime::{LinuxNamespaceType, Process, Spec};

use super::sync::{recv_msg, send_msg, Msg};
use crate::kind::Kind;
use crate::process::launch::{Keep, Launch};
use crate::process::ProcessError;
use crate::security::seccomp::Filter;
use crate::state::{Record, StateError, Status};
use crate::sys::clone::{clone, Forked, Placed};
use crate::terminal::{self, send_master, TerminalError};

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    #[error("cgroup: {0}")]
    Cgroup(#[from] tsc_box_cgroups::ManagerError),
    #[error("namespace {what}: {errno}")]
    Namespace { what: String, errno: Errno },
    #[error("{what}: {errno}")]
    Sys { what: &'static str, errno: Errno },
    /// The child's own report of why it could not run the process.
    #[error("{msg}")]
    Child { kind: Kind, msg: String },
}

impl TenantError {
    pub fn kind(&self) -> Kind {
        match self {
            TenantError::State(e) => e.kind(),
            TenantError::Process(e) => e.kind(),
            TenantError::Terminal(e) => e.kind(),
            TenantError::Cgroup(_) => Kind::Cgroup,
            TenantError::Namespace { .. } => Kind::Namespace,
            TenantError::Sys { .. } => Kind::Internal,
            TenantError::Child { kind, .. } => *kind,
        }
    }
}

fn sys(what: &'static str) -> impl FnOnce(Errno) -> TenantError {
    move |errno| TenantError::Sys { what, errno }
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

/// What to start in the container `rec` (whose config is `spec`).
pub struct Tenant<'a> {
    pub id: &'a str,
    pub rec: &'a Record,
    pub spec: &'a Spec,
    pub process: &'a Process,
    pub filter: Option<&'a Filter>,
    /// Where the pty master goes (runc's --console-socket); kept by the caller otherwise.
    pub console: Option<&'a UnixStream>,
    /// fds 3 .. 3+N-1 of the caller go to the process (runc's --preserve-fds).
    pub preserve_fds: u32,
    /// A cgroup below the container's to start in (runc's `exec --cgroup`); None: the
    /// container's own.
    pub cgroup: Option<&'a tsc_box_cgroups::Manager>,
}

/// The started process, and its pty master when it has a terminal and no console socket.
pub struct Started {
    pub pid: Pid,
    pub pty: Option<OwnedFd>,
}

/// Starts the process and returns once it has exec'd (or failed, with its reason).
pub fn start(t: &Tenant<'_>) -> Result<Started, TenantError> {
    let listed: Vec<LinuxNamespaceType> =
        t.spec.linux().as_ref().and_then(|l| l.namespaces().as_ref()).map(|v| v.iter().map(|n| n.typ()).collect()).unwrap_or_default();
    let mut joins = Vec::new();
    let mut pid_ns = None;
    for (typ, name, flag) in NS_ORDER {
        if !listed.contains(&typ) {
            continue;
        }
        let p = format!("/proc/{}/ns/{name}", t.rec.pid);
        let fd = nix::fcntl::open(p.as_str(), OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|errno| TenantError::Namespace { what: p.clone(), errno })?;
        if flag == CloneFlags::CLONE_NEWPID {
            pid_ns = Some(fd)
        } else {
            joins.push((fd, flag))
        }
    }
    // Checked only after the namespace files are open: a container that died in between
    // fails here rather than joining whatever took its pid.
    if !t.rec.alive() {
        return Err(StateError::WrongStatus { id: t.id.to_string(), status: Status::Stopped, need: "exec needs a running container" }.into());
    }
    let cgroup = t.cgroup.cloned().or_else(|| t.rec.cgroup.clone());
    let cg_fd = match &cgroup {
        Some(cg) => cg.clone_into_fd()?,
        None => None,
    };
    let (parent_sock, child_sock) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC).map_err(sys("socketpair"))?;
    if let Some(fd) = &pid_ns {
        // Without root, the container's pid namespace belongs to its user namespace, which
        // alone gives the right to join it: enter that first (the child inherits it).
        if !nix::unistd::geteuid().is_root() {
            if let Some(at) = joins.iter().position(|(_, f)| *f == CloneFlags::CLONE_NEWUSER) {
                let (user_ns, flag) = joins.remove(at);
                setns(&user_ns, flag).map_err(|errno| TenantError::Namespace { what: "join user namespace".into(), errno })?;
            }
        }
        setns(fd, CloneFlags::CLONE_NEWPID).map_err(|errno| TenantError::Namespace { what: "join pid namespace".into(), errno })?;
    }
    let ctx = ChildCtx { sock: child_sock.as_fd(), joins: &joins, process: t.process, filter: t.filter, preserve_fds: t.preserve_fds };
    let (forked, placed) = clone(0, cg_fd.as_ref().map(AsRawFd::as_raw_fd)).map_err(sys("clone"))?;
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
            // The socket closed at execve (close-on-exec): the process runs.
            Ok(None) => break,
            Ok(Some(Msg::Pty(fd))) => match t.console {
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
                return Err(TenantError::Child { kind, msg });
            }
            Ok(Some(_)) | Err(_) => {
                kill_child();
                return Err(sys("sync with exec child")(Errno::EPROTO));
            }
        }
    }
    Ok(Started { pid, pty })
}

struct ChildCtx<'a> {
    sock: BorrowedFd<'a>,
    joins: &'a [(OwnedFd, CloneFlags)],
    process: &'a Process,
    filter: Option<&'a Filter>,
    preserve_fds: u32,
}

fn child_main(ctx: &ChildCtx<'_>) -> ! {
    let e = match child(ctx) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    let kind = e.kind();
    let _ = send_msg(ctx.sock, &Msg::Error { kind, msg: e.to_string() });
    // SAFETY: _exit ends this forked child without running the parent's atexit handlers.
    unsafe { libc::_exit(kind.exit_status()) }
}

fn child(ctx: &ChildCtx<'_>) -> Result<Infallible, TenantError> {
    // First of all: nothing in the container may trace us or open /proc/<pid>/exe while we
    // are the runtime (process::launch says why).
    nix::sys::prctl::set_dumpable(false).map_err(sys("PR_SET_DUMPABLE"))?;
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    // SAFETY: restoring the default disposition of SIGPIPE has no memory-safety conditions.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
    match recv_msg(ctx.sock) {
        Ok(Some(Msg::Go)) => {}
        // SAFETY: as in child_main.
        _ => unsafe { libc::_exit(1) },
    }
    for (fd, flag) in ctx.joins {
        setns(fd, *flag).map_err(|errno| TenantError::Namespace { what: format!("setns {flag:?}"), errno })?;
    }
    let p = ctx.process;
    if p.terminal().unwrap_or(false) {
        setsid().map_err(sys("setsid"))?;
        let size = p.console_size();
        let (rows, cols) = size.map(|b| (b.height() as u16, b.width() as u16)).unwrap_or((0, 0));
        let pty = terminal::open_pty(rows, cols, p.user().uid())?;
        send_msg(ctx.sock, &Msg::Pty(pty.master)).map_err(sys("send pty"))?;
        terminal::make_controlling(&pty.slave)?;
    }
    let keep = [ctx.sock.as_raw_fd()];
    let launch = Launch::prepare(p, ctx.filter, Vec::new(), Keep { preserved: ctx.preserve_fds, runtime: &keep })?;
    Ok(launch.exec()?)
}
