//! What `state.json` holds and how the runtime-spec state document is derived from it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::time::{now_rfc3339, proc_start_time};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The runtime is still setting it up (or died doing so: then it is Stopped).
    Creating,
    Created,
    Running,
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Stopped => "stopped",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub oci_version: String,
    pub id: String,
    pub pid: i32,
    /// The init's start time in clock ticks since boot (/proc/PID/stat field 22): a recycled
    /// pid has a different one, so a stale pid is never mistaken for the container.
    pub start_time: u64,
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    pub created: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// The container's cgroup exactly as `create` made it, so later commands (kill --all,
    /// delete, update, events) reopen the same directories.
    #[serde(default)]
    pub cgroup: Option<tsc_box_cgroups::Manager>,
    /// Whether the init lives in a new pid namespace: then its death ends every process.
    #[serde(default)]
    pub own_pid_ns: bool,
    /// The bundle's hooks, kept for the phases that run after create (poststart, poststop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hooks: Option<oci_spec::runtime::Hooks>,
}

impl Record {
    pub fn new(id: &str, pid: i32, bundle: &Path, rootfs: &Path) -> Record {
        Record {
            oci_version: "1.2.0".into(),
            id: id.into(),
            pid,
            start_time: proc_start_time(pid).unwrap_or(0),
            bundle: bundle.into(),
            rootfs: rootfs.into(),
            created: now_rfc3339(),
            annotations: BTreeMap::new(),
            cgroup: None,
            own_pid_ns: false,
            hooks: None,
        }
    }

    /// The init is alive when its pid still names the same process and it is no zombie.
    pub fn alive(&self) -> bool {
        self.pid > 0 && proc_start_time(self.pid).is_some_and(|t| t == self.start_time)
    }

    pub fn status(&self, fifo_exists: bool) -> Status {
        if !self.alive() {
            Status::Stopped
        } else if fifo_exists {
            Status::Created
        } else {
            Status::Running
        }
    }

    /// The state document a hook reads on stdin, with the status of its phase.
    pub fn to_hook_state(&self, status: &str) -> serde_json::Value {
        let mut v = self.to_oci(Status::Running);
        v["status"] = status.into();
        v
    }

    /// The runtime-spec state document that `state` prints.
    pub fn to_oci(&self, status: Status) -> serde_json::Value {
        let pid = if matches!(status, Status::Stopped | Status::Creating) { 0 } else { self.pid };
        serde_json::json!({
            "ociVersion": self.oci_version,
            "id": self.id,
            "status": status.as_str(),
            "pid": pid,
            "bundle": self.bundle,
            "rootfs": self.rootfs,
            "created": self.created,
            "annotations": self.annotations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_camel_case_and_round_trips() {
        let mut r = Record::new("x", 1, Path::new("/b"), Path::new("/b/r"));
        r.annotations.insert("k".into(), "v".into());
        let s = serde_json::to_string(&r).unwrap();
        assert!(s.contains("\"ociVersion\"") && s.contains("\"startTime\""));
        let back: Record = serde_json::from_str(&s).unwrap();
        assert_eq!(back.annotations["k"], "v");
    }

    #[test]
    fn a_dead_or_recycled_pid_is_stopped() {
        let mut r = Record::new("x", std::process::id() as i32, Path::new("/b"), Path::new("/r"));
        assert_eq!(r.status(false), Status::Running);
        assert_eq!(r.status(true), Status::Created);
        r.start_time += 1;
        assert_eq!(r.status(false), Status::Stopped);
        r.pid = 0;
        assert_eq!(r.status(false), Status::Stopped);
        let doc = r.to_oci(Status::Stopped);
        assert_eq!(doc["status"], "stopped");
        assert_eq!(doc["pid"], 0);
    }
}
