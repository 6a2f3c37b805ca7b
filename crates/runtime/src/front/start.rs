//! `tsc-box start CONTAINER...` and `restart [-t SECS] CONTAINER...`: the store's start
//! (tsc_box_containers::start, the code the Node CLI calls through the binding too), the
//! runtime's delete, kill and state done in this process and the monitor spawned from this
//! binary. Each reference is printed as typed once running; --json: [{id, name}].

use std::path::PathBuf;

use serde::Serialize;
use tsc_box_containers::start::{self, Launcher, StartError};

use super::ops::InProcess;
use super::{argv, FrontError, Outcome, CLI_JS_ENV};

#[derive(Serialize)]
struct Done {
    id: String,
    name: String,
}

impl From<StartError> for FrontError {
    fn from(e: StartError) -> FrontError {
        FrontError::coded(&e)
    }
}

pub fn run(verb: &str, args: &[String]) -> Result<Outcome, FrontError> {
    let Some((p, paths)) = argv::over_containers(verb, args)? else { return Ok(Outcome::ToNode) };
    let logger = InProcess::logger();
    let ops = InProcess::new(&paths, &logger);
    let runtime = std::env::current_exe().map_err(|e| FrontError::usage(super::ErrorCode::Internal, &format!("cannot find the runtime binary: {e}")))?;
    let cli = cli_command();
    let launcher = Launcher { runtime: &runtime, cli: &cli };
    let timeout = super::lifecycle::stop_timeout(&p);
    super::lifecycle::each_container(&paths, &p.rest, p.bool("json"), |v| {
        match verb {
            "restart" => start::restart(&paths, &v, timeout, &launcher, &ops)?,
            _ => start::start(&paths, &v, &launcher, &ops)?,
        }
        Ok(Done { id: v.id, name: v.name })
    })
}

/// The command the monitor of a `--rm` container runs `rm` with: the Node CLI as bin/run.js
/// names itself (TSC_BOX_CLI_JS), run by the `node` on PATH as its sh prologue runs it.
fn cli_command() -> Vec<String> {
    let Some(js) = std::env::var_os(CLI_JS_ENV) else { return Vec::new() };
    let node = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|d| d.join("node")).find(|n| is_executable(n)))
        .unwrap_or_else(|| PathBuf::from("node"));
    vec![node.display().to_string(), "--".into(), js.to_string_lossy().into_owned()]
}

fn is_executable(p: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
