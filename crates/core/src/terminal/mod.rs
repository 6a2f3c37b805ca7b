//! process.terminal: the pty is allocated inside the container (from its own devpts), its
//! master handed to the parent, which passes it on to a `--console-socket` or proxies it.

mod host;
mod pty;

pub use host::{copy_winsize, set_winsize, RawMode};
pub use pty::{make_controlling, open_pty, Pty};

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;

use nix::errno::Errno;

use crate::kind::Kind;

#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("{what}: {errno}")]
    Sys { what: &'static str, errno: Errno },
    #[error("console socket {path}: {source}")]
    Socket { path: String, source: std::io::Error },
}

impl TerminalError {
    pub fn kind(&self) -> Kind {
        Kind::Process
    }
}

/// Connects to the `--console-socket` listener (early, so a bad path fails before anything
/// is created).
pub fn connect_console(path: &Path) -> Result<UnixStream, TerminalError> {
    UnixStream::connect(path).map_err(|source| TerminalError::Socket { path: path.display().to_string(), source })
}

/// Sends the master to the listener with SCM_RIGHTS, as runc does.
pub fn send_master(sock: &UnixStream, master: &OwnedFd) -> Result<(), TerminalError> {
    crate::sys::fdpass::send_fd(sock.as_fd(), b"/dev/ptmx", master.as_raw_fd()).map_err(|errno| TerminalError::Sys { what: "send pty master", errno })
}
