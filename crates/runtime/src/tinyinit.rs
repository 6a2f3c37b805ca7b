//! `init -- CMD ARGS`: the tiny pid 1 of `tsc-box run --init`. It spawns CMD, forwards every
//! forwardable signal to it, reaps every zombie (orphans get reparented to pid 1) and exits
//! with CMD's status. No clap, no allocation beyond argv: it should cost nothing.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStringExt;

use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{execvp, fork, ForkResult, Pid};
use tsc_box_core::signal::forwardable;

use crate::relay::status_code;

pub fn main(args: Vec<OsString>) -> ! {
    let args: Vec<OsString> = match args.first() {
        Some(a) if a == "--" => args[1..].to_vec(),
        _ => args,
    };
    if args.is_empty() {
        eprintln!("usage: init -- COMMAND [ARG...]");
        std::process::exit(2);
    }
    let argv: Vec<CString> = args.into_iter().map(|a| CString::new(a.into_vec()).unwrap_or_default()).collect();
    let mut mask = SigSet::empty();
    for s in forwardable() {
        mask.add(s);
    }
    mask.add(Signal::SIGCHLD);
    if let Err(e) = nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&mask), None) {
        fail(&format!("sigprocmask: {e}"));
    }
    // SAFETY: the tiny init is single-threaded (it starts no thread), so the child cannot meet
    // a lock held by a thread that did not come along, and may run ordinary Rust until it
    // execs or exits.
    let child = match unsafe { fork() } {
        Ok(ForkResult::Child) => exec_child(&argv),
        Ok(ForkResult::Parent { child }) => child,
        Err(e) => fail(&format!("fork: {e}")),
    };
    let sfd = SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC).unwrap_or_else(|e| fail(&format!("signalfd: {e}")));
    loop {
        let si = match sfd.read_signal() {
            Ok(Some(si)) => si,
            Ok(None) | Err(Errno::EINTR) => continue,
            Err(e) => fail(&format!("signalfd: {e}")),
        };
        if si.ssi_signo as i32 == Signal::SIGCHLD as i32 {
            if let Some(code) = reap_all(child) {
                std::process::exit(code);
            }
        } else {
            // Every signal the signalfd reports is in `mask`, built from nix Signals only.
            if let Ok(sig) = Signal::try_from(si.ssi_signo as i32) {
                let _ = nix::sys::signal::kill(child, sig);
            }
        }
    }
}

/// Reaps every exited process; returns CMD's status once CMD is among them.
fn reap_all(child: Pid) -> Option<i32> {
    let mut ours = None;
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => return ours,
            Ok(ws) => {
                if ws.pid() == Some(child) {
                    ours = status_code(ws);
                }
            }
            Err(Errno::EINTR) => continue,
            Err(_) => return ours,
        }
    }
}

fn exec_child(argv: &[CString]) -> ! {
    let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    // SAFETY: signal() is unsafe for the handler it installs; SIG_DFL runs no code of ours, and
    // this forked child of a single-threaded init races no other thread's sigaction.
    let _ = unsafe { nix::sys::signal::signal(Signal::SIGPIPE, nix::sys::signal::SigHandler::SigDfl) };
    // Its own process group, in the foreground of the terminal if there is one, so ^C from a
    // tty reaches CMD (and its children) as it would without an init.
    let _ = nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0));
    use nix::sys::signal::{signal, SigHandler};
    // A background group taking the terminal would otherwise be stopped by SIGTTOU.
    // SAFETY: SIG_IGN installs no handler code; single-threaded, as above.
    let _ = unsafe { signal(Signal::SIGTTOU, SigHandler::SigIgn) };
    let _ = nix::unistd::tcsetpgrp(std::io::stdin(), nix::unistd::getpid());
    // SAFETY: SIG_DFL installs no handler code; single-threaded, as above.
    let _ = unsafe { signal(Signal::SIGTTOU, SigHandler::SigDfl) };
    let e = match execvp(&argv[0], argv) {
        Err(e) => e,
        Ok(i) => match i {},
    };
    eprintln!("init: {}: {e}", argv[0].to_string_lossy());
    std::process::exit(match e {
        Errno::ENOENT | Errno::ENOTDIR => 127,
        _ => 126,
    });
}

fn fail(msg: &str) -> ! {
    eprintln!("init: {msg}");
    std::process::exit(1);
}
