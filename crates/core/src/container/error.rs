//! The one error type of container creation, with the stable kind each failure maps to.

use nix::errno::Errno;
use tsc_box_cgroups::ManagerError;

use crate::kind::Kind;
use crate::layers::LayersError;
use crate::process::ProcessError;
use crate::rootfs::RootfsError;
use crate::security::seccomp::SeccompError;
use crate::spec::SpecError;
use crate::state::StateError;
use crate::terminal::TerminalError;

use super::hooks;

#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Rootfs(#[from] RootfsError),
    #[error(transparent)]
    Layers(#[from] LayersError),
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    #[error(transparent)]
    Seccomp(#[from] SeccompError),
    #[error(transparent)]
    Hook(#[from] hooks::HookError),
    #[error("cgroup: {0}")]
    Cgroup(#[from] ManagerError),
    #[error("resource limits were asked for, but this user may not create the cgroup {path}. Limits without root need cgroup v2 and a delegated subtree: as root, create a cgroup directory (e.g. mkdir /sys/fs/cgroup/tsc-box-$USER), enable the controllers in its parent's cgroup.subtree_control, chown the directory and its cgroup.procs, cgroup.subtree_control and cgroup.threads to the user, move the user's shell into a leaf cgroup below it, and pass --cgroup-parent with the directory's path (systemd: `systemd-run --user --scope -p Delegate=yes tsc-box run --cgroup-parent ...`); or run without limits")]
    LimitsNeedDelegation { path: String },
    #[error("namespace {what}: {errno}")]
    Namespace { what: String, errno: Errno },
    #[error("linux.namespaces: the path {path} given for the {typ} namespace is {why}, not a {typ} namespace file: give a /proc/PID/ns/{typ} file or a bind mount of one")]
    NotNamespace { path: String, typ: &'static str, why: String },
    #[error("user namespace: {0}")]
    User(String),
    #[error("{what}: {errno}")]
    Sys { what: &'static str, errno: Errno },
    /// An error the init reported from inside the container.
    #[error("{msg}")]
    Child { kind: Kind, msg: String },
    #[error("the container init died during setup ({0})")]
    ChildDied(String),
    #[error("interrupted by a signal while the container was being set up")]
    Interrupted,
    #[error("process.terminal is set: --console-socket is required when the runtime does not stay in the foreground")]
    NeedConsoleSocket,
}

impl ContainerError {
    pub fn kind(&self) -> Kind {
        match self {
            ContainerError::Spec(e) => e.kind(),
            ContainerError::State(e) => e.kind(),
            ContainerError::Rootfs(e) => e.kind(),
            ContainerError::Layers(e) => e.kind(),
            ContainerError::Process(e) => e.kind(),
            ContainerError::Terminal(e) => e.kind(),
            ContainerError::Seccomp(SeccompError::Profile { .. } | SeccompError::TooLarge(_)) => Kind::Config,
            ContainerError::Seccomp(_) => Kind::Process,
            ContainerError::Hook(e) => e.kind(),
            ContainerError::Cgroup(e) if e.is_invalid_input() => Kind::Config,
            ContainerError::Cgroup(_) | ContainerError::LimitsNeedDelegation { .. } => Kind::Cgroup,
            ContainerError::Namespace { .. } => Kind::Namespace,
            ContainerError::NotNamespace { .. } => Kind::Config,
            ContainerError::User(_) => Kind::User,
            ContainerError::Sys { .. } => Kind::Internal,
            ContainerError::Child { kind, .. } => *kind,
            ContainerError::ChildDied(_) => Kind::Process,
            ContainerError::NeedConsoleSocket => Kind::Config,
            ContainerError::Interrupted => Kind::Process,
        }
    }
}
