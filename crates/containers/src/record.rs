//! The small record `run`/`create` keep for each container (record.json).

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
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
}

/// None for a missing or unreadable record (removed meanwhile, or created half-way).
pub fn read(dir: &Path) -> Option<ContainerRecord> {
    let bytes = std::fs::read(dir.join("record.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}
