//! The runtime's operations of the store's removal (tsc_box_containers::remove) for the
//! TypeScript commands (`rm` under Node, `container prune`, `run --rm`, `run`'s failure
//! cleanup), done by spawning the runtime binary: Node cannot call them in-process, the
//! runtime's front door does.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tsc_box_containers::lifecycle::LifecycleOps;
use tsc_box_containers::paths::Paths;
use tsc_box_containers::remove::RuntimeOps;
use tsc_box_containers::subid::HostUser;

pub(crate) struct Spawned {
    /// Absent where no runtime operation can be needed (a root caller removing files only).
    runtime: Option<String>,
    runtime_root: PathBuf,
}

impl Spawned {
    pub(crate) fn new(runtime: Option<String>, paths: &Paths) -> Spawned {
        Spawned { runtime, runtime_root: paths.runtime_root() }
    }

    fn call(&self, args: &[&str]) -> Result<(), String> {
        self.output(args).map(drop)
    }

    /// The runtime's standard output, or its message.
    fn output(&self, args: &[&str]) -> Result<Vec<u8>, String> {
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
            return Ok(out.stdout);
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

impl LifecycleOps for Spawned {
    fn signal(&self, id: &str, signal: &str, all: bool) -> Result<(), String> {
        let all = if all { &["--all"][..] } else { &[] };
        self.call(&[&["kill"], all, &[id, signal]].concat())
    }
    fn active(&self, id: &str) -> bool {
        let Ok(out) = self.output(&["state", id]) else { return false };
        serde_json::from_slice::<serde_json::Value>(&out).is_ok_and(|doc| doc["status"] != "stopped")
    }
    fn pause(&self, id: &str) -> Result<(), String> {
        self.call(&["pause", id])
    }
}

impl RuntimeOps for Spawned {
    fn kill_all(&self, id: &str) -> Result<(), String> {
        self.signal(id, "SIGKILL", true)
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
            // Only a rootless caller gets here (a permission error): its own id maps.
            .args(HostUser::current().helper_map_args())
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
