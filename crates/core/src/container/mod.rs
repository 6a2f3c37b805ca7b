//! Creating a container (the parent side): load the bundle, make the state directory and
//! the cgroup, clone the init into its namespaces and cgroup, map its ids, and wait until it
//! reports ready. Any failure undoes everything made so far.

mod devices;
mod error;
pub mod hooks;
pub mod idmap;
mod idmount;
mod init;
pub mod namespaces;
mod placement;
pub mod sync;
pub mod tenant;

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::{setns, CloneFlags};
use nix::sys::signal::{kill, Signal};
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::sys::stat::Mode;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use tsc_box_cgroups::Manager;

use crate::kind::Kind;
use crate::security::seccomp;
use crate::spec;
use crate::state::{Record, StateDir};
use crate::sys::clone::{clone, Forked, Placed};
use crate::terminal::{connect_console, send_master};
use sync::{recv_msg, send_msg, send_to_child, Msg};

pub use error::ContainerError;
pub use init::{read_start_report, START_BYTE};
use placement::placement;

fn sys(what: &'static str) -> impl FnOnce(Errno) -> ContainerError {
    move |errno| ContainerError::Sys { what, errno }
}

/// How the init learns that it may exec.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StartVia {
    /// `create`: a later `start` opens the exec fifo in the state directory.
    Fifo,
    /// `run`: the parent sends Start over the sync socket.
    Socket,
}

pub struct Options<'a> {
    pub root: &'a Path,
    pub id: &'a str,
    pub bundle: &'a Path,
    pub console_socket: Option<&'a Path>,
    pub start: StartVia,
    /// Foreground `run`: the container dies with the runtime (PR_SET_PDEATHSIG).
    pub die_with_parent: bool,
    /// Extra fds beyond stdio kept open for the app (--preserve-fds); socket-activation fds
    /// (LISTEN_FDS in our environment) are added on top, as runc does.
    pub preserve_fds: u32,
    /// A session keyring of the container's own (runc's default; `--no-new-keyring` keeps
    /// the caller's): keys a process of the runtime's session holds stay out of reach.
    pub new_keyring: bool,
    /// Becomes readable when the caller wants to give up (a foreground `run`'s signalfd: ^C
    /// during a setup that hangs must still end it, and undo everything).
    pub interrupt: Option<std::os::fd::BorrowedFd<'a>>,
}

/// A container whose init is set up and waiting to exec.
pub struct Container {
    pub state: StateDir,
    pub record: Record,
    pub pid: Pid,
    /// None only for a rootless container that asked for no limits and may not create a
    /// cgroup (nothing delegated to its user).
    pub cgroup: Option<Manager>,
    /// The pty master when the config asks for a terminal and no console socket was given.
    pub pty: Option<OwnedFd>,
    /// What the config asks for that is accepted but not applied, each with why (runc
    /// ignores these too): for the runtime's log, at warning level.
    pub ignored: Vec<String>,
    sync: OwnedFd,
}

/// Everything made so far, undone in reverse on failure.
#[derive(Default)]
struct Undo {
    pid: Option<Pid>,
    cgroup: Option<Manager>,
    state: Option<StateDir>,
    /// Set once createRuntime hooks ran: a failure after that runs the poststop hooks.
    poststop: Option<(oci_spec::runtime::Hooks, serde_json::Value)>,
}

impl Undo {
    fn run(self) {
        if let Some(pid) = self.pid {
            let _ = kill(pid, Signal::SIGKILL);
            let _ = waitpid(pid, None);
        }
        if let Some(cg) = self.cgroup {
            let _ = cg.remove();
        }
        if let Some(st) = self.state {
            let _ = st.remove();
        }
        if let Some((h, mut state)) = self.poststop {
            state["status"] = "stopped".into();
            let _ = hooks::run_phase_all(Some(&h), hooks::Phase::Poststop, &state);
        }
    }
}

pub fn create(opts: &Options<'_>) -> Result<Container, ContainerError> {
    let mut undo = Undo::default();
    match build(opts, &mut undo) {
        Ok(c) => Ok(c),
        Err(e) => {
            undo.run();
            Err(e)
        }
    }
}

