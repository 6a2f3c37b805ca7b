//! `pause ID` / `resume ID`: freeze and thaw every process of the container (the cgroup
//! freezer). `state` reports a frozen container as "paused"; as runc, `pause` refuses a
//! container that is not running (a paused one included) and `resume` one that is not paused.

use tsc_box_core::kind::Kind;
use tsc_box_core::state::{StateDir, StateError, Status};

use super::Global;
use crate::cli::IdArgs;
use crate::error::CmdError;

fn cgroup_of(g: &Global<'_>, id: &str) -> Result<(StateDir, tsc_box_cgroups::Manager), CmdError> {
    let dir = StateDir::open(&g.root, id)?;
    let rec = dir.load()?;
    let status = dir.status(&rec);
    if status != Status::Running {
        return Err(StateError::WrongStatus { id: id.to_string(), status, need: "it is not running" }.into());
    }
    let cg = rec.cgroup.ok_or_else(|| CmdError::other(Kind::Cgroup, format!("container {id:?} has no cgroup")))?;
    Ok((dir, cg))
}

pub fn pause(g: &Global<'_>, a: &IdArgs) -> Result<i32, CmdError> {
    let (_lock, cg) = cgroup_of(g, &a.id)?;
    if cg.is_frozen()? {
        return Err(CmdError::other(Kind::State, format!("container {:?} is paused: it is not running", a.id)));
    }
    cg.freeze()?;
    Ok(0)
}

pub fn resume(g: &Global<'_>, a: &IdArgs) -> Result<i32, CmdError> {
    let (_lock, cg) = cgroup_of(g, &a.id)?;
    if !cg.is_frozen()? {
        return Err(CmdError::other(Kind::State, format!("container {:?} is running: it is not paused", a.id)));
    }
    cg.thaw()?;
    Ok(0)
}
