//! The container's init between clone and execve. It runs in the child of a single-threaded
//! parent, so ordinary Rust (allocation included) is safe here, as after fork. Failures go
//! to the parent over the sync socket and end the child with the matching status.

use std::convert::Infallible;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::MsFlags;
use nix::sched::CloneFlags;
use nix::sys::signal::{signal, sigprocmask, SigHandler, SigSet, SigmaskHow, Signal};
use nix::sys::stat::{umask, Mode};
use nix::unistd::{sethostname, setresgid, setresuid, setsid, Gid, Uid};
use oci_spec::runtime::{Process, Spec};

use super::namespaces::NsPlan;
use super::sync::{recv_msg, send_msg, Msg};
use super::ContainerError;
use crate::process::launch::{Keep, Launch};
use crate::process::{limits, network, ProcessError};
use crate::rootfs::{self, resolve};
use crate::security::seccomp::Filter;
use crate::sys::{fd_path, setdomainname, Sys};
use crate::terminal;

pub(super) struct InitCtx<'a> {
    /// The kernel, for the calls that make the container's namespaces and mounts.
    pub sys: &'a dyn Sys,
    pub spec: &'a Spec,
    pub process: &'a Process,
    pub rootfs: &'a Path,
    pub sock: BorrowedFd<'a>,
    pub fifo: Option<RawFd>,
    pub joins: &'a [(OwnedFd, CloneFlags)],
    pub ns: &'a NsPlan,
    pub filter: Option<&'a Filter>,
    pub die_with_parent: bool,
    pub new_keyring: bool,
    pub preserve_fds: u32,
    pub listen_fds: u32,
    pub terminal: bool,
    /// Bind sources the parent detached for us (new user namespace), by mount index.
    pub bind_trees: &'a [Option<OwnedFd>],
    /// Rootless: the init detaches the bind sources itself (the parent may not), before it
    /// becomes the namespace's root, while the kernel still checks paths against the user.
    pub detach_binds: bool,
    /// The idmapped rootfs mount (container::idmount), when the rootfs needs one.
    pub rootfs_tree: Option<BorrowedFd<'a>>,
    /// Rootless: the image's overlay, which the init mounts in its own namespaces.
    pub layers: Option<&'a crate::layers::Layers>,
    /// v1 `tasks` files to write "0" to: the init moves itself into its cgroup.
    pub cgroup_tasks: &'a [std::path::PathBuf],
    /// Our copy of the state directory's locked fd: a flock lives as long as any copy of
    /// its file, and a creator that died must not leave the lock held by a waiting init.
    pub state_lock: Option<RawFd>,
}

pub(super) fn child_main(ctx: &InitCtx<'_>) -> ! {
    let e = match run(ctx) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    let kind = e.kind();
    let _ = send_msg(ctx.sock, &Msg::Error { kind, msg: e.to_string() });
    // SAFETY: _exit ends the cloned container child at once: no atexit handler of the
    // runtime and no flush of its copied stdio buffers runs in the child; no Rust state
    // outlives it.
    unsafe { libc::_exit(kind.exit_status()) }
}

fn ns_err(what: &str) -> impl FnOnce(Errno) -> ContainerError + '_ {
    move |errno| ContainerError::Namespace { what: what.to_string(), errno }
}

