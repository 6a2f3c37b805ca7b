//! `exec [--process FILE] [-t] [--console-socket P] [--cwd D] [--env K=V] [--user U[:G]] ID CMD...`:
//! a new process in a running container. The mechanics (namespaces, cgroup, the privilege
//! drop) are core's tenant path (`tsc_box_core::container::tenant`); this command plans the
//! process from its flags, relays stdio and signals, and answers with the process's exit
//! status (126/127 when it cannot be run).

use std::os::fd::AsFd;
use std::path::PathBuf;
use std::str::FromStr;

use nix::errno::Errno;
use nix::sys::signal::SigSet;
use nix::sys::signalfd::{SfdFlags, SignalFd};
use tsc_box_cgroups::oci_spec::runtime::{Capabilities, Capability, LinuxNamespaceType, Process, Spec, User};
use tsc_box_core::container::tenant::{self, Tenant, TenantError};
use tsc_box_core::kind::Kind;
use tsc_box_core::security::seccomp::{self, SeccompError};
use tsc_box_core::spec::{self, SpecError};
use tsc_box_core::state::{StateDir, StateError, Status};
use tsc_box_core::terminal::{connect_console, copy_winsize, RawMode, TerminalError};

use super::{write_pid_file, Global};
use crate::error::CmdError;
use crate::relay;

