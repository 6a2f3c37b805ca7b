//! The foreground relay of `run`: signals to the init, the pty both ways, window resizes,
//! until the init exits. One poll loop, no threads.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{signal, SigHandler, SigSet, Signal};
use nix::sys::signalfd::SignalFd;
use nix::unistd::{read, write, Pid};
use tsc_box_core::terminal::copy_winsize;

use tsc_box_core::monitor::supervise::reap;
/// The shell convention for an exit status (shared with the monitor of detached containers).
pub use tsc_box_core::monitor::supervise::status_code;

/// Blocks every signal the relay passes on (plus SIGCHLD and SIGWINCH, which it acts on) and
/// returns that set, for a signalfd. Done before the clone: a signal arriving during setup
/// waits in the signalfd instead of killing the runtime and leaking the container.
pub fn block_relayed_signals() -> nix::Result<SigSet> {
    let mut mask = SigSet::empty();
    for s in tsc_box_core::signal::forwardable() {
        // A signal ignored by whoever started us (a shell's background job ignores SIGINT)
        // would be discarded, not queued: take it back to default, it is blocked anyway.
        // SAFETY: signal() is unsafe for the handler it installs; SIG_DFL runs no code of
        // ours, and the runtime is single-threaded, so no other thread's sigaction races it.
        let _ = unsafe { signal(s, SigHandler::SigDfl) };
        mask.add(s);
    }
    mask.add(Signal::SIGCHLD);
    mask.add(Signal::SIGWINCH);
    mask.thread_block()?;
    Ok(mask)
}

fn write_all(fd: BorrowedFd<'_>, mut buf: &[u8]) {
    while !buf.is_empty() {
        match write(fd, buf) {
            Ok(n) => buf = &buf[n..],
            Err(Errno::EINTR) => continue,
            Err(Errno::EAGAIN) => {
                let mut p = [PollFd::new(fd, PollFlags::POLLOUT)];
                let _ = poll(&mut p, PollTimeout::from(100u16));
            }
            Err(_) => return,
        }
    }
}

/// Waits for `pid`, relaying; returns its status (128+N when killed by signal N).
pub fn wait(pid: Pid, sfd: &SignalFd, pty: Option<&OwnedFd>, stdin_tty: bool) -> Result<i32, Errno> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    if let Some(m) = pty {
        fcntl(m, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
    }
    let mut stdin_open = pty.is_some();
    let mut master_open = pty.is_some();
    let mut buf = vec![0u8; if pty.is_some() { 32 * 1024 } else { 0 }];
    loop {
        let mut fds = Vec::with_capacity(3);
        fds.push(PollFd::new(sfd.as_fd(), PollFlags::POLLIN));
        if master_open {
            fds.push(PollFd::new(pty.expect("pty").as_fd(), PollFlags::POLLIN));
        }
        if stdin_open {
            fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => continue,
            r => r?,
        };
        let ready: Vec<bool> = fds.iter().map(|f| f.revents().is_some_and(|r| !r.is_empty())).collect();
        drop(fds);
        let mut idx = 1;
        if master_open {
            if ready[idx] {
                let m = pty.expect("pty");
                match read(m, &mut buf) {
                    Ok(0) | Err(Errno::EIO) => master_open = false,
                    Ok(n) => write_all(stdout.as_fd(), &buf[..n]),
                    Err(Errno::EAGAIN | Errno::EINTR) => {}
                    Err(_) => master_open = false,
                }
            }
            idx += 1;
        }
        if stdin_open && ready[idx] {
            match read(stdin.as_fd(), &mut buf) {
                Ok(0) => {
                    stdin_open = false;
                    // End of a piped stdin: the pty's line discipline turns ^D into EOF.
                    if !stdin_tty {
                        write_all(pty.expect("pty").as_fd(), b"\x04");
                    }
                }
                Ok(n) => write_all(pty.expect("pty").as_fd(), &buf[..n]),
                Err(Errno::EAGAIN | Errno::EINTR) => {}
                Err(_) => stdin_open = false,
            }
        }
        if ready[0] {
            while let Ok(Some(si)) = sfd.read_signal() {
                let sig = si.ssi_signo as i32;
                if sig == Signal::SIGCHLD as i32 {
                    continue;
                }
                if sig == Signal::SIGWINCH as i32 {
                    if let Some(m) = pty {
                        let _ = copy_winsize(stdin.as_fd(), m.as_fd());
                    }
                    continue;
                }
                // Every signal the signalfd reports is in the mask of block_relayed_signals,
                // built from nix Signals only.
                if let Ok(sig) = Signal::try_from(sig) {
                    let _ = nix::sys::signal::kill(pid, sig);
                }
            }
            if let Some(code) = reap(pid)? {
                if let Some(m) = pty {
                    drain(m, &mut buf, stdout.as_fd());
                }
                return Ok(code);
            }
        }
    }
}

/// Output the app wrote just before exiting is still in the pty.
fn drain(m: &OwnedFd, buf: &mut [u8], out: BorrowedFd<'_>) {
    loop {
        match read(m, buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => write_all(out, &buf[..n]),
        }
    }
}
