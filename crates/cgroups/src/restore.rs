//! What a container's limits replaced in a cgroup that existed before it (a cgroupsPath
//! naming a cgroup someone else made): recorded while `Manager::apply_recorded` writes, put
//! back when the container is removed or its creation fails, so that a cgroup we did not
//! create is left with the values it had.
//!
//! Recording is per thread (the runtime is single-threaded) and only between `start` and
//! `finish`: every `fsio::write` in that window first saves the file's current content, once
//! per file. Files whose read form is not their write form are put back their own way.
use crate::fsio::{self, FileError};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// One thing to put back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Saved {
    /// A control file: its content before, and the device keys ("8:0") written to it, for the
    /// per-device files (io.max, blkio.throttle.*) where a key absent before must be reset.
    File {
        path: PathBuf,
        before: String,
        #[serde(default)]
        keys: Vec<String>,
    },
    /// v1 devices.allow/deny: the whole devices.list before.
    DeviceList { dir: PathBuf, before: String },
    /// v2: the device eBPF program attached before (its id), or none.
    DeviceProgram { dir: PathBuf, before: Option<u32> },
}

impl Saved {
    /// The cgroup directory the value belongs to.
    pub fn dir(&self) -> &Path {
        match self {
            Saved::File { path, .. } => path.parent().unwrap_or(Path::new("/")),
            Saved::DeviceList { dir, .. } | Saved::DeviceProgram { dir, .. } => dir,
        }
    }
}

thread_local! {
    static JOURNAL: RefCell<Option<Vec<Saved>>> = const { RefCell::new(None) };
}

/// Starts recording.
pub fn start() {
    JOURNAL.with(|j| *j.borrow_mut() = Some(Vec::new()));
}

/// Stops recording and returns what was recorded, in the order it was written.
pub fn finish() -> Vec<Saved> {
    JOURNAL.with(|j| j.borrow_mut().take().unwrap_or_default())
}

fn recording() -> bool {
    JOURNAL.with(|j| j.borrow().is_some())
}

fn push(s: Saved) {
    JOURNAL.with(|j| {
        if let Some(v) = j.borrow_mut().as_mut() {
            v.push(s);
        }
    });
}

fn device_key(value: &str) -> Option<String> {
    let k = value.split_whitespace().next()?;
    let (a, b) = k.split_once(':')?;
    (a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok()).then(|| k.to_string())
}

fn keyed(name: &str) -> bool {
    name == "io.max" || name.starts_with("blkio.throttle.")
}

/// Called by `fsio::write` before it writes `value` to `path`: saves what is there if this
/// is the first write to it while recording. A file that cannot be read cannot be put back,
/// so the write is refused then.
pub(crate) fn note(path: &Path, value: &str) -> Result<(), FileError> {
    if !recording() {
        return Ok(());
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let seen = JOURNAL.with(|j| {
        j.borrow().as_ref().is_some_and(|v| {
            v.iter().any(|s| match s {
                Saved::File { path: p, .. } => p == path,
                Saved::DeviceList { dir: d, .. } => (name == "devices.allow" || name == "devices.deny") && *d == dir,
                Saved::DeviceProgram { .. } => false,
            })
        })
    });
    if name == "devices.allow" || name == "devices.deny" {
        if !seen {
            push(Saved::DeviceList { before: fsio::read(&dir.join("devices.list"))?, dir });
        }
        return Ok(());
    }
    let key = if keyed(name) { device_key(value) } else { None };
    if seen {
        if let Some(k) = key {
            JOURNAL.with(|j| {
                if let Some(v) = j.borrow_mut().as_mut() {
                    for s in v.iter_mut() {
                        if let Saved::File { path: p, keys, .. } = s {
                            if p == path && !keys.contains(&k) {
                                keys.push(k.clone());
                            }
                        }
                    }
                }
            });
        }
        return Ok(());
    }
    push(Saved::File { path: path.to_path_buf(), before: fsio::read(path)?, keys: key.into_iter().collect() });
    Ok(())
}

/// Records the device program attached to `dir` now (v2), before one of ours replaces it.
pub(crate) fn note_device_program(dir: &Path) -> Result<(), crate::devices::DevicesError> {
    if recording() {
        let before = crate::devices::attached_program(dir)?;
        push(Saved::DeviceProgram { dir: dir.to_path_buf(), before });
    }
    Ok(())
}

/// The writes that put one file back.
fn writes_for(name: &str, before: &str, keys: &[String]) -> Vec<String> {
    let lines = || before.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string);
    if keyed(name) {
        let mut out: Vec<String> = lines().collect();
        for k in keys {
            if !out.iter().any(|l| device_key(l).as_deref() == Some(k)) {
                out.push(if name == "io.max" { format!("{k} rbps=max wbps=max riops=max wiops=max") } else { format!("{k} 0") });
            }
        }
        return out;
    }
    match name {
        // "default 100" and one line per device, each written as read.
        "io.weight" | "io.bfq.weight" => lines().collect(),
        // Read as "oom_kill_disable 0\nunder_oom 0\n...", written as "0".
        "memory.oom_control" => lines().find_map(|l| l.strip_prefix("oom_kill_disable ").map(str::to_string)).into_iter().collect(),
        _ => vec![before.trim().to_string()],
    }
}

