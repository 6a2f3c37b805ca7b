//! The runtime's own operations (kill, delete, pause, resume, state, a rootless tree's removal)
//! as the container store's removal and lifecycle ask for them (tsc_box_containers::remove's
//! `RuntimeOps`, lifecycle's `LifecycleOps`): done in this process, the front door being the
//! runtime binary, instead of spawning the runtime again as the napi binding does.

use std::path::Path;

use tsc_box_containers::lifecycle::LifecycleOps;
use tsc_box_containers::paths::Paths;
use tsc_box_containers::remove::RuntimeOps;
use tsc_box_containers::subid::HostUser;
use tsc_box_core::state::{StateDir, Status};

use crate::cli::{DeleteArgs, IdArgs, KillArgs, LogFormat};
use crate::commands::userns_helper::{run_mapped, MapArgs};
use crate::commands::Global;
use crate::log::Logger;

/// The runtime's commands, called directly instead of spawning the runtime again.
pub struct InProcess<'a> {
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

impl<'a> InProcess<'a> {
    /// The runtime's log, which its commands write to (stderr, as text).
    pub fn logger() -> Logger {
        Logger::open(None, LogFormat::Text, false)
    }

    pub fn new(paths: &Paths, log: &'a Logger) -> InProcess<'a> {
        InProcess { g: Global { root: paths.runtime_root(), log, systemd_cgroup: false } }
    }
}

impl LifecycleOps for InProcess<'_> {
    fn signal(&self, id: &str, signal: &str, all: bool) -> Result<(), String> {
        let a = KillArgs { all, id: id.to_string(), signal: signal.to_string() };
        crate::commands::kill::run(&self.g, &a).map(drop).map_err(|e| e.to_string())
    }
    fn active(&self, id: &str) -> bool {
        let Ok(dir) = StateDir::open_unlocked(&self.g.root, id) else { return false };
        dir.load().is_ok_and(|rec| dir.status(&rec) != Status::Stopped)
    }
    fn pause(&self, id: &str) -> Result<(), String> {
        crate::commands::pause::pause(&self.g, &IdArgs { id: id.to_string() }).map(drop).map_err(|e| e.to_string())
    }
}
