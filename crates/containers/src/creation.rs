//! Creating a container is recorded before anything of it exists: `run`/`create` first make
//! its directory with a record in state `creating` that names the creating process (pid and
//! start time), and only then claim the name, mount the writable layer and write the bundle.
//! A `run` killed at any point therefore leaves a directory whose record says what may exist
//! (the name, the overlay under `rootfs`), which `ps -a` lists and `rm`/`container prune`
//! remove; while the creator is alive nobody else touches it (no time-based guess).
//!
//! The directory appears with its record in one step: it is made and filled under a hidden
//! staging name that carries the creator (`.new-<pid>-<start time>-<id>`) and renamed into
//! place, so `containers/<id>` never exists without a record, and a staging directory left by
//! a killed creator is recognised as abandoned by its name alone.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::names::{self, NameError};
use crate::paths::Paths;
use crate::record::{ContainerRecord, RecordStatus};
use crate::status::proc_start_time;
use crate::view::{self, ContainerView};
use crate::{Coded, ErrorCode};

/// Hidden entries of `containers/` with this prefix are creations not yet in place.
pub const STAGING_PREFIX: &str = ".new-";
/// Hidden entries with this prefix are containers being removed (crates/containers/src/remove.rs).
pub const REMOVING_PREFIX: &str = ".gone-";

/// How long `rm` waits for a creation in progress to finish before it gives up.
pub const CREATION_WAIT: Duration = Duration::from_secs(10);

/// The process creating a container: a pid counts only with the start time it had then, so a
/// recycled pid never passes for the creator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Creator {
    pub pid: i32,
    pub start_time: u64,
}

impl Creator {
    /// This process (the Node CLI through the binding, or the runtime's front door).
    pub fn current() -> Option<Creator> {
        let pid = std::process::id() as i32;
        proc_start_time(pid).map(|start_time| Creator { pid, start_time })
    }

    pub fn alive(&self) -> bool {
        self.pid > 0 && proc_start_time(self.pid) == Some(self.start_time)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("\"{0}\" is not a container id")]
    BadId(String),
    #[error("cannot read this process's start time from /proc: is /proc mounted?")]
    NoProc,
    #[error("creating the container directory {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error(transparent)]
    Name(#[from] NameError),
}

impl Coded for CreateError {
    fn code(&self) -> ErrorCode {
        match self {
            CreateError::BadId(_) => ErrorCode::InvalidId,
            CreateError::NoProc | CreateError::Io(..) => ErrorCode::CreateFailed,
            CreateError::Name(e) => e.code(),
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn staging_name(c: &Creator, id: &str) -> String {
    format!("{STAGING_PREFIX}{}-{}-{id}", c.pid, c.start_time)
}

/// The creator and id a staging directory's name carries; None for any other entry.
pub fn parse_staging(name: &str) -> Option<(Creator, &str)> {
    let rest = name.strip_prefix(STAGING_PREFIX)?;
    let mut parts = rest.splitn(3, '-');
    let pid = parts.next()?.parse().ok()?;
    let start_time = parts.next()?.parse().ok()?;
    let id = parts.next().filter(|id| valid_id(id))?;
    Some((Creator { pid, start_time }, id))
}

/// Makes `containers/<id>` with `record` (status `creating`, this process as its creator) in
/// one step. Nothing else of the container exists yet; on failure nothing is left.
pub fn begin(paths: &Paths, mut record: ContainerRecord) -> Result<PathBuf, CreateError> {
    if !valid_id(&record.id) {
        return Err(CreateError::BadId(record.id));
    }
    let creator = Creator::current().ok_or(CreateError::NoProc)?;
    record.status = RecordStatus::Creating;
    record.creator = Some(creator);
    let parent = paths.containers_dir();
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| CreateError::Io(p, e)
    };
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&parent).map_err(io(&parent))?;
    let staging = parent.join(staging_name(&creator, &record.id));
    let dir = paths.container_dir(&record.id);
    std::fs::DirBuilder::new().mode(0o700).create(&staging).map_err(io(&staging))?;
    let filled = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(staging.join("record.json"))?;
        let mut bytes = serde_json::to_vec(&record).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        f.write_all(&bytes)?;
        // Ids are random, but a directory of that name must never be replaced.
        match nix::fcntl::renameat2(nix::fcntl::AT_FDCWD, &staging, nix::fcntl::AT_FDCWD, &dir, nix::fcntl::RenameFlags::RENAME_NOREPLACE) {
            // Filesystems without RENAME_NOREPLACE (9p, some FUSE): a plain rename replaces
            // only an empty directory, and a container's directory always holds its record.
            Err(nix::errno::Errno::EINVAL) => std::fs::rename(&staging, &dir),
            r => r.map_err(std::io::Error::from),
        }
    })();
    filled.map_err(|e| {
        let _ = std::fs::remove_dir_all(&staging);
        CreateError::Io(dir.clone(), e)
    })?;
    Ok(dir)
}

