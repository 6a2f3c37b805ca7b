//! `kill [--all] ID [SIGNAL]`.

use tsc_box_core::kind::Kind;
use tsc_box_core::signal;
use tsc_box_core::state::{StateDir, StateError, Status};

use super::Global;
use crate::cli::KillArgs;
use crate::error::CmdError;

fn send(pid: i32, sig: i32) -> nix::Result<()> {
    // Real-time signals have no nix::Signal; go through libc for every number alike.
    // SAFETY: kill(2) takes two integers and touches no memory of ours; a bad number is an
    // error return.
    nix::errno::Errno::result(unsafe { libc::kill(pid, sig) }).map(drop)
}

pub fn run(g: &Global<'_>, a: &KillArgs) -> Result<i32, CmdError> {
    // Signal 0 delivers nothing and asks whether the init could be signalled, i.e. whether
    // the container runs: runc takes it, and engines and runc's own tests use it so.
    let sig = if a.signal == "0" { 0 } else { signal::parse(&a.signal)? };
    let dir = StateDir::open(&g.root, &a.id)?;
    let rec = dir.load()?;
    let status = dir.status(&rec);
    if a.all {
        if let Some(cg) = &rec.cgroup {
            for pid in cg.pids()? {
                let _ = send(pid, sig);
            }
            return Ok(0);
        }
    }
    if status == Status::Stopped {
        return Err(StateError::WrongStatus { id: a.id.clone(), status, need: "it is not running" }.into());
    }
    send(rec.pid, sig).map_err(|e| CmdError::other(Kind::Process, format!("kill {}: {e}", rec.pid)))?;
    Ok(0)
}