/// runc 1.1's `exec` flags, with runc's meaning.
#[derive(clap::Args, Debug, Default)]
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
    /// Supplementary group ids of the process (runc's --additional-gids; repeatable).
    #[arg(short = 'g', long = "additional-gids")]
    pub additional_gids: Vec<u32>,
    /// Do not wait for the process.
    #[arg(short = 'd', long)]
    pub detach: bool,
    #[arg(long = "pid-file")]
    pub pid_file: Option<PathBuf>,
    /// Pass N extra fds (3 .. 3+N-1) to the process.
    #[arg(long = "preserve-fds", default_value_t = 0)]
    pub preserve_fds: u32,
    /// A capability added to the bounding, effective, permitted and ambient sets (repeatable).
    #[arg(short = 'c', long = "cap")]
    pub cap: Vec<String>,
    /// Set no_new_privs for the process.
    #[arg(long = "no-new-privs")]
    pub no_new_privs: bool,
    /// AppArmor profile: refused, AppArmor is not supported (as in config.json).
    #[arg(long)]
    pub apparmor: Option<String>,
    /// SELinux label: refused, SELinux is not supported (as in config.json).
    #[arg(long = "process-label")]
    pub process_label: Option<String>,
    /// Run the process in an existing sub-cgroup of the container: [CONTROLLERS:]PATH.
    #[arg(long)]
    pub cgroup: Vec<String>,
    /// Allow exec in a paused container.
    #[arg(long = "ignore-paused")]
    pub ignore_paused: bool,
    /// The front door's `-u`: the user replaces the process's whole identity (its groups
    /// come from the image's files, not from the container's config). Not a flag.
    #[arg(skip)]
    pub replace_user: bool,
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
    Seccomp(#[from] SeccompError),
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    #[error(transparent)]
    Tenant(#[from] TenantError),
    #[error("{0}")]
    Config(String),
    #[error("{what}: {errno}")]
    Sys { what: &'static str, errno: Errno },
}

impl ExecError {
    pub fn kind(&self) -> Kind {
        match self {
            ExecError::State(e) => e.kind(),
            ExecError::Spec(e) => e.kind(),
            ExecError::Seccomp(SeccompError::Profile { .. } | SeccompError::TooLarge(_)) => Kind::Config,
            ExecError::Seccomp(_) => Kind::Process,
            ExecError::Terminal(e) => e.kind(),
            ExecError::Tenant(e) => e.kind(),
            ExecError::Config(_) => Kind::Config,
            ExecError::Sys { .. } => Kind::Internal,
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

/// runc's `--cgroup` values: one PATH for every hierarchy, or CONTROLLERS:PATH entries
/// (comma-separated controllers); None without the flag.
type SubCgroup = (Option<Vec<String>>, String);

fn sub_cgroup(args: &[String]) -> Result<Option<SubCgroup>, ExecError> {
    let mut path: Option<String> = None;
    let mut controllers = Vec::new();
    for arg in args {
        match arg.split_once(':') {
            None if args.len() == 1 => return Ok(Some((None, arg.clone()))),
            None => return Err(ExecError::Config(format!("invalid --cgroup {arg:?}: several --cgroup need the CONTROLLERS:PATH form"))),
            Some((_, rest)) if rest.contains(':') => return Err(ExecError::Config(format!("invalid --cgroup {arg:?}"))),
            Some((cs, p)) => {
                // One sub-cgroup name for all the controllers listed: the container's cgroup is
                // one path in every hierarchy.
                if path.as_ref().is_some_and(|q| q != p) {
                    return Err(ExecError::Config(format!("--cgroup {arg:?}: tsc-box takes one sub-cgroup path for all controllers")));
                }
                path = Some(p.to_string());
                controllers.extend(cs.split(',').map(str::to_string));
            }
        }
    }
    Ok(path.map(|p| (Some(controllers), p)))
}

/// An OCI process document as runc reads one: `user` may be left out and means root (uid
/// and gid 0), as it does in runc's Go struct; everything else is as the spec says.
fn process_document(bytes: &[u8]) -> Result<Process, serde_json::Error> {
    let mut doc: serde_json::Value = serde_json::from_slice(bytes)?;
    if let Some(o) = doc.as_object_mut() {
        o.entry("user").or_insert_with(|| serde_json::json!({"uid": 0, "gid": 0}));
    }
    serde_json::from_value(doc)
}

/// The process to run: the --process document, or the container's own process with the
/// command and flags applied (its capabilities, no_new_privs and rlimits stay).
fn plan_process(own: &Process, a: &ExecArgs) -> Result<Process, ExecError> {
    if let Some(p) = &a.process {
        let bytes = std::fs::read(p).map_err(|e| ExecError::Config(format!("--process {}: {e}", p.display())))?;
        return process_document(&bytes).map_err(|e| ExecError::Config(format!("--process {}: {e}", p.display())));
    }
    if a.command.is_empty() {
        return Err(ExecError::Config("exec needs a command".into()));
    }
    let mut p = own.clone();
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
        if a.replace_user {
            let mut user = User::default();
            user.set_uid(uid);
            user.set_gid(gid.unwrap_or(0));
            user.set_umask(p.user().umask());
            p.set_user(user);
        } else {
            // runc: the uid (and the gid when given) replace the config's; the rest stays.
            let mut user = p.user().clone();
            user.set_uid(uid);
            if let Some(g) = gid {
                user.set_gid(g);
            }
            p.set_user(user);
        }
    }
    if !a.additional_gids.is_empty() {
        // Added to the process's own, as runc does (the front door's user has none).
        let mut user = p.user().clone();
        let mut gids = user.additional_gids().clone().unwrap_or_default();
        gids.extend(&a.additional_gids);
        user.set_additional_gids(Some(gids));
        p.set_user(user);
    }
    if !a.cap.is_empty() {
        let mut caps = p.capabilities().clone().unwrap_or_default();
        let add = |set: Option<&Capabilities>| -> Result<Capabilities, ExecError> {
            let mut set = set.cloned().unwrap_or_default();
            for c in &a.cap {
                let name = c.to_ascii_uppercase();
                let name = name.strip_prefix("CAP_").unwrap_or(&name);
                let cap = Capability::from_str(name).map_err(|_| ExecError::Config(format!("--cap {c:?} is not a capability")))?;
                set.insert(cap);
            }
            Ok(set)
        };
        caps.set_bounding(Some(add(caps.bounding().as_ref())?));
        caps.set_effective(Some(add(caps.effective().as_ref())?));
        caps.set_permitted(Some(add(caps.permitted().as_ref())?));
        caps.set_ambient(Some(add(caps.ambient().as_ref())?));
        p.set_capabilities(Some(caps));
    }
    if a.no_new_privs {
        p.set_no_new_privileges(Some(true));
    }
    if let Some(l) = a.apparmor.as_ref().filter(|l| !l.is_empty()) {
        p.set_apparmor_profile(Some(l.clone()));
    }
    if let Some(l) = a.process_label.as_ref().filter(|l| !l.is_empty()) {
        p.set_selinux_label(Some(l.clone()));
    }
    Ok(p)
}

pub fn run(g: &Global<'_>, a: &ExecArgs) -> Result<i32, CmdError> {
    Ok(exec(g, a, None)?)
}

/// `run` for `tsc-box exec` (the front door): a process without -t that would inherit the
/// caller's terminal gets pipes instead, relayed here (relay::Pipes); stdin too when `stdin`
/// (-i). Not with --detach: nothing would be left to relay (the front gives it /dev/null).
pub fn run_relaying_terminals(g: &Global<'_>, a: &ExecArgs, stdin: bool) -> Result<i32, CmdError> {
    Ok(exec(g, a, (!a.tty && !a.detach).then_some(stdin))?)
}

/// `relay_stdin`: Some(relay stdin too) to put pipes in place of the caller's terminal.
fn exec(g: &Global<'_>, a: &ExecArgs, relay_stdin: Option<bool>) -> Result<i32, ExecError> {
    let dir = StateDir::open_unlocked(&g.root, &a.id)?;
    let rec = dir.load()?;
    let status = dir.status(&rec);
    // A created container's init already sits in its namespaces and cgroup, waiting for
    // `start`: runc execs into it too (runc's suite: "runc create exec").
    if !matches!(status, Status::Running | Status::Created) {
        return Err(StateError::WrongStatus { id: a.id.clone(), status, need: "exec needs a created or running container" }.into());
    }
    if !a.ignore_paused && super::state::paused(&rec) {
        return Err(ExecError::State(StateError::Paused { id: a.id.clone() }));
    }
    let sub_cgroup = match (&rec.cgroup, sub_cgroup(&a.cgroup)?) {
        (Some(cg), Some((controllers, rel))) => Some(cg.sub(controllers.as_deref(), &rel).map_err(|e| ExecError::Config(e.to_string()))?),
        (None, Some(_)) => return Err(ExecError::Config(format!("--cgroup: container {:?} has no cgroup", a.id))),
        _ => None,
    };
    let bundle = spec::load(&rec.bundle)?;
    let spec: &Spec = &bundle.spec;
    let process = plan_process(&bundle.process, a)?;
    let joins_user_ns = spec.linux().as_ref().and_then(|l| l.namespaces().as_ref()).is_some_and(|ns| ns.iter().any(|n| n.typ() == LinuxNamespaceType::User));
    let (fewer_caps, caps_note) = tsc_box_core::process::caps::without_unavailable(&process, joins_user_ns);
    if let Some(w) = caps_note {
        g.log.warn(&w);
    }
    let process = fewer_caps.unwrap_or(process);
    // As in config.json (spec::validate): no LSM is applied, so asking for one is refused.
    if process.apparmor_profile().as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(ExecError::Config("process.apparmorProfile: AppArmor is not supported".into()));
    }
    if process.selinux_label().as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(ExecError::Config("process.selinuxLabel: SELinux is not supported".into()));
    }
    let terminal = process.terminal().unwrap_or(false);
    let console = match (&a.console_socket, terminal) {
        (Some(p), true) => Some(connect_console(p)?),
        (None, true) if a.detach => return Err(ExecError::Config("-t with --detach needs --console-socket".into())),
        _ => None,
    };
    let filter = match spec.linux().as_ref().and_then(|l| l.seccomp().as_ref()) {
        Some(p) => Some(seccomp::prepare(p, Some(&g.root.join("seccomp")))?),
        None => None,
    };
    let mask = if a.detach { SigSet::empty() } else { relay::block_relayed_signals().map_err(sys("sigprocmask"))? };
    let sfd = if a.detach { None } else { Some(SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK).map_err(sys("signalfd"))?) };
    // Right before the start, and back right after it (Pipes::restore, also on failure): what
    // this process reports goes to the caller's terminal, never into a pipe nobody reads.
    let mut pipes = match relay_stdin {
        Some(stdin) if sfd.is_some() => relay::Pipes::attach(stdin).map_err(sys("stdio pipes"))?,
        _ => None,
    };
    let started = tenant::start(&Tenant {
        id: &a.id,
        rec: &rec,
        spec,
        process: &process,
        filter: filter.as_ref(),
        console: console.as_ref(),
        preserve_fds: a.preserve_fds,
        cgroup: sub_cgroup.as_ref(),
    });
    if let Some(p) = pipes.as_mut() {
        p.restore();
    }
    let started = started?;
    let pid = started.pid;
    if let Some(p) = &a.pid_file {
        write_pid_file(p, pid.as_raw()).map_err(|e| ExecError::Config(e.to_string()))?;
    }
    let Some(sfd) = sfd else { return Ok(0) };
    if let Some(p) = pipes {
        return relay::wait_piped(pid, &sfd, p).map_err(sys("waiting for the process"));
    }
    let stdin = std::io::stdin();
    let stdin_tty = nix::unistd::isatty(stdin.as_fd()).unwrap_or(false);
    let raw = match &started.pty {
        Some(m) if stdin_tty => {
            let _ = copy_winsize(stdin.as_fd(), m.as_fd());
            RawMode::enter(stdin.as_fd()).ok()
        }
        _ => None,
    };
    let r = relay::wait(pid, &sfd, started.pty.as_ref(), stdin_tty);
    drop(raw);
    r.map_err(sys("waiting for the process"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_document_without_user_runs_as_root() {
        let p = process_document(br#"{"args":["true"],"cwd":"/"}"#).unwrap();
        assert_eq!((p.user().uid(), p.user().gid()), (0, 0));
        let p = process_document(br#"{"args":["true"],"cwd":"/","user":{"uid":5,"gid":6}}"#).unwrap();
        assert_eq!((p.user().uid(), p.user().gid()), (5, 6));
        assert!(process_document(b"[]").is_err());
    }

    #[test]
    fn users_are_numeric() {
        assert_eq!(parse_user("1000").unwrap(), (1000, None));
        assert_eq!(parse_user("1000:100").unwrap(), (1000, Some(100)));
        assert!(parse_user("app").is_err());
        assert!(parse_user("1:x").is_err());
    }
}
