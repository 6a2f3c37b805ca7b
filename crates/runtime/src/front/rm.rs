//! `tsc-box rm [-f] [-v] CONTAINER...`: the store's removal (tsc_box_containers::remove) with
//! the runtime's kill, delete and resume done in this process, for root and rootless callers
//! alike. Each name is printed once removed; with several, each failure is reported and the
//! first one decides the status.

use std::path::Path;

use tsc_box_containers::paths::{self, PathEnv, Paths};
use tsc_box_containers::remove::{remove_container, RuntimeOps};
use tsc_box_containers::resolve::resolve_container;
use tsc_box_containers::subid::HostUser;

use super::{argv, FrontError, Outcome};
use crate::cli::{DeleteArgs, IdArgs, KillArgs, LogFormat};
use crate::commands::userns_helper::{run_mapped, MapArgs};
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
    /// Only a rootless caller gets here (the store removes what it may itself first): the tree
    /// holds files of the user's subordinate ids, which it may unlink as root of a user
    /// namespace mapping them (`remove-tree`'s way, in a forked child of this process).
    fn remove_tree(&self, dir: &Path) -> Result<(), String> {
        let args = HostUser::current().helper_map_args();
        let (mut uidmap, mut gidmap) = (Vec::new(), Vec::new());
        for pair in args.chunks(2) {
            match pair {
                [flag, map] if flag == "--uidmap" => uidmap.push(map.clone()),
                [_, map] => gidmap.push(map.clone()),
                _ => {}
            }
        }
        let maps = MapArgs { uidmap, gidmap };
        let code = run_mapped(&maps, || match tsc_box_image::tree::remove_tree(dir) {
            Ok(_) => 0,
            Err(e) => {
                eprintln!("tsc-box: removing {}: {e}", dir.display());
                1
            }
        })
        .map_err(|e| e.to_string())?;
        if code == 0 {
            Ok(())
        } else {
            Err(format!("removing {} in a user namespace failed", dir.display()))
        }
    }
}

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("rm", args)?;
    if p.bool("help") || p.rest.is_empty() {
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
        match remove_one(&paths, r, p.bool("force"), p.bool("volumes"), &ops) {
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