/// How many random names `create` tries before it reports the last one in use.
const RANDOM_NAME_TRIES: usize = 10;

/// The first steps of `run`/`create`: the directory with `record` (status `creating`, this
/// process its creator, `begin`), then its name (`record.name`, or a random one when empty).
/// `record.rootfs` must already say where the writable layer will be: it is made after this.
/// On any failure nothing is left. Returns the directory and the name.
pub fn create(paths: &Paths, record: ContainerRecord) -> Result<(PathBuf, String), CreateError> {
    if !record.name.is_empty() {
        names::validate_name(&record.name)?;
    }
    let given = (!record.name.is_empty()).then(|| record.name.clone());
    let id = record.id.clone();
    let dir = begin(paths, record)?;
    let mut attempt = 0;
    loop {
        let name = match &given {
            Some(n) => n.clone(),
            None => names::random_name().map_err(|e| CreateError::Io(dir.clone(), e))?,
        };
        let claimed = names::claim_name(paths, &name, &id).and_then(|()| {
            // The record names the container as soon as it holds its name (`ps -a` of a run
            // killed from here on shows it).
            let mut r = crate::record::read(&dir).ok_or_else(|| NameError::Io(name.clone(), std::io::ErrorKind::NotFound.into()))?;
            r.name = name.clone();
            crate::record::write(&dir, &r).map_err(|e| NameError::Io(name.clone(), e))
        });
        match claimed {
            Ok(()) => return Ok((dir, name)),
            Err(NameError::InUse { .. }) if given.is_none() && attempt < RANDOM_NAME_TRIES => attempt += 1,
            Err(e) => {
                crate::remove::release_name(paths, &name, &id);
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e.into());
            }
        }
    }
}

/// Removes the staging directories whose creator is gone (a `run` killed before its
/// container's directory was in place: they hold at most a record) and the hidden
/// directories of removals that were killed (their name, overlay and block went first).
/// Returns their ids.
pub fn remove_abandoned(paths: &Paths) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(paths.containers_dir()) else { return Vec::new() };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let id = match (parse_staging(name), name.strip_prefix(REMOVING_PREFIX)) {
            (Some((creator, _)), _) if creator.alive() => continue,
            (Some((_, id)), _) => id,
            (None, Some(id)) if valid_id(id) => id,
            _ => continue,
        };
        // A failure (another removal finished it meanwhile) is not this prune's to report.
        if std::fs::remove_dir_all(e.path()).is_ok() {
            out.push(id.to_string());
        }
    }
    out
}

/// What a container being created has become after waiting for its creator.
#[derive(Debug)]
pub enum Settled {
    /// Created (or its creator died): the view to act on.
    Ready(Box<ContainerView>),
    /// The creator failed and removed it.
    Gone,
    /// Still being created by this pid after the wait.
    StillCreating(i32),
}

