//! `delete [--force] ID`: removes a stopped container; --force kills a created or running one
//! first.

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tsc_box_core::container;
use tsc_box_core::state::{StateDir, StateError, Status};

use super::Global;
use crate::cli::DeleteArgs;
use crate::error::CmdError;

pub fn run(g: &Global<'_>, a: &DeleteArgs) -> Result<i32, CmdError> {
    let dir = match StateDir::open(&g.root, &a.id) {
        Err(StateError::NotFound(_)) if a.force => {
            // A create killed before its first record leaves an empty directory (the id is
            // valid: open checked it); nothing else can exist yet.
            let _ = std::fs::remove_dir_all(g.root.join(&a.id));
            return Ok(0);
        }
        r => r?,
    };
    let rec = dir.load()?;
    let status = dir.status(&rec);
    // The runtime spec: deleting a container that is not stopped is an error (created included).
    if status != Status::Stopped && !a.force {
        return Err(StateError::WrongStatus { id: a.id.clone(), status, need: "stop it first or use --force" }.into());
    }
    if status != Status::Stopped {
        let _ = kill(Pid::from_raw(rec.pid), Signal::SIGKILL);
    }
    match &rec.cgroup {
        // remove() kills whatever is left in the cgroup and waits for it to empty.
        Some(cg) => container::cleanup(dir, cg)?,
        None => dir.remove()?,
    }
    Ok(0)
}
