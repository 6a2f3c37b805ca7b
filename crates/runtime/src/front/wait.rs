//! `tsc-box wait CONTAINER...`: blocks until each container has ended and prints its exit status
//! (tsc_box_containers::wait, the code the Node CLI calls through the binding too), without
//! starting Node. --json: [{id, name, exitCode}]. Each failure is reported (with several) and
//! the first decides the status, after every name was waited for.

use tsc_box_containers::resolve::resolve_container;
use tsc_box_containers::wait::wait_exit;
use tsc_box_containers::Coded;

use super::{argv, FrontError, Outcome};

/// One `wait --json` entry, its keys in the CLI's order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Waited {
    id: String,
    name: String,
    exit_code: i32,
}

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let Some((p, paths)) = argv::over_containers("wait", args)? else { return Ok(Outcome::ToNode) };
    let waited = |r: &str| {
        let v = resolve_container(&paths, r)?;
        let exit_code = wait_exit(&paths, &v.id).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
        Ok(Waited { id: v.id, name: v.name, exit_code })
    };
    super::lifecycle::each_ref(&p.rest, p.bool("json"), true, |_, w: &Waited| w.exit_code.to_string(), waited)
}
