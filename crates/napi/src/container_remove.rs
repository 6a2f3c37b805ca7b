//! Removing containers for the TypeScript commands (`rm` under Node, `container prune`, `run
//! --rm` and `run`'s failure cleanup): the store's one removal (tsc_box_containers::remove),
//! with the runtime's operations done by spawning the runtime binary (Node cannot call them
//! in-process, the runtime's front door does). Failures read "[code:exit] message".
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use napi_derive::napi;
use tsc_box_containers::paths::Paths;
use tsc_box_containers::remove::{self, RuntimeOps};
use tsc_box_containers::resolve::ResolveError;
use tsc_box_containers::view;

use crate::containers::coded;
use crate::errors::ErrorCode;

struct Spawned {
    /// Absent where no runtime operation can be needed (a root caller removing files only).
    runtime: Option<String>,
    runtime_root: PathBuf,
    /// The rootless user's id maps for `remove-tree` (--uidmap/--gidmap flags).
    tree_maps: Vec<String>,
}

impl Spawned {
    fn call(&self, args: &[&str]) -> Result<(), String> {
        let Some(runtime) = &self.runtime else { return Err("the runtime is not known here".into()) };
        let _ = std::fs::create_dir_all(&self.runtime_root);
        let out = Command::new(runtime)
            .arg("--root")
            .arg(&self.runtime_root)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {runtime}: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        Err(runtime_message(&String::from_utf8_lossy(&out.stderr), out.status.code()))
    }
}

/// The runtime's own message, without its program-name prefix.
fn runtime_message(stderr: &str, code: Option<i32>) -> String {
    let text: Vec<&str> = stderr.trim().lines().map(|l| l.strip_prefix("tsc-box-runtime: ").unwrap_or(l)).collect();
    if text.is_empty() {
        return format!("the runtime exited with status {}", code.unwrap_or(128 + 9));
    }
    text.join("\n")
}

impl RuntimeOps for Spawned {
    fn kill_all(&self, id: &str) -> Result<(), String> {
        self.call(&["kill", "--all", id, "SIGKILL"])
    }
    fn delete(&self, id: &str) -> Result<(), String> {
        self.call(&["delete", "--force", id])
    }
    fn resume(&self, id: &str) -> Result<(), String> {
        self.call(&["resume", id])
    }
    fn remove_tree(&self, dir: &Path) -> Result<(), String> {
        let Some(runtime) = &self.runtime else { return Err("the runtime is not known here".into()) };
        let out = Command::new(runtime)
            .args(["helper", "remove-tree"])
            .args(&self.tree_maps)
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {runtime}: {e}"))?;
        match out.status.code() {
            Some(0) => Ok(()),
            c => {
                let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
                Err(if err.is_empty() { format!("runtime exit {}", c.map_or("by signal".into(), |c| c.to_string())) } else { err })
            }
        }
    }
}

fn ops(runtime: Option<String>, paths: &Paths, tree_maps: Vec<String>) -> Spawned {
    Spawned { runtime, runtime_root: paths.runtime_root(), tree_maps }
}

fn store(data_root: String, run_dir: String) -> Paths {
    Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) }
}

/// `rm [-f]` of the container with this full id: processes (with force), runtime state,
/// writable layer, directory, name, user-namespace block.
#[napi]
pub fn container_remove(runtime: String, data_root: String, run_dir: String, id: String, force: bool, tree_maps: Vec<String>) -> napi::Result<(), ErrorCode> {
    let paths = store(data_root, run_dir);
    let v = view::by_id(&paths, &id).ok_or_else(|| coded(&ResolveError::NoSuch(id.clone())))?;
    remove::remove_container(&paths, &v, force, &ops(Some(runtime), &paths, tree_maps)).map_err(|e| coded(&e))
}

/// What `run`/`create` made for a container the runtime holds nothing of (a failed or --rm
/// `run`, a directory a killed `run` left): writable layer, directory, name, block.
#[napi]
pub fn container_remove_files(data_root: String, id: String, name: String, runtime: Option<String>, tree_maps: Vec<String>) -> napi::Result<(), ErrorCode> {
    let paths = store(data_root, String::new());
    remove::remove_files(&paths, &id, &name, &ops(runtime, &paths, tree_maps)).map_err(|e| coded(&e))
}

/// Unmounts an overlay directory made for a container and, with `remove`, deletes it.
#[napi]
pub fn overlay_release(dir: String, remove: bool, runtime: Option<String>, tree_maps: Vec<String>) -> napi::Result<(), ErrorCode> {
    let o = Spawned { runtime, runtime_root: PathBuf::new(), tree_maps };
    remove::release_overlay(Path::new(&dir), remove, &o).map_err(|e| coded(&e))
}

/// The overlay directory (`<data root>/overlay/<key>`) a container's rootfs lies in, if any.
#[napi]
pub fn container_overlay_dir(data_root: String, rootfs: String) -> Option<String> {
    remove::overlay_dir(&store(data_root, String::new()), Some(&rootfs)).map(|d| d.to_string_lossy().into_owned())
}

/// Releases `name` only if container `id` still holds it.
#[napi]
pub fn container_release_name(data_root: String, name: String, id: String) {
    remove::release_name(&store(data_root, String::new()), &name, &id)
}

/// Releases container `id`'s automatic user-namespace block, if it has one.
#[napi]
pub fn container_release_auto_block(data_root: String, id: String) {
    remove::release_auto_block(&store(data_root, String::new()), &id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_messages_lose_the_program_name() {
        assert_eq!(runtime_message("tsc-box-runtime: no such container\n", Some(1)), "no such container");
        assert_eq!(runtime_message("", Some(3)), "the runtime exited with status 3");
        assert_eq!(runtime_message(" ", None), "the runtime exited with status 137");
    }
}