fn put_back(s: &Saved) -> Result<(), String> {
    match s {
        Saved::File { path, before, keys } => {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            for w in writes_for(name, before, keys) {
                fsio::write(path, &w).map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Saved::DeviceList { dir, before } => {
            // The list as it was: everything denied, then each line allowed again.
            fsio::write(&dir.join("devices.deny"), "a").map_err(|e| e.to_string())?;
            for l in before.lines().map(str::trim).filter(|l| !l.is_empty()) {
                fsio::write(&dir.join("devices.allow"), l).map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Saved::DeviceProgram { dir, before } => crate::devices::reattach(dir, *before).map_err(|e| e.to_string()),
    }
}

/// Puts everything in `saved` back, last write first. Some values may only be set in a
/// certain order (memory.limit_in_bytes below memory.memsw.limit_in_bytes): whatever fails
/// is tried again after the rest, until nothing more succeeds; the first failure left is
/// the error.
pub fn restore(saved: &[Saved]) -> Result<(), String> {
    let mut todo: Vec<&Saved> = saved.iter().rev().collect();
    loop {
        let before = todo.len();
        let mut failed = Vec::new();
        let mut first_err = None;
        for s in todo {
            if let Err(e) = put_back(s) {
                first_err.get_or_insert(e);
                failed.push(s);
            }
        }
        match first_err {
            None => return Ok(()),
            Some(e) if failed.len() == before => return Err(e),
            Some(_) => todo = failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdir::TestDir;

    #[test]
    fn records_first_values_and_puts_them_back() {
        let t = TestDir::new("restore");
        let d = t.dir("cg");
        t.file(&d, "pids.max", "max\n");
        t.file(&d, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
        t.file(&d, "blkio.throttle.read_bps_device", "8:0 100\n");
        // Not recording: nothing is saved.
        fsio::write(&d.join("pids.max"), "7").unwrap();
        fsio::write(&d.join("pids.max"), "max").unwrap();
        start();
        fsio::write(&d.join("pids.max"), "10").unwrap();
        fsio::write(&d.join("pids.max"), "20").unwrap();
        fsio::write(&d.join("memory.oom_control"), "1").unwrap();
        fsio::write(&d.join("blkio.throttle.read_bps_device"), "8:16 5").unwrap();
        let saved = finish();
        assert_eq!(saved.len(), 3, "one entry per file: {saved:?}");
        assert_eq!(saved[0], Saved::File { path: d.join("pids.max"), before: "max".into(), keys: vec![] });
        let json = serde_json::to_string(&saved).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Saved>>(&json).unwrap(), saved);
        // Plain files get their value; the per-device file gets its old lines and a reset of
        // the key that was not there (a fixture file keeps only the last write).
        assert_eq!(writes_for("blkio.throttle.read_bps_device", "8:0 100\n", &["8:16".into()]), ["8:0 100", "8:16 0"]);
        assert_eq!(writes_for("io.max", "", &["8:0".into()]), ["8:0 rbps=max wbps=max riops=max wiops=max"]);
        assert_eq!(writes_for("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n", &[]), ["0"]);
        assert_eq!(writes_for("io.weight", "default 100\n8:0 50\n", &[]), ["default 100", "8:0 50"]);
        restore(&saved).unwrap();
        assert_eq!(std::fs::read_to_string(d.join("pids.max")).unwrap(), "max");
        assert_eq!(std::fs::read_to_string(d.join("memory.oom_control")).unwrap(), "0");
        assert_eq!(std::fs::read_to_string(d.join("blkio.throttle.read_bps_device")).unwrap(), "8:16 0");
    }

    #[test]
    fn unreadable_files_are_not_written() {
        let t = TestDir::new("restore-unreadable");
        let d = t.dir("cg");
        start();
        let e = fsio::write(&d.join("missing"), "1");
        finish();
        assert!(e.is_err());
        assert!(!d.join("missing").exists());
    }

    #[test]
    fn restore_retries_what_depends_on_order() {
        let t = TestDir::new("restore-order");
        let d = t.dir("cg");
        // A file standing for one that can be written only once another has its value:
        // a directory in its place makes the first attempt fail, and nothing else changes,
        // so the error is reported rather than looping.
        std::fs::create_dir(d.join("blocked")).unwrap();
        t.file(&d, "ok", "1");
        let saved = vec![
            Saved::File { path: d.join("blocked"), before: "x".into(), keys: vec![] },
            Saved::File { path: d.join("ok"), before: "2".into(), keys: vec![] },
        ];
        assert!(restore(&saved).unwrap_err().contains("blocked"));
        assert_eq!(std::fs::read_to_string(d.join("ok")).unwrap(), "2");
    }
}
