//! The monitor of a detached container: the small process that stays the container init's
//! parent, copies its output into a log file, records how it ended and carries out the
//! restart policy. It lives as long as the container, so what it keeps resident is a budget:
//! no threads, fixed buffers, and nothing loaded that the wait loop does not use.

pub mod logfile;
pub mod restart;
pub mod status;
pub mod supervise;
pub mod trim;

use std::path::PathBuf;

use nix::errno::Errno;

use crate::kind::Kind;

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("{what} {path}: {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{what}: {errno}")]
    Sys { what: &'static str, errno: Errno },
    #[error("invalid restart policy {0:?}: use no, always, unless-stopped or on-failure[:N]")]
    BadPolicy(String),
}

impl MonitorError {
    pub fn kind(&self) -> Kind {
        match self {
            MonitorError::BadPolicy(_) => Kind::Config,
            MonitorError::Io { .. } => Kind::State,
            MonitorError::Sys { .. } => Kind::Internal,
        }
    }
}

pub(crate) fn io<'p>(what: &'static str, path: &'p std::path::Path) -> impl FnOnce(std::io::Error) -> MonitorError + 'p {
    move |source| MonitorError::Io { what, path: path.to_path_buf(), source }
}
