//! Helper processes that must live exactly as long as a container's init (the [::1] port
//! proxy, slirp4netns): each waits on a pidfd of the init, which becomes readable when the
//! init exits, and ends then. Nothing has to find and kill them afterwards, and no path (rm -f,
//! a SIGKILLed tsc-box, a crashed monitor) can leave one behind: the kernel reports the exit.
//! A program that only knows "exit when this fd hangs up" (slirp4netns's --exit-fd) gets the
//! read end of a pipe whose write end a watcher holds until the pidfd fires (`watch`): a pidfd
//! itself reports a hang-up only once the init is reaped, and only on kernels from 6.9.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use nix::errno::Errno;

#[derive(Debug, thiserror::Error)]
pub enum CompanionError {
    #[error("pidfd_open of the container's init (pid {pid}): {errno}")]
    Pidfd { pid: i32, errno: Errno },
    #[error("starting {what}: {source}")]
    Spawn { what: String, source: std::io::Error },
}

/// A pidfd of `pid` (close-on-exec, as every fd of this process).
pub fn pidfd_open(pid: i32) -> Result<OwnedFd, CompanionError> {
    // nix has no pidfd_open.
    // SAFETY: pidfd_open takes a pid and flags by value and no pointers; any pid is a valid
    // argument (a wrong one is an error return).
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    Errno::result(raw as i32)
        // SAFETY: Errno::result passed on only a non-negative return, a pidfd the call above has
        // just created and nothing else owns, so the OwnedFd is its only owner.
        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
        .map_err(|errno| CompanionError::Pidfd { pid, errno })
}

/// Starts `cmd` in a session of its own (a signal to the caller's process group does not
/// reach it), its stdio on /dev/null (a hook's output pipes must reach EOF when the hook
/// ends, not when its companion does), with each `(fd, target)` of `fds` at the
/// number `target` in the child; every other fd of ours stays behind (close-on-exec).
pub fn spawn(cmd: &mut Command, what: &str, fds: &[(RawFd, RawFd)]) -> Result<std::process::Child, CompanionError> {
    let fds = fds.to_vec();
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // work is sound (another thread of ours may have held a lock at the fork). It calls only
    // setsid, dup2 and close, and builds io::Errors from errno codes, which does not allocate;
    // it reads `fds`, moved in and allocated before the fork, without allocating. dup2 and
    // close take plain fd numbers (a bad one is an error return), and the close is of a
    // base + i duplicate the child has just made and nothing else in it owns.
    unsafe {
        cmd.pre_exec(move || {
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            // Two steps (above any target first) so that one mapping never overwrites the
            // source of another.
            let base = 100;
            for (i, (src, _)) in fds.iter().enumerate() {
                if libc::dup2(*src, base + i as RawFd) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for (i, (_, dst)) in fds.iter().enumerate() {
                // dup2 leaves the new fd without close-on-exec: the child keeps it.
                if libc::dup2(base + i as RawFd, *dst) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(base + i as RawFd);
            }
            Ok(())
        });
    }
    cmd.spawn().map_err(|source| CompanionError::Spawn { what: what.to_string(), source })
}

/// A pipe whose ends are closed on exec (only what `spawn` maps is inherited).
pub fn pipe() -> Result<(OwnedFd, OwnedFd), CompanionError> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|source| CompanionError::Spawn { what: "a pipe".into(), source: source.into() })
}

/// Starts `tsc-box-runtime exit-watch`: it holds `hold` (a pipe's write end) until the process
/// behind `pidfd` exits, so that the pipe's read end hangs up then.
pub fn watch(pidfd: &OwnedFd, hold: &OwnedFd) -> Result<(), CompanionError> {
    use std::os::fd::AsRawFd;
    let exe = std::fs::read_link("/proc/self/exe").map_err(|source| CompanionError::Spawn { what: "/proc/self/exe".into(), source })?;
    let mut cmd = Command::new(exe);
    cmd.arg0("tsc-box-exit-watch").args(["helper", "exit-watch", "--pidfd", "3"]);
    spawn(&mut cmd, "the exit watcher", &[(pidfd.as_raw_fd(), 3), (hold.as_raw_fd(), 4)]).map(drop)
}

/// Blocks until the process behind `pidfd` has exited.
pub fn wait_exit(pidfd: &OwnedFd) {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    loop {
        let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(n) if n > 0 => return,
            Err(Errno::EINTR) | Ok(_) => continue,
            // A pidfd that cannot be polled: nothing left to wait for.
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn pidfd_reports_the_exit() {
        let mut child = Command::new("sleep").arg("0.2").spawn().unwrap();
        let fd = pidfd_open(child.id() as i32).unwrap();
        let t = std::time::Instant::now();
        wait_exit(&fd);
        assert!(t.elapsed() >= std::time::Duration::from_millis(150));
        child.wait().unwrap();
        assert!(matches!(pidfd_open(i32::MAX), Err(CompanionError::Pidfd { .. })));
    }

    #[test]
    fn spawn_maps_fds_and_detaches() {
        let (r, w) = pipe().unwrap();
        // The child writes its session id and its pid into its fd 5 (the pipe's write end).
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo $(cut -d' ' -f6 /proc/$$/stat) $$ >&5"]);
        let mut c = spawn(&mut cmd, "sh", &[(w.as_raw_fd(), 5)]).unwrap();
        drop(w);
        c.wait().unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::fs::File::from(r), &mut s).unwrap();
        let v: Vec<&str> = s.split_whitespace().collect();
        assert_eq!(v.len(), 2, "{s:?}");
        assert_eq!(v[0], v[1], "the child leads its own session");
    }
}
