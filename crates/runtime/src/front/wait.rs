//! `tsc-box wait CONTAINER...`: blocks until each container has ended and prints its exit status
//! (tsc_box_containers::wait, the code the Node CLI calls through the binding too), without
//! starting Node. --json: [{id, name, exitCode}]. Each failure is reported (with several) and
//! the first decides the status, after every name was waited for.

use tsc_box_containers::paths::{self, PathEnv};
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
    let p = argv::parse("wait", args)?;
    if p.bool("help") || p.rest.is_empty() {
        return Ok(Outcome::ToNode);
    }
    let json = p.bool("json");
    let root = p.root();
    let paths = paths::resolve(root.as_deref(), &PathEnv::current());
    let several = p.rest.len() > 1;
    let mut done = Vec::new();
    let mut first: Option<FrontError> = None;
    for r in &p.rest {
        let outcome = resolve_container(&paths, r)
            .map_err(FrontError::from)
            .and_then(|v| wait_exit(&paths, &v.id).map(|code| (v, code)).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() }));
        match outcome {
            Ok((v, code)) => {
                if !json {
                    println!("{code}");
                }
                done.push(Waited { id: v.id, name: v.name, exit_code: code });
            }
            Err(e) => {
                if several {
                    eprintln!("tsc-box: {e}");
                }
                first.get_or_insert(e);
            }
        }
    }
    match first {
        Some(e) if several => Err(FrontError::Shown(Box::new(e))),
        Some(e) => Err(e),
        None => {
            if json {
                println!("{}", serde_json::to_string_pretty(&done).unwrap_or_else(|_| "[]".into()));
            }
            Ok(Outcome::Exit(0))
        }
    }
}
