//! The monitor's wait loop: one poll over a signalfd (SIGCHLD) and the container's output
//! (two pipes, or the pty master of a `-t` container), until the init exits. A fixed stack
//! buffer, no threads: this loop is what stays resident for each detached container.

use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{read, Pid};

use super::logfile::{LogFile, Stream};
use super::trim::Trimmer;
use super::MonitorError;

/// What the monitor watches.
pub struct Watch {
    pub pid: Pid,
    pub stdout: Option<OwnedFd>,
    pub stderr: Option<OwnedFd>,
}

/// Signals the monitor holds back: SIGCHLD reaches it through the signalfd; the others must
/// not end it (a stray SIGTERM to the monitor would orphan the container's exit status).
/// Blocked, not ignored: an ignored disposition would survive into a restarted init.
pub fn block_signals() -> Result<SignalFd, MonitorError> {
    let sys = |what| move |errno| MonitorError::Sys { what, errno };
    let mut all = SigSet::empty();
    for s in [Signal::SIGCHLD, Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP, Signal::SIGQUIT, Signal::SIGUSR1, Signal::SIGUSR2, Signal::SIGPIPE] {
        all.add(s);
    }
    all.thread_block().map_err(sys("sigprocmask"))?;
    let mut chld = SigSet::empty();
    chld.add(Signal::SIGCHLD);
    SignalFd::with_flags(&chld, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK).map_err(sys("signalfd"))
}

/// The shell convention: the status, or 128+N when killed by signal N.
pub fn status_code(ws: WaitStatus) -> Option<i32> {
    match ws {
        WaitStatus::Exited(_, c) => Some(c),
        WaitStatus::Signaled(_, s, _) => Some(128 + s as i32),
        _ => None,
    }
}

/// The exit status of `pid` if it has ended (reaping it), None while it runs. Shared with the
/// runtime's foreground relay.
pub fn reap(pid: Pid) -> Result<Option<i32>, Errno> {
    loop {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => return Ok(None),
            Ok(ws) => {
                if let Some(c) = status_code(ws) {
                    return Ok(Some(c));
                }
            }
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(errno),
        }
    }
}

fn reaped(pid: Pid) -> Result<Option<i32>, MonitorError> {
    reap(pid).map_err(|errno| MonitorError::Sys { what: "waitpid", errno })
}

/// Copies what is readable now; false once the stream ended.
fn pump(fd: &OwnedFd, stream: Stream, buf: &mut [u8], log: &mut LogFile) -> bool {
    loop {
        match read(fd, buf) {
            Ok(0) => return false,
            // A log that cannot be written must not stop the supervision.
            Ok(n) => {
                let _ = log.write(stream, &buf[..n]);
            }
            Err(Errno::EINTR) => continue,
            Err(Errno::EAGAIN) => return true,
            // EIO: the pty's last holder closed it.
            Err(_) => return false,
        }
    }
}

/// Waits for the init, logging its output; returns its exit status.
pub fn wait(w: Watch, sfd: &SignalFd, log: &mut LogFile, trim: &mut Trimmer) -> Result<i32, MonitorError> {
    let mut streams: [(Option<OwnedFd>, Stream); 2] = [(w.stdout, Stream::Stdout), (w.stderr, Stream::Stderr)];
    for (fd, _) in streams.iter().filter_map(|(f, s)| f.as_ref().map(|f| (f, s))) {
        fcntl(fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).map_err(|errno| MonitorError::Sys { what: "fcntl", errno })?;
    }
    let mut buf = [0u8; 8192];
    // The init may be gone already (it exited before the signalfd existed).
    if let Some(code) = reaped(w.pid)? {
        drain(&mut streams, &mut buf, log);
        return Ok(code);
    }
    loop {
        let (ready_sig, ready) = {
            let mut fds =
                [PollFd::new(sfd.as_fd(), PollFlags::POLLIN), PollFd::new(sfd.as_fd(), PollFlags::empty()), PollFd::new(sfd.as_fd(), PollFlags::empty())];
            let mut n = 1;
            let mut which = [usize::MAX; 2];
            for (i, (fd, _)) in streams.iter().enumerate() {
                if let Some(fd) = fd {
                    fds[n] = PollFd::new(fd.as_fd(), PollFlags::POLLIN);
                    which[i] = n;
                    n += 1;
                }
            }
            // A release put off (output came too soon after the last one) bounds the sleep,
            // so that the monitor releases once the output stops instead of sleeping on it.
            let timeout = match trim.release() {
                None => PollTimeout::NONE,
                Some(wait) => PollTimeout::try_from(wait.as_millis().max(1)).unwrap_or(PollTimeout::MAX),
            };
            match poll(&mut fds[..n], timeout) {
                Err(Errno::EINTR) => continue,
                r => r.map_err(|errno| MonitorError::Sys { what: "poll", errno })?,
            };
            let hit = |i: usize| fds[i].revents().is_some_and(|r| !r.is_empty());
            (hit(0), [which[0] != usize::MAX && hit(which[0]), which[1] != usize::MAX && hit(which[1])])
        };
        for (i, (fd, stream)) in streams.iter_mut().enumerate() {
            if ready[i] && !pump(fd.as_ref().expect("polled"), *stream, &mut buf, log) {
                *fd = None;
            }
        }
        if ready_sig {
            while let Ok(Some(_)) = sfd.read_signal() {}
            if let Some(code) = reaped(w.pid)? {
                drain(&mut streams, &mut buf, log);
                return Ok(code);
            }
        }
    }
}

/// Output written just before the exit is still in the pipes.
fn drain(streams: &mut [(Option<OwnedFd>, Stream); 2], buf: &mut [u8], log: &mut LogFile) {
    for (fd, stream) in streams.iter_mut() {
        if let Some(f) = fd.take() {
            pump(&f, *stream, buf, log);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::signal::Signal;
    use nix::unistd::Pid;

    #[test]
    fn exit_codes_follow_the_shell() {
        let p = Pid::from_raw(1);
        assert_eq!(status_code(WaitStatus::Exited(p, 3)), Some(3));
        assert_eq!(status_code(WaitStatus::Signaled(p, Signal::SIGKILL, false)), Some(137));
        assert_eq!(status_code(WaitStatus::Signaled(p, Signal::SIGTERM, true)), Some(143));
        assert_eq!(status_code(WaitStatus::StillAlive), None);
    }
}
