//! The small record `run`/`create` keep for each container (record.json).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
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
    /// A foreground `run`'s start and end (RFC 3339; a detached container's are its monitor's,
    /// in status.json).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// What run/create were asked for (inspect's Config and HostConfig, ps's filters); absent
    /// in records written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<crate::config::ContainerConfig>,
    /// Its binds, volumes and tmpfs mounts (`rm -v`, `--volumes-from`, inspect's Mounts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<crate::volumes::mounts::MountPoint>,
}

pub const RECORD: &str = "record.json";

/// Replaces the record in one step (a temporary file renamed over it): readers never see half
/// a record. The directory must exist (a removed container stays removed).
pub fn write(dir: &Path, record: &ContainerRecord) -> std::io::Result<()> {
    let tmp = dir.join("record.json.tmp");
    let mut bytes = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(&bytes)?;
    drop(f);
    std::fs::rename(&tmp, dir.join(RECORD))
}

/// None for a missing or unreadable record (removed meanwhile).
pub fn read(dir: &Path) -> Option<ContainerRecord> {
    let bytes = std::fs::read(dir.join(RECORD)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_records_read_back_and_keep_the_schema() {
        let d = std::env::temp_dir().join(format!("tsc-box-record-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        assert!(read(&d).is_none());
        let mut r = ContainerRecord {
            id: "abc".into(),
            name: "web".into(),
            created: "2026-01-01T00:00:00Z".into(),
            rootfs: "/r".into(),
            command: vec!["sh".into()],
            status: RecordStatus::Exited,
            exit_code: Some(3),
            oom_killed: false,
            creator: None,
            started_at: None,
            finished_at: None,
            config: None,
            mounts: vec![],
        };
        write(&d, &r).unwrap();
        let text = std::fs::read_to_string(d.join(RECORD)).unwrap();
        // The JSON contract: camelCase, lowercase states, no creator unless there is one.
        assert_eq!(
            text,
            "{\"id\":\"abc\",\"name\":\"web\",\"created\":\"2026-01-01T00:00:00Z\",\"rootfs\":\"/r\",\"command\":[\"sh\"],\"status\":\"exited\",\"exitCode\":3,\"oomKilled\":false}\n"
        );
        r.creator = Some(Creator { pid: 5, start_time: 6 });
        write(&d, &r).unwrap();
        assert_eq!(read(&d).unwrap().creator, Some(Creator { pid: 5, start_time: 6 }));
        assert!(!d.join("record.json.tmp").exists());
        std::fs::remove_dir_all(&d).unwrap();
        assert!(write(&d, &r).is_err());
    }
}