fn build(opts: &Options<'_>, undo: &mut Undo) -> Result<Container, ContainerError> {
    let bundle = spec::load(opts.bundle)?;
    let spec = &bundle.spec;
    let linux = spec.linux().as_ref();
    let ns = namespaces::plan(spec);
    // Everything that can be refused without side effects comes first.
    let filter = match linux.and_then(|l| l.seccomp().as_ref()) {
        Some(p) => Some(seccomp::prepare(p, Some(&opts.root.join("seccomp")))?),
        None => None,
    };
    let (fewer_caps, caps_note) = crate::process::caps::without_unavailable(&bundle.process, ns.in_user_ns());
    let process = fewer_caps.as_ref().unwrap_or(&bundle.process);
    let terminal = process.terminal().unwrap_or(false);
    let console = match (terminal, opts.console_socket) {
        (true, Some(p)) => Some(connect_console(p)?),
        (true, None) if !opts.die_with_parent => return Err(ContainerError::NeedConsoleSocket),
        _ => None,
    };
    let mut joins = Vec::with_capacity(ns.joins.len());
    for (p, f) in &ns.joins {
        joins.push((namespaces::open(p, *f)?, *f));
    }
    let pid_join = ns.pid_join.as_deref().map(|p| namespaces::open(p, CloneFlags::CLONE_NEWPID)).transpose()?;
    // Without root, open_tree(OPEN_TREE_CLONE) is refused here; the init binds the user's own
    // paths itself then, with the same rights the user has.
    let rootless = !nix::unistd::geteuid().is_root();
    let bind_trees = if ns.in_user_ns() && !rootless { crate::rootfs::detach_bind_sources(&crate::sys::RealSys, spec)? } else { Vec::new() };
    // An image's overlay that the CLI left to us: built here as root; without root the init
    // mounts it inside its own namespaces (crate::layers).
    let layers = crate::layers::Layers::from_spec(spec, &bundle.rootfs)?;
    let (uid_maps, gid_maps) = match linux {
        Some(l) => (l.uid_mappings().as_deref().unwrap_or(&[]), l.gid_mappings().as_deref().unwrap_or(&[])),
        None => (&[][..], &[][..]),
    };
    if let Some(l) = layers.as_ref().filter(|l| l.copy && !rootless) {
        crate::layers::copy_layers(l, &bundle.rootfs)?;
    }
    let rootfs_tree = match (&layers, ns.new_user) {
        (Some(l), _) if !rootless && !l.copy => Some(idmount::overlay_tree(l, &bundle.rootfs, ns.new_user, uid_maps, gid_maps)?),
        (_, true) => idmount::rootfs_tree(&bundle.rootfs, uid_maps, gid_maps)?,
        _ => None,
    };

    undo.state = Some(StateDir::create(opts.root, opts.id)?);
    let cg_path =
        linux.and_then(|l| l.cgroups_path().as_ref()).map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|| format!("/tsc-box-runtime/{}", opts.id));
    let mut cgroup = Manager::new(&cg_path)?;
    // Recorded before the cgroup exists: if this process dies from here on, `delete` finds
    // the cgroup to remove (the record says pid 0: creating while we hold the lock, then
    // stopped).
    let mut early = Record::new(opts.id, 0, &bundle.dir, &bundle.rootfs);
    early.cgroup = Some(cgroup.clone());
    undo.state.as_ref().expect("made above").save_marker(&early)?;
    let resources = linux.and_then(|l| l.resources().as_ref());
    let mut cgroup = match cgroup.create() {
        Ok(()) => Some(cgroup),
        // Without root a cgroup is a bonus: it exists only where a subtree was delegated.
        // Running without one is fine as long as nothing needed it.
        Err(e) if e.is_permission_denied() && !nix::unistd::geteuid().is_root() => {
            if resources.is_some_and(tsc_box_cgroups::requests_limits) {
                return Err(ContainerError::LimitsNeedDelegation { path: cgroup.path().to_string() });
            }
            early.cgroup = None;
            undo.state.as_ref().expect("made above").save_marker(&early)?;
            None
        }
        Err(e) => return Err(e.into()),
    };
    undo.cgroup = cgroup.clone();
    if let Some(cg) = &cgroup {
        // What create made (the levels of a nested path), for a `delete` after we die.
        early.cgroup = Some(cg.clone());
        undo.state.as_ref().expect("made above").save_marker(&early)?;
    }
    if let (Some(cg), Some(r)) = (&mut cgroup, resources) {
        // In a cgroup that existed before, the values replaced are recorded (put back at once
        // if applying fails half-way, else by remove); the record and the undo get them.
        let applied = if nix::unistd::geteuid().is_root() {
            cg.apply_recorded(&devices::with_defaults(r))
        } else {
            // A device program needs CAP_SYS_ADMIN on the host; in a user namespace the
            // kernel already refuses mknod and opening the host's devices is up to their
            // owners, as for any process of this user.
            let mut r = r.clone();
            r.set_devices(None);
            cg.apply_recorded(&r)
        };
        undo.cgroup = Some(cg.clone());
        applied?;
        early.cgroup = Some(cg.clone());
        undo.state.as_ref().expect("made above").save_marker(&early)?;
    }
    let fifo = match opts.start {
        StartVia::Fifo => {
            let path = undo.state.as_ref().expect("made above").exec_fifo();
            nix::unistd::mkfifo(&path, Mode::from_bits_truncate(0o600)).map_err(sys("mkfifo"))?;
            // Writable by the container user whoever it is: the fifo is reached only through
            // the init's own fd (the state directory is not searchable to it).
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o622))
                .map_err(|e| sys("chmod exec fifo")(Errno::from_raw(e.raw_os_error().unwrap_or(0))))?;
            Some(nix::fcntl::open(&path, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty()).map_err(sys("open exec fifo"))?)
        }
        StartVia::Socket => None,
    };
    let (parent_sock, child_sock) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC).map_err(sys("socketpair"))?;
    let (cg_fd, self_join) = match &cgroup {
        Some(cg) => placement(cg, ns.new_user)?,
        None => (None, Vec::new()),
    };
    // (A joined user namespace is entered after the init moved itself: see init.rs.)
    // Joining a pid namespace only changes where our children go: join it for the clone,
    // and come back right after, so hooks and helpers we spawn later stay in ours.
    let own_pid_ns = match &pid_join {
        Some(fd) => {
            let own = namespaces::open(Path::new("/proc/self/ns/pid"), CloneFlags::CLONE_NEWPID)?;
            setns(fd, CloneFlags::CLONE_NEWPID).map_err(|errno| ContainerError::Namespace { what: "join pid namespace".into(), errno })?;
            Some(own)
        }
        None => None,
    };
    let ctx = init::InitCtx {
        sys: &crate::sys::RealSys,
        spec,
        process,
        rootfs: &bundle.rootfs,
        sock: child_sock.as_fd(),
        fifo: fifo.as_ref().map(|f| f.as_raw_fd()),
        joins: &joins,
        ns: &ns,
        filter: filter.as_ref(),
        die_with_parent: opts.die_with_parent,
        new_keyring: opts.new_keyring,
        preserve_fds: opts.preserve_fds + listen_fds(),
        listen_fds: listen_fds(),
        terminal,
        state_lock: undo.state.as_ref().and_then(|s| s.as_fd()).map(|f| f.as_raw_fd()),
        cgroup_tasks: &self_join,
        bind_trees: &bind_trees,
        detach_binds: ns.new_user && rootless,
        rootfs_tree: rootfs_tree.as_ref().map(|t| t.as_fd()),
        layers: layers.as_ref().filter(|_| rootless),
    };
    let (forked, placed) = clone(ns.clone_flags.bits() as u64, cg_fd.as_ref().map(|f| f.as_raw_fd()))
        .map_err(|errno| ContainerError::Namespace { what: "clone".into(), errno })?;
    let pid = match forked {
        Forked::Child => {
            drop(parent_sock);
            init::child_main(&ctx)
        }
        Forked::Parent(pid) => pid,
    };
    undo.pid = Some(pid);
    if let Some(own) = own_pid_ns {
        setns(own, CloneFlags::CLONE_NEWPID).map_err(|errno| ContainerError::Namespace { what: "return to our pid namespace".into(), errno })?;
    }
    drop(child_sock);
    drop(fifo);
    drop(cg_fd);
    // A new user namespace comes from linux.namespaces, so linux is there.
    if let (true, Some(l)) = (ns.new_user, linux) {
        idmap::write_maps(pid, l.uid_mappings().as_deref().unwrap_or(&[]), l.gid_mappings().as_deref().unwrap_or(&[]))?;
    }
    // Without hooks the child starts its mounts while we move it into its cgroup (a v1 move
    // waits for an RCU grace period); hooks must see it in its cgroup with nothing mounted.
    let has_hooks = spec.hooks().is_some();
    if !has_hooks {
        send_to_child(parent_sock.as_fd(), &Msg::Go).map_err(sys("sync with init"))?;
    }
    if let (Placed::NotPlaced, Some(cgroup)) = (placed, &cgroup) {
        match cgroup.unified_dir() {
            // The init joins the v1 hierarchies itself; only the unified one is left.
            Some(u) if !self_join.is_empty() => std::fs::write(u.join("cgroup.procs"), pid.to_string())
                .map_err(|e| ContainerError::Child { kind: Kind::Cgroup, msg: format!("joining the cgroup {}: {e}", u.display()) })?,
            _ if !self_join.is_empty() => {}
            _ => cgroup.add_pid(pid.as_raw())?,
        }
    }
    let mut record = Record::new(opts.id, pid.as_raw(), &bundle.dir, &bundle.rootfs);
    record.annotations = spec.annotations().clone().unwrap_or_default().into_iter().collect();
    record.hooks = spec.hooks().clone();
    // The namespaces exist and the init waits for Go, before any mount or pivot_root: the
    // moment the runtime spec gives createRuntime hooks (e.g. to plug in the network).
    if let Some(h) = spec.hooks() {
        let state = record.to_hook_state("creating");
        undo.poststop = Some((h.clone(), state.clone()));
        hooks::run_phase(Some(h), hooks::Phase::Prestart, &state)?;
        hooks::run_phase(Some(h), hooks::Phase::CreateRuntime, &state)?;
    }
    if has_hooks {
        send_to_child(parent_sock.as_fd(), &Msg::Go).map_err(sys("sync with init"))?;
    }
    send_to_child(parent_sock.as_fd(), &Msg::Placed).map_err(sys("sync with init"))?;
    let mut pty = None;
    loop {
        if let Some(i) = opts.interrupt {
            if !wait_readable(parent_sock.as_fd(), i)? {
                return Err(ContainerError::Interrupted);
            }
        }
        match recv_msg(parent_sock.as_fd()).map_err(sys("sync with init"))? {
            Some(Msg::Ready) => break,
            Some(Msg::Pty(fd)) => match &console {
                Some(sock) => send_master(sock, &fd)?,
                None => pty = Some(fd),
            },
            Some(Msg::Error { kind, msg }) => return Err(ContainerError::Child { kind, msg }),
            Some(_) => return Err(sys("sync with init")(Errno::EPROTO)),
            None => return Err(ContainerError::ChildDied(describe_exit(pid))),
        }
    }
    let mut ignored: Vec<String> = caps_note.into_iter().chain(spec::ignored(spec)).collect();
    if let (Some(cg), Some(r)) = (&cgroup, resources) {
        ignored.extend(cg.ignored(r));
    }
    record.cgroup = cgroup.clone();
    record.own_pid_ns = ns.new_pid;
    undo.state.as_ref().expect("made above").save(&record)?;
    let state = undo.state.take().expect("state made above");
    undo.cgroup = None;
    undo.pid = None;
    undo.poststop = None;
    Ok(Container { state, record, pid, cgroup, pty, ignored, sync: parent_sock })
}

