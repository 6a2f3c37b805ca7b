//! The container process's own settings, applied by the init child on itself: identity,
//! capabilities, rlimits, sysctls, loopback, and the final execve.

pub mod caps;
pub mod exec;
pub mod identity;
pub mod launch;
pub mod limits;
pub mod network;

use std::path::PathBuf;

use nix::errno::Errno;

use crate::kind::Kind;

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("{what}: {errno}")]
    Sys { what: String, errno: Errno },
    #[error("capability {0} is not known to this kernel or library")]
    UnknownCap(String),
    #[error("capabilities: {0}")]
    Caps(String),
    #[error("user {what}: {errno}")]
    User { what: String, errno: Errno },
    #[error("{}: executable file not found in $PATH", .0)]
    NotFound(String),
    #[error("{path}: cannot execute: {errno}")]
    NotExecutable { path: PathBuf, errno: Errno },
    #[error("process.cwd {path}: {errno}")]
    Cwd { path: PathBuf, errno: Errno },
    #[error(transparent)]
    Seccomp(#[from] crate::security::seccomp::SeccompError),
}

impl ProcessError {
    pub fn kind(&self) -> Kind {
        match self {
            ProcessError::NotFound(_) => Kind::NotFound,
            ProcessError::NotExecutable { errno, .. } => exec_kind(*errno),
            ProcessError::User { .. } | ProcessError::Cwd { .. } => Kind::User,
            ProcessError::Seccomp(crate::security::seccomp::SeccompError::Profile { .. } | crate::security::seccomp::SeccompError::TooLarge(_)) => Kind::Config,
            _ => Kind::Process,
        }
    }

    pub(crate) fn sys(what: impl Into<String>) -> impl FnOnce(Errno) -> ProcessError {
        let what = what.into();
        move |errno| ProcessError::Sys { what, errno }
    }
}

/// How an execve errno maps to the CLI's 127/126 (like a shell).
pub fn exec_kind(errno: Errno) -> Kind {
    match errno {
        Errno::ENOENT | Errno::ENOTDIR => Kind::NotFound,
        Errno::EACCES | Errno::ENOEXEC | Errno::EISDIR | Errno::EPERM | Errno::ETXTBSY => Kind::Permission,
        _ => Kind::Process,
    }
}
