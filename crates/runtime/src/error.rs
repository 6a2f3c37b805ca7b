//! The runtime commands' error: whatever failed, with the stable kind the JSON log carries.

use tsc_box_core::container::ContainerError;
use tsc_box_core::kind::Kind;
use tsc_box_core::signal::SignalError;
use tsc_box_core::state::StateError;

#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Signal(#[from] SignalError),
    #[error("cgroup: {0}")]
    Cgroup(#[from] tsc_box_cgroups::ManagerError),
    #[error("{msg}")]
    Other { kind: Kind, msg: String },
}

impl CmdError {
    pub fn other(kind: Kind, msg: impl Into<String>) -> CmdError {
        CmdError::Other { kind, msg: msg.into() }
    }

    pub fn kind(&self) -> Kind {
        match self {
            CmdError::Container(e) => e.kind(),
            CmdError::State(e) => e.kind(),
            CmdError::Signal(_) => Kind::Config,
            CmdError::Cgroup(_) => Kind::Cgroup,
            CmdError::Other { kind, .. } => *kind,
        }
    }

    /// 127/126 for a command that cannot be found or run, 1 for everything else (like runc).
    pub fn exit_status(&self) -> i32 {
        self.kind().exit_status()
    }
}
