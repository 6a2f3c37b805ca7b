//! `start`: opening the exec fifo for reading releases the init, which execs the app.

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::fcntl::OFlag;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::stat::Mode;
use tsc_box_core::container::START_BYTE;
use tsc_box_core::kind::Kind;
use tsc_box_core::state::{StateDir, StateError, Status};

use super::Global;
use crate::cli::IdArgs;
use crate::error::CmdError;

pub fn run(g: &Global<'_>, a: &IdArgs) -> Result<i32, CmdError> {
    let dir = StateDir::open(&g.root, &a.id)?;
    let rec = dir.load()?;
    let status = dir.status(&rec);
    if status != Status::Created {
        return Err(StateError::WrongStatus { id: a.id.clone(), status, need: "only a created container can be started" }.into());
    }
    let path = dir.exec_fifo();
    // Non-blocking: if the init died, nobody will ever open the other end.
    let fifo = nix::fcntl::open(&path, OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| CmdError::other(Kind::State, format!("open {}: {e}", path.display())))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    // The init's start byte, then (until execve closes its end) nothing, or why it failed:
    // the late seccomp filter and execve are all that is left after `create`.
    let mut got: Vec<u8> = Vec::new();
    let mut started = false;
    loop {
        let mut fds = [PollFd::new(fifo.as_fd(), PollFlags::POLLIN)];
        let n = poll(&mut fds, PollTimeout::from(50u16)).unwrap_or(0);
        if n > 0 {
            let mut b = [0u8; 512];
            match nix::unistd::read(&fifo, &mut b) {
                Ok(0) if started => break,
                Ok(k) if k > 0 => {
                    got.extend_from_slice(&b[..k]);
                    started = true;
                }
                Ok(_) | Err(nix::errno::Errno::EAGAIN) => {}
                Err(e) => return Err(CmdError::other(Kind::State, format!("read exec fifo: {e}"))),
            }
        }
        // Before the byte, the init must be alive to ever send it; after it, EOF comes at
        // execve or at the init's exit, whichever, and the poll above sees it.
        if !started && !rec.alive() {
            return Err(CmdError::other(Kind::Process, format!("container {:?}: its init exited before start", a.id)));
        }
        if Instant::now() > deadline {
            return Err(CmdError::other(Kind::Process, format!("container {:?}: the init did not answer start", a.id)));
        }
    }
    let _ = std::fs::remove_file(&path);
    if let Some((kind, msg)) = tsc_box_core::container::read_start_report(got.get(START_BYTE.len()..).unwrap_or(&[])) {
        return Err(CmdError::other(kind, msg));
    }
    for e in tsc_box_core::container::poststart(&rec) {
        g.log.warn(&e.to_string());
    }
    Ok(0)
}
