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
/// The slave is given to `owner`, the process's uid, so that a non-root user can use its
/// terminal; its group stays devpts's (`gid=5`, tty), as runc leaves it.
pub fn open_pty(rows: u16, cols: u16, owner: u32) -> Result<Pty, TerminalError> {
    let m = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).map_err(sys("open /dev/ptmx"))?;
    grantpt(&m).map_err(sys("grantpt"))?;
    unlockpt(&m).map_err(sys("unlockpt"))?;
    let slave_path = ptsname_r(&m).map_err(sys("ptsname"))?;
    let slave = open(slave_path.as_str(), OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC, Mode::empty()).map_err(sys("open pty slave"))?;
    match nix::unistd::fchown(&slave, Some(nix::unistd::Uid::from_raw(owner)), None) {
        // Not mapped in a user namespace, or a read-only /dev: the terminal stays root's, as
        // runc leaves it then.
        Ok(()) | Err(Errno::EINVAL | Errno::EPERM | Errno::EROFS) => {}
        Err(e) => return Err(sys("chown pty slave")(e)),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slave_belongs_to_the_processs_user_and_keeps_its_group() {
        // The host's devpts stands in for the container's; giving a file away needs root.
        if !nix::unistd::geteuid().is_root() {
            eprintln!("skipped: needs root to chown the pty");
            return;
        }
        let root = open_pty(0, 0, 0).unwrap();
        let as_root = nix::sys::stat::fstat(&root.slave).unwrap();
        assert_eq!(as_root.st_uid, 0);
        let pty = open_pty(0, 0, 1000).unwrap();
        let st = nix::sys::stat::fstat(&pty.slave).unwrap();
        assert_eq!(st.st_uid, 1000);
        // devpts's group (gid=5 in containers), not the user's.
        assert_eq!(st.st_gid, as_root.st_gid);
    }
}
