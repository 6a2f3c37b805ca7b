//! Child side: a pty from the container's devpts, the slave as controlling terminal and stdio.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt};
use nix::sys::stat::Mode;

use super::TerminalError;

pub struct Pty {
    pub master: OwnedFd,
    pub slave: OwnedFd,
    pub slave_path: String,
}

fn sys(what: &'static str) -> impl FnOnce(Errno) -> TerminalError {
    move |errno| TerminalError::Sys { what, errno }
}

/// Must run after pivot_root: /dev/ptmx then leads to the container's devpts instance.
pub fn open_pty(rows: u16, cols: u16) -> Result<Pty, TerminalError> {
    let m = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).map_err(sys("open /dev/ptmx"))?;
    grantpt(&m).map_err(sys("grantpt"))?;
    unlockpt(&m).map_err(sys("unlockpt"))?;
    let slave_path = ptsname_r(&m).map_err(sys("ptsname"))?;
    let slave = open(slave_path.as_str(), OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC, Mode::empty()).map_err(sys("open pty slave"))?;
    // SAFETY: PtyMaster gives up ownership of its fd.
    let master = unsafe { OwnedFd::from_raw_fd(std::os::fd::IntoRawFd::into_raw_fd(m)) };
    if rows > 0 || cols > 0 {
        super::set_winsize(slave.as_fd(), rows, cols).map_err(sys("TIOCSWINSZ"))?;
    }
    Ok(Pty { master, slave, slave_path })
}

/// In a new session (setsid already done): the slave becomes the controlling terminal and
/// fds 0, 1 and 2.
pub fn make_controlling(slave: &OwnedFd) -> Result<(), TerminalError> {
    let rc = unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) };
    Errno::result(rc).map_err(sys("TIOCSCTTY"))?;
    for fd in 0..3 {
        let rc = unsafe { libc::dup2(slave.as_raw_fd(), fd) };
        Errno::result(rc).map_err(sys("dup2 pty slave"))?;
    }
    Ok(())
}
