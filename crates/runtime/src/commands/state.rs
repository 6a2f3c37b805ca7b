//! `state`: the runtime-spec state document, with the status as the kernel sees it now: a
//! running container whose cgroup is frozen is "paused", as runc reports it.

use tsc_box_core::state::{Record, StateDir, Status};

use super::Global;
use crate::cli::IdArgs;
use crate::error::CmdError;

pub fn run(g: &Global<'_>, a: &IdArgs) -> Result<i32, CmdError> {
    let dir = StateDir::open_unlocked(&g.root, &a.id)?;
    let rec = dir.load()?;
    let status = dir.status(&rec);
    let mut doc = rec.to_oci(status);
    if status == Status::Running && paused(&rec) {
        doc["status"] = "paused".into();
    }
    println!("{}", serde_json::to_string_pretty(&doc).expect("state serializes"));
    Ok(0)
}

/// Whether a running container's cgroup is frozen; a cgroup we cannot read is not.
pub fn paused(rec: &Record) -> bool {
    rec.cgroup.as_ref().is_some_and(|cg| cg.is_frozen().unwrap_or(false))
}
