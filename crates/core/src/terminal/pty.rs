//! Child side: a pty from the container's devpts, the slave as controlling terminal and stdio.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};

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
    let master = OwnedFd::from(m);
    if rows > 0 || cols > 0 {
        super::set_winsize(slave.as_fd(), rows, cols).map_err(sys("TIOCSWINSZ"))?;
    }
    Ok(Pty { master, slave, slave_path })
}

/// In a new session (setsid already done): the slave becomes the controlling terminal and
/// fds 0, 1 and 2.
pub fn make_controlling(slave: &OwnedFd) -> Result<(), TerminalError> {
    // nix has no TIOCSCTTY wrapper.
    // SAFETY: `slave` is an fd we own, open for the call; TIOCSCTTY takes an int argument (0:
    // do not steal a terminal that is another session's), no pointer.
    let rc = unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) };
    Errno::result(rc).map_err(sys("TIOCSCTTY"))?;
    nix::unistd::dup2_stdin(slave).map_err(sys("dup2 pty slave"))?;
    nix::unistd::dup2_stdout(slave).map_err(sys("dup2 pty slave"))?;
    nix::unistd::dup2_stderr(slave).map_err(sys("dup2 pty slave"))?;
    Ok(())
}
