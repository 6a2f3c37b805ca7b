//! `tsc-box rm [-f] [-v] CONTAINER...`: the store's removal (tsc_box_containers::remove) with
//! the runtime's kill, delete and resume done in this process, for root and rootless callers
//! alike. Each name is printed once removed; with several, each failure is reported and the
//! first one decides the status.

use tsc_box_containers::paths::Paths;
use tsc_box_containers::remove::remove_container;
use tsc_box_containers::resolve::resolve_container;

use super::ops::InProcess;
use super::{argv, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let Some((p, paths)) = argv::over_containers("rm", args)? else { return Ok(Outcome::ToNode) };
    let logger = InProcess::logger();
    let ops = InProcess::new(&paths, &logger);
    super::lifecycle::each_ref(&p.rest, p.bool("json"), false, |r, _| r.to_string(), |r| remove_one(&paths, r, p.bool("force"), p.bool("volumes"), &ops))
}

/// `volumes` (-v): then the container's anonymous volumes no other container mounts, as
/// docker's `rm -v` (read from its record before it goes).
fn remove_one(paths: &Paths, reference: &str, force: bool, volumes: bool, ops: &InProcess<'_>) -> Result<serde_json::Value, FrontError> {
    let v = resolve_container(paths, reference)?;
    let mounts = if volumes { tsc_box_containers::record::read(&v.dir).map(|r| r.mounts).unwrap_or_default() } else { Vec::new() };
    remove_container(paths, &v, force, ops)?;
    for e in tsc_box_containers::volumes::remove_anonymous(paths, &mounts, ops) {
        eprintln!("tsc-box: {e}");
    }
    Ok(serde_json::json!({"id": v.id, "name": v.name}))
}
