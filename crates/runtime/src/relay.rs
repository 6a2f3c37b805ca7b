//! The foreground relay of `run`: signals to the init, the pty both ways, window resizes,
//! until the init exits. One poll loop, no threads.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

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
            if let Some(code) = on_signals(pid, sfd, pty)? {
                if let Some(m) = pty {
                    drain(m, &mut buf, stdout.as_fd());
                }
                return Ok(code);
            }
        }
    }
}

/// Acts on what the signalfd holds: passes signals on to `pid`, resizes the pty on SIGWINCH;
/// the process's status once it has exited.
fn on_signals(pid: Pid, sfd: &SignalFd, pty: Option<&OwnedFd>) -> Result<Option<i32>, Errno> {
    while let Ok(Some(si)) = sfd.read_signal() {
        let sig = si.ssi_signo as i32;
        if sig == Signal::SIGCHLD as i32 {
            continue;
        }
        if sig == Signal::SIGWINCH as i32 {
            if let Some(m) = pty {
                let _ = copy_winsize(std::io::stdin().as_fd(), m.as_fd());
            }
            continue;
        }
        // Every signal the signalfd reports is in the mask of block_relayed_signals,
        // built from nix Signals only.
        if let Ok(sig) = Signal::try_from(sig) {
            let _ = nix::sys::signal::kill(pid, sig);
        }
    }
    reap(pid)
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

/// The pipes a process started without `-t` gets instead of the caller's terminal (docker's
/// behaviour: only `-t` gives it a terminal, so it can neither read the caller's keystrokes
/// unasked nor act on the terminal, e.g. with TIOCSTI). `attach` puts a pipe in place of each
/// of our stdio fds that is a terminal, the process inherits those, `restore` gives us back the
/// terminal, and `wait_piped` copies between the two.
pub struct Pipes {
    /// (stream, our copy of the terminal it was), put back by `restore`.
    saved: Vec<(i32, OwnedFd)>,
    /// (read end of the process's stdout or stderr pipe, our fd it goes to).
    outputs: Vec<(OwnedFd, i32)>,
    /// Write end of the process's stdin pipe, fed from our stdin.
    input: Option<OwnedFd>,
}

fn own(fd: i32) -> BorrowedFd<'static> {
    // SAFETY: 0, 1 and 2 stay open for the life of the process (replaced by dup2, never closed).
    unsafe { BorrowedFd::borrow_raw(fd) }
}

impl Pipes {
    /// Pipes for stdout and stderr when they are terminals, and for stdin too when `stdin`
    /// (-i) and it is one. None when none is a terminal: the process inherits them as they are.
    pub fn attach(stdin: bool) -> nix::Result<Option<Pipes>> {
        let mut p = Pipes { saved: Vec::new(), outputs: Vec::new(), input: None };
        for fd in [0, 1, 2] {
            if (fd == 0 && !stdin) || !nix::unistd::isatty(own(fd)).unwrap_or(false) {
                continue;
            }
            // Close-on-exec, so that the process never gets the terminal through it either
            // (and its child is non-dumpable before it joins the container: tenant.rs).
            let saved = own(fd).try_clone_to_owned().map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EBADF)))?;
            let (r, w) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
            let (child_end, ours) = if fd == 0 { (r, w) } else { (w, r) };
            fcntl(&ours, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
            // dup2 leaves the new fd inheritable: the process gets the pipe as this stream.
            // SAFETY: fd is one of our own stdio descriptors, which dup2 replaces atomically.
            if unsafe { libc::dup2(child_end.as_raw_fd(), fd) } < 0 {
                return Err(Errno::last());
            }
            p.saved.push((fd, saved));
            if fd == 0 {
                p.input = Some(ours);
            } else {
                p.outputs.push((ours, fd));
            }
        }
        Ok(if p.saved.is_empty() { None } else { Some(p) })
    }

    /// Our stdio back to the terminal once the process holds its ends (or failed to start):
    /// this drops our copies of those ends, so that the outputs end when the process's do.
    pub fn restore(&mut self) {
        for (fd, saved) in self.saved.drain(..) {
            // SAFETY: as in attach; `saved` is our open copy of what `fd` was.
            unsafe { libc::dup2(saved.as_raw_fd(), fd) };
        }
    }
}

impl Drop for Pipes {
    fn drop(&mut self) {
        self.restore();
    }
}

/// How long output may still come after the process exited (a descendant that outlives it
/// may hold the pipe open): as long as the Node CLI's relay waited.
const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads what is there of `from` into `to`; false at EOF or on an error (the copy is over).
fn pump(from: BorrowedFd<'_>, to: BorrowedFd<'_>, buf: &mut [u8]) -> bool {
    match read(from, buf) {
        Ok(0) => false,
        Ok(n) => {
            write_all(to, &buf[..n]);
            true
        }
        Err(Errno::EAGAIN | Errno::EINTR) => true,
        Err(_) => false,
    }
}

/// `wait` for a process that has `pipes` instead of the caller's terminal: signals passed on
/// as `wait` does, the outputs copied to our stdout/stderr and our stdin to the process, until
/// it exits and its outputs end (at most DRAIN_LIMIT later). Returns its status.
pub fn wait_piped(pid: Pid, sfd: &SignalFd, mut pipes: Pipes) -> Result<i32, Errno> {
    pipes.restore();
    let mut buf = vec![0u8; 32 * 1024];
    let mut outputs: Vec<(OwnedFd, i32)> = std::mem::take(&mut pipes.outputs);
    let mut input = pipes.input.take();
    let mut status: Option<(i32, std::time::Instant)> = None;
    loop {
        let timeout = match status {
            None => PollTimeout::NONE,
            Some((code, deadline)) => {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if outputs.is_empty() || left.is_zero() {
                    return Ok(code);
                }
                PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX)
            }
        };
        let mut fds = vec![PollFd::new(sfd.as_fd(), if status.is_none() { PollFlags::POLLIN } else { PollFlags::empty() })];
        fds.extend(outputs.iter().map(|(r, _)| PollFd::new(r.as_fd(), PollFlags::POLLIN)));
        let stdin_polled = input.is_some() && status.is_none();
        if stdin_polled {
            fds.push(PollFd::new(own(0), PollFlags::POLLIN));
        }
        match poll(&mut fds, timeout) {
            Err(Errno::EINTR) => continue,
            r => r?,
        };
        let ready: Vec<bool> = fds.iter().map(|f| f.revents().is_some_and(|r| !r.is_empty())).collect();
        drop(fds);
        let mut ended = Vec::new();
        for (i, (r, to)) in outputs.iter().enumerate() {
            if ready[1 + i] && !pump(r.as_fd(), own(*to), &mut buf) {
                ended.push(i);
            }
        }
        for i in ended.into_iter().rev() {
            outputs.remove(i);
        }
        if stdin_polled && ready[ready.len() - 1] {
            let w = input.as_ref().expect("polled only with an input");
            if !pump(own(0), w.as_fd(), &mut buf) {
                // End of our stdin (or the process closed its own): the process sees EOF.
                input = None;
            }
        }
        if status.is_none() && ready[0] {
            if let Some(code) = on_signals(pid, sfd, None)? {
                status = Some((code, std::time::Instant::now() + DRAIN_LIMIT));
                input = None;
            }
        }
    }
}
