//! `tsc-box info` (tsc_box_containers::info, the code the Node CLI calls through the binding
//! too): the host's probe, this runtime's version and the data root's paths.

use std::path::PathBuf;

use tsc_box_containers::info;
use tsc_box_containers::paths;

use super::{argv, ErrorCode, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("info", args)?;
    if p.bool("help") {
        return Ok(Outcome::ToNode);
    }
    // oclif's message for an argument the command does not take.
    if !p.rest.is_empty() {
        return Ok(Outcome::ToNode);
    }
    let paths = p.paths();
    let r = info::probe(&paths, &runtime_path()?);
    if p.bool("json") {
        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_else(|_| "{}".into()));
    } else {
        println!("{}", info::render(&r));
    }
    Ok(Outcome::Exit(0))
}

/// The runtime the Node CLI would name (src/runtime/locate.ts): TSC_BOX_RUNTIME made absolute,
/// else this binary.
fn runtime_path() -> Result<PathBuf, FrontError> {
    if let Some(p) = std::env::var_os("TSC_BOX_RUNTIME").filter(|p| !p.is_empty()) {
        let cwd = std::env::current_dir().unwrap_or_default();
        return Ok(paths::normalize(&cwd, &p.to_string_lossy()));
    }
    std::env::current_exe().map_err(|e| FrontError::usage(ErrorCode::Internal, &format!("cannot find the runtime binary: {e}")))
}
