//! `tsc-box top CONTAINER`: the container's processes (tsc_box_containers::top, the code the
//! Node CLI calls through the binding too). --json: [{pid, ppid, uid, time, command}].

use tsc_box_containers::resolve::resolve_container;
use tsc_box_containers::top;

use super::{argv, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("top", args)?;
    // Not exactly one container: oclif's own message about its arguments.
    if p.bool("help") || p.rest.len() != 1 {
        return Ok(Outcome::ToNode);
    }
    let paths = p.paths();
    let v = resolve_container(&paths, &p.rest[0])?;
    let entries = top::top(&paths.runtime_root(), &v).map_err(|e| FrontError::coded(&e))?;
    if p.bool("json") {
        println!("{}", serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into()));
    } else {
        println!("{}", top::render(&entries));
    }
    Ok(Outcome::Exit(0))
}
