//! `run`: create and start in one go. In the foreground the runtime stays the container's
//! parent: it relays signals (and the pty), returns the app's status and cleans up.

use std::os::fd::AsFd;

use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use tsc_box_core::container::{self, Container, ContainerError, Options, StartVia};
use tsc_box_core::kind::Kind;
use tsc_box_core::terminal::{copy_winsize, RawMode};

use super::{write_pid_file, Global};
use crate::cli::RunArgs;
use crate::error::CmdError;
use crate::relay;

pub fn run(g: &Global<'_>, a: &RunArgs) -> Result<i32, CmdError> {
    g.refuse_systemd()?;
    let c = &a.create;
    let mask =
        if a.detach { SigSet::empty() } else { relay::block_relayed_signals().map_err(|e| CmdError::other(Kind::Internal, format!("sigprocmask: {e}")))? };
    let signalfd = |m: &SigSet| {
        SignalFd::with_flags(m, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK).map_err(|e| CmdError::other(Kind::Internal, format!("signalfd: {e}")))
    };
    let (sfd, stop) = if a.detach {
        (None, None)
    } else {
        // Only the signals that mean "stop" abort a setup; the others (SIGCHLD from hooks,
        // SIGWINCH, SIGUSR1...) wait in the main signalfd for the relay.
        let mut stop = SigSet::empty();
        for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT] {
            stop.add(s);
        }
        (Some(signalfd(&mask)?), Some(signalfd(&stop)?))
    };
    let created = container::create(&Options {
        root: &g.root,
        id: &c.id,
        bundle: &c.bundle,
        console_socket: c.console_socket.as_deref(),
        start: StartVia::Socket,
        die_with_parent: !a.detach,
        new_keyring: !c.no_new_keyring,
        preserve_fds: c.preserve_fds,
        interrupt: stop.as_ref().map(|s| s.as_fd()),
    });
    let mut ctr = match created {
        Ok(c) => c,
        // Everything is undone already; end as the signal would have ended us.
        Err(ContainerError::Interrupted) => {
            let sig = stop.as_ref().and_then(|s| s.read_signal().ok().flatten()).map_or(libc::SIGTERM, |si| si.ssi_signo as i32);
            g.log.error(Kind::Process, &format!("container {}: setup interrupted by signal {sig}", c.id));
            return Ok(128 + sig);
        }
        Err(e) => return Err(e.into()),
    };
    g.log.debug(&format!("container {} created, init pid {}", c.id, ctr.pid));
    for w in &ctr.ignored {
        g.log.warn(w);
    }
    if let Some(p) = &c.pid_file {
        if let Err(e) = write_pid_file(p, ctr.pid.as_raw()) {
            let _ = ctr.destroy();
            return Err(e);
        }
    }
    if a.detach {
        if let Err(e) = ctr.start() {
            let _ = ctr.destroy();
            return Err(e.into());
        }
        for e in ctr.poststart() {
            g.log.warn(&e.to_string());
        }
        return Ok(0);
    }
    drop(stop);
    ctr.state.unlock();
    foreground(g, ctr, &sfd.expect("made for the foreground"), a.keep)
}

/// `keep` (runc's --keep): the stopped container stays for `state` and a later `delete`.
fn foreground(g: &Global<'_>, ctr: Container, sfd: &SignalFd, keep: bool) -> Result<i32, CmdError> {
    let stdin = std::io::stdin();
    let stdin_tty = nix::unistd::isatty(stdin.as_fd()).unwrap_or(false);
    let raw = match &ctr.pty {
        Some(master) if stdin_tty => {
            let _ = copy_winsize(stdin.as_fd(), master.as_fd());
            RawMode::enter(stdin.as_fd()).ok()
        }
        _ => None,
    };
    if let Err(e) = ctr.start() {
        drop(raw);
        let _ = ctr.destroy();
        return Err(e.into());
    }
    for e in ctr.poststart() {
        g.log.warn(&e.to_string());
    }
    let status = relay::wait(ctr.pid, sfd, ctr.pty.as_ref(), stdin_tty);
    drop(raw);
    let status = match status {
        Ok(s) => s,
        Err(e) => {
            let _ = ctr.destroy();
            return Err(CmdError::other(Kind::Internal, format!("waiting for the container: {e}")));
        }
    };
    let oom = ctr.cgroup.as_ref().is_some_and(|cg| cg.oom_killed().unwrap_or(false));
    let id = ctr.record.id.clone();
    if keep {
        g.log.exit(&id, status, oom);
        return Ok(status);
    }
    // The app's status stands even if the cleanup stumbles: report it, but do not turn a
    // finished run into a runtime failure.
    let cleaned = match &ctr.cgroup {
        Some(cg) => container::cleanup(ctr.state, cg),
        None => container::cleanup_without_cgroup(ctr.state),
    };
    if let Err(e) = cleaned {
        g.log.warn(&format!("container {id}: cleanup: {e}"));
    }
    g.log.exit(&id, status, oom);
    Ok(status)
}