/// Socket activation: systemd hands us LISTEN_FDS fds from 3 on; they go to the app, whose
/// pid will be 1.
fn listen_fds() -> u32 {
    std::env::var("LISTEN_FDS").ok().and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Waits for `sock`; false when `interrupt` became readable first.
fn wait_readable(sock: std::os::fd::BorrowedFd<'_>, interrupt: std::os::fd::BorrowedFd<'_>) -> Result<bool, ContainerError> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    loop {
        let mut fds = [PollFd::new(sock, PollFlags::POLLIN), PollFd::new(interrupt, PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(sys("poll")(e)),
            Ok(_) => {}
        }
        let ready = |f: &PollFd<'_>| f.revents().is_some_and(|r| !r.is_empty());
        if ready(&fds[0]) {
            return Ok(true);
        }
        if ready(&fds[1]) {
            return Ok(false);
        }
    }
}

fn describe_exit(pid: Pid) -> String {
    match waitpid(pid, None) {
        Ok(WaitStatus::Exited(_, c)) => format!("exit status {c}"),
        Ok(WaitStatus::Signaled(_, s, _)) => format!("killed by {s}"),
        Ok(other) => format!("{other:?}"),
        Err(e) => e.to_string(),
    }
}

impl Container {
    /// `run`: lets the init exec and waits for the outcome (EOF on the close-on-exec socket
    /// means execve succeeded).
    pub fn start(&self) -> Result<(), ContainerError> {
        send_msg(self.sync.as_fd(), &Msg::Start).map_err(sys("start the init"))?;
        match recv_msg(self.sync.as_fd()) {
            Ok(None) => Ok(()),
            Ok(Some(Msg::Error { kind, msg })) => Err(ContainerError::Child { kind, msg }),
            Ok(Some(_)) => Err(sys("sync with init")(Errno::EPROTO)),
            Err(e) => Err(sys("sync with init")(e)),
        }
    }

    /// poststart hooks: failures are only reported (the runtime spec says the app keeps
    /// running and the remaining hooks still run).
    pub fn poststart(&self) -> Vec<ContainerError> {
        poststart(&self.record)
    }

    /// Kills the init if still there and removes the cgroup and the state directory.
    pub fn destroy(self) -> Result<(), ContainerError> {
        let _ = kill(self.pid, Signal::SIGKILL);
        let _ = waitpid(self.pid, None);
        match &self.cgroup {
            Some(cg) => cleanup(self.state, cg),
            None => cleanup_without_cgroup(self.state),
        }
    }
}

/// Runs every poststart hook of a container just started, whatever fails; returns each
/// failure, for the log.
pub fn poststart(record: &Record) -> Vec<ContainerError> {
    if record.hooks.is_none() {
        return Vec::new();
    }
    let state = record.to_hook_state("running");
    hooks::run_phase_each(record.hooks.as_ref(), hooks::Phase::Poststart, &state).into_iter().map(Into::into).collect()
}

/// Removes what a finished container leaves: every process in its cgroup, the cgroup, the
/// state directory; then runs its poststop hooks (all of them, whatever fails: they release
/// what createRuntime hooks made).
pub fn cleanup(state: StateDir, cgroup: &Manager) -> Result<(), ContainerError> {
    let record = state.load().ok();
    let r = cgroup.remove();
    finish(state, record)?;
    r.map_err(ContainerError::from)
}

/// As `cleanup`, for a rootless container that has no cgroup: its pid namespace ends with
/// its init, which the caller has killed.
pub fn cleanup_without_cgroup(state: StateDir) -> Result<(), ContainerError> {
    let record = state.load().ok();
    finish(state, record)
}

fn finish(state: StateDir, record: Option<Record>) -> Result<(), ContainerError> {
    state.remove()?;
    if let Some(rec) = record.filter(|r| r.hooks.is_some()) {
        let _ = hooks::run_phase_all(rec.hooks.as_ref(), hooks::Phase::Poststop, &rec.to_hook_state("stopped"));
    }
    Ok(())
}
