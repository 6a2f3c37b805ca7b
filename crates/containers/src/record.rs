//! The small record `run`/`create` keep for each container (record.json).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::creation::Creator;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
    /// Written first, before the name, the writable layer or the bundle exist: `creator` is
    /// the `run`/`create` still making them (crates/containers/src/creation.rs).
    Creating,
    Created,
    Running,
    Exited,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerRecord {
    pub id: String,
    pub name: String,
    /// ISO 8601 creation time.
    pub created: String,
    pub rootfs: String,
    pub command: Vec<String>,
    pub status: RecordStatus,
    pub exit_code: Option<i32>,
    pub oom_killed: bool,
    /// The process creating the container, while `status` is `creating`, and while `run -d`
    /// starts it (`created`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<Creator>,
}

/// None for a missing or unreadable record (removed meanwhile).
pub fn read(dir: &Path) -> Option<ContainerRecord> {
    let bytes = std::fs::read(dir.join("record.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}