/// Waits (up to `limit`) until the container `v` is no longer being created by a live process.
pub fn wait_settled(paths: &Paths, v: &ContainerView, limit: Duration) -> Settled {
    let end = Instant::now() + limit;
    let mut pid = v.creator_pid;
    loop {
        match view::by_id(paths, &v.id) {
            None => return Settled::Gone,
            Some(now) if now.creator_pid.is_none() => return Settled::Ready(Box::new(now)),
            Some(now) => pid = now.creator_pid.or(pid),
        }
        if Instant::now() >= end {
            return Settled::StillCreating(pid.unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::State;

    fn tmp(tag: &str) -> Paths {
        let base = std::env::temp_dir().join(format!("tsc-box-creation-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        Paths { data_root: base.join("data"), run_dir: base.join("run") }
    }

    fn rec(id: &str) -> ContainerRecord {
        ContainerRecord {
            id: id.into(),
            name: "web".into(),
            created: "2026-01-01T00:00:00Z".into(),
            rootfs: "/r".into(),
            command: vec!["sh".into()],
            status: RecordStatus::Created,
            exit_code: None,
            oom_killed: false,
            creator: None,
            started_at: None,
            finished_at: None,
            config: None,
            mounts: vec![],
        }
    }

    /// A pid that is certainly not running: a child we started and reaped.
    fn dead_creator() -> Creator {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        child.wait().unwrap();
        Creator { pid, start_time: 1 }
    }

    #[test]
    fn begin_puts_the_directory_in_place_with_a_creating_record() {
        let p = tmp("begin");
        let dir = begin(&p, rec("abc123")).unwrap();
        assert_eq!(dir, p.container_dir("abc123"));
        let r = crate::record::read(&dir).unwrap();
        assert_eq!(r.status, RecordStatus::Creating);
        assert_eq!(r.creator, Creator::current());
        // No staging directory is left, and the view is "created" while this process lives.
        let entries: Vec<_> = std::fs::read_dir(p.containers_dir()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(entries, vec![std::ffi::OsString::from("abc123")]);
        let v = view::by_id(&p, "abc123").unwrap();
        assert_eq!((v.state, v.creator_pid), (State::Created, Some(std::process::id() as i32)));
        // `created` with its creator still at work (`run -d` starting the monitor) is its
        // creator's too; without one it is free.
        let mut done = r.clone();
        done.status = RecordStatus::Created;
        std::fs::write(dir.join("record.json"), serde_json::to_string(&done).unwrap()).unwrap();
        assert_eq!(view::by_id(&p, "abc123").unwrap().creator_pid, Some(std::process::id() as i32));
        done.creator = None;
        std::fs::write(dir.join("record.json"), serde_json::to_string(&done).unwrap()).unwrap();
        assert_eq!(view::by_id(&p, "abc123").unwrap().creator_pid, None);
        std::fs::write(dir.join("record.json"), serde_json::to_string(&r).unwrap()).unwrap();
        // The same id again never replaces it.
        let e = begin(&p, rec("abc123")).unwrap_err();
        assert_eq!(e.code().as_str(), "create_failed");
        assert_eq!(std::fs::read_dir(p.containers_dir()).unwrap().count(), 1);
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }

    #[test]
    fn create_claims_the_name_or_leaves_nothing() {
        let p = tmp("create");
        let (dir, name) = create(&p, rec("c1")).unwrap();
        assert_eq!((dir.clone(), name.as_str()), (p.container_dir("c1"), "web"));
        assert_eq!(crate::names::holder(&p, "web").as_deref(), Some("c1"));
        assert_eq!(crate::record::read(&dir).unwrap().status, RecordStatus::Creating);
        // The same name again: refused, and the second container's directory is gone.
        let e = create(&p, rec("c2")).unwrap_err();
        assert_eq!(e.code().as_str(), "name_in_use");
        assert!(!p.container_dir("c2").exists());
        assert_eq!(crate::names::holder(&p, "web").as_deref(), Some("c1"));
        // A bad name is refused before anything exists.
        let mut bad = rec("c3");
        bad.name = "-x".into();
        assert_eq!(create(&p, bad).unwrap_err().code().as_str(), "invalid_name");
        assert!(!p.container_dir("c3").exists());
        // No name: a random one, written into the record.
        let mut anon = rec("c4");
        anon.name = String::new();
        let (dir, name) = create(&p, anon).unwrap();
        assert_eq!(crate::record::read(&dir).unwrap().name, name);
        assert_eq!(crate::names::holder(&p, &name).as_deref(), Some("c4"));
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }

    #[test]
    fn ids_that_could_name_another_path_are_refused() {
        let p = tmp("badid");
        for bad in ["", "../x", "a/b", ".new-1-2-x", "a-b"] {
            assert_eq!(begin(&p, rec(bad)).unwrap_err().code().as_str(), "invalid_id", "{bad}");
        }
        assert!(!p.containers_dir().exists());
    }

    #[test]
    fn a_dead_creator_makes_it_dead_a_live_one_created() {
        let p = tmp("dead");
        let dir = p.container_dir("d00d");
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = rec("d00d");
        r.status = RecordStatus::Creating;
        r.creator = Some(dead_creator());
        std::fs::write(dir.join("record.json"), serde_json::to_string(&r).unwrap()).unwrap();
        let v = view::by_id(&p, "d00d").unwrap();
        assert_eq!((v.state, v.creator_pid, v.exit_code), (State::Dead, None, None));
        // A record without a creator (written by hand, or damaged) is dead too.
        r.creator = None;
        std::fs::write(dir.join("record.json"), serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(view::by_id(&p, "d00d").unwrap().state, State::Dead);
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }

    #[test]
    fn staging_names_round_trip_and_only_abandoned_ones_go() {
        let me = Creator::current().unwrap();
        let name = staging_name(&me, "ab12");
        assert_eq!(parse_staging(&name), Some((me, "ab12")));
        for other in ["ab12", ".new-", ".new-1-2", ".new-x-2-ab", ".new-1-2-../x"] {
            assert_eq!(parse_staging(other), None, "{other}");
        }
        let p = tmp("staging");
        let dead = staging_name(&dead_creator(), "dead01");
        for n in [name.as_str(), dead.as_str(), ".other", ".gone-dead02", ".gone-a-b"] {
            std::fs::create_dir_all(p.containers_dir().join(n)).unwrap();
        }
        std::fs::write(p.containers_dir().join(&dead).join("record.json"), "{").unwrap();
        let mut removed = remove_abandoned(&p);
        removed.sort();
        assert_eq!(removed, vec!["dead01".to_string(), "dead02".to_string()]);
        for kept in [name.as_str(), ".other", ".gone-a-b"] {
            assert!(p.containers_dir().join(kept).exists(), "{kept}");
        }
        // Staging directories are never listed as containers.
        assert!(view::list(&p, None).is_empty());
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }

    struct NoRuntime;
    impl crate::remove::RuntimeOps for NoRuntime {
        fn kill_all(&self, _: &str) -> Result<(), String> {
            Err("no runtime in this test".into())
        }
        fn delete(&self, _: &str) -> Result<(), String> {
            Err("no runtime in this test".into())
        }
        fn resume(&self, _: &str) -> Result<(), String> {
            Err("no runtime in this test".into())
        }
        fn remove_tree(&self, _: &Path) -> Result<(), String> {
            Err("no runtime in this test".into())
        }
    }

    #[test]
    fn rm_removes_a_dead_creation_whole() {
        // What a `run` killed after its name and overlay directory were made leaves.
        let p = tmp("rmdead");
        let layer = p.data_root.join("overlay/0123456789abcdef");
        std::fs::create_dir_all(layer.join("upper")).unwrap();
        std::fs::write(layer.join("image.json"), "{}").unwrap();
        let dir = p.container_dir("dead02");
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = rec("dead02");
        r.status = RecordStatus::Creating;
        r.creator = Some(dead_creator());
        r.rootfs = layer.join("merged").to_string_lossy().into_owned();
        std::fs::write(dir.join("record.json"), serde_json::to_string(&r).unwrap()).unwrap();
        std::fs::create_dir_all(p.names_dir()).unwrap();
        std::fs::write(p.names_dir().join("web"), "dead02").unwrap();
        let v = crate::resolve::resolve_container(&p, "web").unwrap();
        assert_eq!(v.state, State::Dead);
        crate::remove::remove_container(&p, &v, false, &NoRuntime).unwrap();
        assert!(!dir.exists() && !layer.exists() && !p.names_dir().join("web").exists());
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }

    #[test]
    fn waiting_ends_when_the_creation_ends() {
        let p = tmp("wait");
        let dir = begin(&p, rec("e1")).unwrap();
        let v = view::by_id(&p, "e1").unwrap();
        match wait_settled(&p, &v, Duration::from_millis(60)) {
            Settled::StillCreating(pid) => assert_eq!(pid, std::process::id() as i32),
            other => panic!("{other:?}"),
        }
        let done = std::thread::spawn({
            let dir = dir.clone();
            move || {
                std::thread::sleep(Duration::from_millis(50));
                // Replaced in one step, as `run` does: a reader never sees half a record.
                std::fs::write(dir.join("record.json.tmp"), serde_json::to_string(&rec("e1")).unwrap()).unwrap();
                std::fs::rename(dir.join("record.json.tmp"), dir.join("record.json")).unwrap();
            }
        });
        match wait_settled(&p, &v, Duration::from_secs(5)) {
            Settled::Ready(now) => assert_eq!(now.state, State::Created),
            other => panic!("{other:?}"),
        }
        done.join().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(wait_settled(&p, &v, Duration::from_secs(1)), Settled::Gone));
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }
}
