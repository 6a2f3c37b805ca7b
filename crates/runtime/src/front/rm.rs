//! `tsc-box rm [-f] [-v] CONTAINER...`: the store's removal (tsc_box_containers::remove) with
//! the runtime's kill, delete and resume done in this process. Each name is printed once
//! removed; with several, each failure is reported and the first one decides the status.

use std::path::Path;

use tsc_box_containers::paths::{self, PathEnv, Paths};
use tsc_box_containers::remove::{remove_container, RuntimeOps};
use tsc_box_containers::resolve::resolve_container;

use super::{argv, FrontError, Outcome};
use crate::cli::{DeleteArgs, IdArgs, KillArgs, LogFormat};
use crate::commands::Global;
use crate::log::Logger;

/// The runtime's commands, called directly instead of spawning the runtime again.
struct InProcess<'a> {
    g: Global<'a>,
}

impl RuntimeOps for InProcess<'_> {
    fn kill_all(&self, id: &str) -> Result<(), String> {
        let a = KillArgs { all: true, id: id.to_string(), signal: "SIGKILL".into() };
        crate::commands::kill::run(&self.g, &a).map(drop).map_err(|e| e.to_string())
    }
    fn delete(&self, id: &str) -> Result<(), String> {
        let a = DeleteArgs { force: true, id: id.to_string() };
        crate::commands::delete::run(&self.g, &a).map(drop).map_err(|e| e.to_string())
    }
    fn resume(&self, id: &str) -> Result<(), String> {
        crate::commands::pause::resume(&self.g, &IdArgs { id: id.to_string() }).map(drop).map_err(|e| e.to_string())
    }
    fn remove_tree(&self, dir: &Path) -> Result<(), String> {
        // Never reached: rootless removals are handed to the Node CLI, which knows the maps.
        Err(format!("{}: files of subordinate ids need the rootless removal (run as the user through the Node CLI)", dir.display()))
    }
}

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("rm", args)?;
    // Without root a writable layer may hold files of the user's subordinate ids: their maps
    // (/etc/subuid) are the Node CLI's.
    if p.bool("help") || p.rest.is_empty() || !nix::unistd::geteuid().is_root() {
        return Ok(Outcome::ToNode);
    }
    let root = p.root();
    let paths = paths::resolve(root.as_deref(), &PathEnv::current());
    let logger = Logger::open(None, LogFormat::Text, false);
    let ops = InProcess { g: Global { root: paths.runtime_root(), log: &logger, systemd_cgroup: false } };
    let json = p.bool("json");
    let several = p.rest.len() > 1;
    let mut out = Vec::new();
    let mut first: Option<FrontError> = None;
    for r in &p.rest {
        match remove_one(&paths, r, p.bool("force"), &ops) {
            Ok(v) => {
                if !json {
                    println!("{r}");
                }
                out.push(v);
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
        // Already shown one by one: only the --json object and the status remain.
        Some(e) if several => Err(FrontError::Shown(Box::new(e))),
        Some(e) => Err(e),
        None => {
            if json {
                println!("{}", serde_json::Value::Array(out));
            }
            Ok(Outcome::Exit(0))
        }
    }
}

fn remove_one(paths: &Paths, reference: &str, force: bool, ops: &InProcess<'_>) -> Result<serde_json::Value, FrontError> {
    let v = resolve_container(paths, reference)?;
    remove_container(paths, &v, force, ops)?;
    Ok(serde_json::json!({"id": v.id, "name": v.name}))
}