fn run(ctx: &InitCtx<'_>) -> Result<Infallible, ContainerError> {
    if let Some(fd) = ctx.state_lock {
        let _ = nix::unistd::close(fd);
    }
    // The parent blocks signals for its signalfd and Rust ignores SIGPIPE: neither may leak
    // into the app.
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    // SAFETY: signal() is unsafe for the handler it installs; SIG_DFL runs no code of ours,
    // and this single-threaded child races no other thread's sigaction.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
    if ctx.die_with_parent {
        let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    }
    match recv_msg(ctx.sock) {
        Ok(Some(Msg::Go)) => {}
        // SAFETY: _exit ends the cloned container child at once (the parent is gone or said
        // no): no atexit handler of the runtime and no flush of copied stdio buffers runs.
        _ => unsafe { libc::_exit(1) },
    }
    // First, while we still hold the host's privileges (see container::placement).
    for tasks in ctx.cgroup_tasks {
        std::fs::write(tasks, b"0")
            .map_err(|e| ContainerError::Child { kind: crate::kind::Kind::Cgroup, msg: format!("joining the cgroup {}: {e}", tasks.display()) })?;
    }
    join_and_unshare(ctx.sys, ctx.joins, ctx.ns.unshare_flags)?;
    // Still checked as the host user here: a mapped root may not reach the rootfs by path.
    let rootfs_dir = match ctx.rootfs_tree {
        Some(_) => Some(
            nix::fcntl::open(ctx.rootfs, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
                .map_err(|errno| ContainerError::Namespace { what: format!("open the rootfs {}", ctx.rootfs.display()), errno })?,
        ),
        None => None,
    };
    let own_trees = if ctx.detach_binds { rootfs::detach_bind_sources(ctx.sys, ctx.spec)? } else { Vec::new() };
    let bind_trees = if ctx.detach_binds { &own_trees[..] } else { ctx.bind_trees };
    if ctx.ns.in_user_ns() {
        // Become root of the user namespace (a new one's ids are mapped by now).
        setresgid(Gid::from_raw(0), Gid::from_raw(0), Gid::from_raw(0)).map_err(ns_err("setgid 0 in user namespace"))?;
        setresuid(Uid::from_raw(0), Uid::from_raw(0), Uid::from_raw(0)).map_err(ns_err("setuid 0 in user namespace"))?;
    }
    // Its own session: the user's terminal reaches the app only through the runtime.
    setsid().map_err(ns_err("setsid"))?;
    if ctx.new_keyring {
        join_new_session_keyring()?;
    }
    let spec = ctx.spec;
    let process = ctx.process;
    if let Some(v) = process.oom_score_adj() {
        limits::set_oom_score_adj(v)?;
    }
    limits::set_rlimits(process.rlimits().as_deref().unwrap_or(&[]))?;
    if let Some(h) = spec.hostname().as_deref().filter(|h| !h.is_empty()) {
        sethostname(h).map_err(ns_err("sethostname"))?;
    }
    if let Some(d) = spec.domainname().as_deref().filter(|h| !h.is_empty()) {
        setdomainname(d).map_err(ns_err("setdomainname"))?;
    }
    umask(Mode::empty());
    if ctx.ns.new_net {
        network::loopback_up()?;
    }
    // A cgroup filesystem mounted in the container must already see the new cgroup
    // namespace; otherwise the namespace can wait until the end of the setup.
    let mounts_cgroupfs = spec.mounts().iter().flatten().any(|m| matches!(m.typ().as_deref(), Some("cgroup" | "cgroup2")));
    if mounts_cgroupfs {
        enter_cgroup(ctx)?;
    }
    rootfs::prepare(
        ctx.sys,
        &rootfs::Plan {
            rootfs: ctx.rootfs,
            spec,
            user_ns: ctx.ns.in_user_ns(),
            bind_trees,
            rootfs_tree: ctx.rootfs_tree,
            rootfs_dir: rootfs_dir.as_ref().map(|d| d.as_fd()),
            layers: ctx.layers,
        },
    )?;
    if ctx.terminal {
        let size = process.console_size();
        let (rows, cols) = size.map(|b| (b.height() as u16, b.width() as u16)).unwrap_or((0, 0));
        let pty = terminal::open_pty(rows, cols, process.user().uid())?;
        bind_console(ctx.sys, &pty.slave_path)?;
        send_msg(ctx.sock, &Msg::Pty(pty.master)).map_err(|errno| ContainerError::Sys { what: "send pty", errno })?;
        terminal::make_controlling(&pty.slave)?;
    }
    if let Some(sysctl) = spec.linux().as_ref().and_then(|l| l.sysctl().as_ref()) {
        for (k, v) in sysctl {
            limits::set_sysctl(k, v)?;
        }
    }
    // A missing cwd is created (as runc does), before the root may turn read-only.
    let cwd = process.cwd();
    let root = nix::fcntl::open("/", OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|errno| ProcessError::Cwd { path: "/".into(), errno })?;
    drop(resolve::mkdir_all(root.as_fd(), cwd, Mode::from_bits_truncate(0o755)).map_err(|errno| ProcessError::Cwd { path: cwd.clone(), errno })?);
    drop(root);
    rootfs::finish(ctx.sys, spec)?;

    let mut extra_env = Vec::new();
    if ctx.listen_fds > 0 {
        extra_env.push(format!("LISTEN_FDS={}", ctx.listen_fds));
        extra_env.push("LISTEN_PID=1".into());
    }
    let own_fds: Vec<RawFd> = std::iter::once(ctx.sock.as_raw_fd()).chain(ctx.fifo).collect();
    let launch = Launch::prepare(process, ctx.filter, extra_env, Keep { preserved: ctx.preserve_fds, runtime: &own_fds })?;

    if let Some(fd) = ctx.fifo {
        // `start` will find us waiting on the fifo through /proc/self/fd: fail now, while
        // `create` can still report it, if the container has no /proc to reach it by.
        nix::fcntl::open(fd_path(fd).as_str(), OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|errno| ContainerError::Sys { what: "reach the exec fifo through /proc/self/fd (create needs /proc mounted)", errno })?;
    }
    if !mounts_cgroupfs {
        enter_cgroup(ctx)?;
    }
    // Before `ready`, as runc: whatever of the privilege drop fails is `create`'s failure.
    let dropped = launch.drop_privileges()?;
    send_msg(ctx.sock, &Msg::Ready).map_err(|errno| ContainerError::Sys { what: "report ready", errno })?;
    match ctx.fifo {
        Some(fd) => {
            let started = signal_start(fd)?;
            // Only the late filter and execve can fail from here; `start` is still reading
            // the fifo and reports it (the creator, our parent, is gone).
            let Err(e) = dropped.exec();
            let e = ContainerError::from(e);
            report_to_start(&started, e.kind(), &e.to_string());
            // SAFETY: _exit ends the container's init at once: no atexit handler of the
            // runtime and no flush of copied stdio buffers runs in it.
            unsafe { libc::_exit(e.kind().exit_status()) }
        }
        None => {
            wait_for_socket_start(ctx);
            Ok(dropped.exec()?)
        }
    }
}

/// A new anonymous session keyring (as runc's default): the runtime's own session keyring is
/// not the container's. A kernel without keyrings (ENOSYS) has nothing to share.
fn join_new_session_keyring() -> Result<(), ContainerError> {
    // SAFETY: keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL) takes a null name (an anonymous
    // keyring) and reads no memory of ours.
    let rc = unsafe { libc::syscall(libc::SYS_keyctl, libc::KEYCTL_JOIN_SESSION_KEYRING, std::ptr::null::<libc::c_char>()) };
    match Errno::result(rc) {
        Ok(_) | Err(Errno::ENOSYS) => Ok(()),
        Err(errno) => Err(ContainerError::Sys { what: "join a new session keyring", errno }),
    }
}

/// Joins the config's existing namespaces (in the config's order; see NsPlan for why a user
/// namespace comes first), then makes the new ones.
fn join_and_unshare(sys: &dyn Sys, joins: &[(OwnedFd, CloneFlags)], unshare_flags: CloneFlags) -> Result<(), ContainerError> {
    for (fd, flag) in joins {
        sys.setns(fd.as_fd(), *flag).map_err(ns_err("setns"))?;
    }
    if !unshare_flags.is_empty() {
        sys.unshare(unshare_flags).map_err(ns_err("unshare"))?;
    }
    Ok(())
}

/// Waits until the parent has put us in our cgroup, then makes the cgroup namespace, rooted
/// there.
fn enter_cgroup(ctx: &InitCtx<'_>) -> Result<(), ContainerError> {
    match recv_msg(ctx.sock) {
        Ok(Some(Msg::Placed)) => {}
        // SAFETY: _exit ends the cloned container child at once (the parent is gone or said
        // no): no atexit handler of the runtime and no flush of copied stdio buffers runs.
        _ => unsafe { libc::_exit(1) },
    }
    if ctx.ns.new_cgroup {
        ctx.sys.unshare(CloneFlags::CLONE_NEWCGROUP).map_err(ns_err("unshare cgroup namespace"))?;
    }
    Ok(())
}

/// Waits for `start` on the exec fifo: opening it for writing blocks until `start` opens it
/// for reading; one byte says we go. The write end stays open (close-on-exec) so that
/// `start` reads on until execve closes it, or reads why it failed (report_to_start).
fn signal_start(fifo: RawFd) -> Result<OwnedFd, ContainerError> {
    let w = nix::fcntl::open(fd_path(fifo).as_str(), OFlag::O_WRONLY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|errno| ContainerError::Sys { what: "open exec fifo", errno })?;
    nix::unistd::write(&w, START_BYTE).map_err(|errno| ContainerError::Sys { what: "write exec fifo", errno })?;
    let _ = nix::unistd::close(fifo);
    Ok(w)
}

/// What the init writes on the exec fifo after `start`'s byte: the byte, then on failure a
/// report `E<kind>\n<message>` (see [`read_start_report`]); nothing when execve succeeds.
pub const START_BYTE: &[u8] = b"0";

fn report_to_start(w: &OwnedFd, kind: crate::kind::Kind, msg: &str) {
    let mut report = format!("E{}\n{msg}", kind.as_str()).into_bytes();
    // A fifo write of up to PIPE_BUF bytes is atomic: `start` never sees half a report.
    report.truncate(libc::PIPE_BUF);
    let _ = nix::unistd::write(w, &report);
}

/// `start`'s side: what followed the start byte on the exec fifo, once it reached EOF.
/// None when the init exec'd its program; else why it could not.
pub fn read_start_report(after_byte: &[u8]) -> Option<(crate::kind::Kind, String)> {
    if after_byte.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(after_byte);
    let (kind, msg) = text.strip_prefix('E').and_then(|t| t.split_once('\n')).unwrap_or(("process", &text));
    Some((crate::kind::Kind::parse(kind).unwrap_or(crate::kind::Kind::Process), msg.to_string()))
}

fn wait_for_socket_start(ctx: &InitCtx<'_>) {
    match recv_msg(ctx.sock) {
        Ok(Some(Msg::Start)) => {}
        // The runtime went away before starting us: nothing to run.
        // SAFETY: _exit ends the cloned container child at once: no atexit handler of the
        // runtime and no flush of copied stdio buffers runs in it.
        _ => unsafe { libc::_exit(1) },
    }
}

/// /dev/console is the pty slave, as programs expect of a terminal container.
fn bind_console(sys: &dyn Sys, slave: &str) -> Result<(), ContainerError> {
    let root = nix::fcntl::open("/", OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|errno| ContainerError::Sys { what: "open /", errno })?;
    let target = resolve::create_file(root.as_fd(), Path::new("/dev/console"), Mode::from_bits_truncate(0o600))
        .map_err(|errno| ContainerError::Sys { what: "create /dev/console", errno })?;
    sys.mount(Some(Path::new(slave)), Path::new(&fd_path(target.as_raw_fd())), None, MsFlags::MS_BIND, None)
        .map_err(|errno| ContainerError::Sys { what: "bind /dev/console", errno })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::fake::{Call, RecordingSys};

    fn ns(name: &str) -> OwnedFd {
        nix::fcntl::open(format!("/proc/self/ns/{name}").as_str(), OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty()).unwrap()
    }

    #[test]
    fn a_start_report_carries_kind_and_message() {
        assert!(read_start_report(b"").is_none());
        let (k, m) = read_start_report(b"Enot_found\nexec: \"x\": no such file or directory").unwrap();
        assert_eq!(k, crate::kind::Kind::NotFound);
        assert_eq!(m, "exec: \"x\": no such file or directory");
        assert_eq!(read_start_report(b"garbage").unwrap().0, crate::kind::Kind::Process);
    }

    #[test]
    fn joins_in_order_then_unshares() {
        let joins = [(ns("user"), CloneFlags::CLONE_NEWUSER), (ns("net"), CloneFlags::CLONE_NEWNET)];
        let sys = RecordingSys::new(Path::new("/"));
        let new = CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWUTS;
        join_and_unshare(&sys, &joins, new).unwrap();
        let c = sys.calls();
        assert_eq!(c.len(), 3);
        assert!(matches!(&c[0], Call::Setns { ns, nstype: CloneFlags::CLONE_NEWUSER } if ns.starts_with("user:[")), "{c:?}");
        assert!(matches!(&c[1], Call::Setns { ns, nstype: CloneFlags::CLONE_NEWNET } if ns.starts_with("net:[")), "{c:?}");
        assert_eq!(c[2], Call::Unshare { flags: new });
        // Nothing new to make: no unshare call at all.
        let sys = RecordingSys::new(Path::new("/"));
        join_and_unshare(&sys, &[], CloneFlags::empty()).unwrap();
        assert!(sys.calls().is_empty());
    }

    #[test]
    fn a_refused_join_stops_with_a_namespace_error() {
        let joins = [(ns("ipc"), CloneFlags::CLONE_NEWIPC), (ns("uts"), CloneFlags::CLONE_NEWUTS)];
        let sys = RecordingSys::new(Path::new("/"));
        sys.fail(|c| matches!(c, Call::Setns { nstype: CloneFlags::CLONE_NEWIPC, .. }), Errno::EPERM);
        let e = join_and_unshare(&sys, &joins, CloneFlags::CLONE_NEWNS).unwrap_err();
        assert!(matches!(e, ContainerError::Namespace { errno: Errno::EPERM, .. }), "{e}");
        assert_eq!(e.kind(), crate::kind::Kind::Namespace);
        assert_eq!(sys.calls().len(), 1, "neither the second join nor the unshare is tried");
    }
}
