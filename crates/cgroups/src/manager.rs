//! One container's cgroup across every hierarchy of the host: create, limit, join, observe,
//! freeze, kill and remove it.
use crate::detect::{self, dir_in_mount, DetectError, Layout, Membership, Mode};
use crate::devices::{self, DevicesError};
use crate::fsio::{self, FileError};
use crate::path::{self, PathError};
use crate::restore::{self, Saved};
use crate::stats::Stats;
use crate::v1::{self, V1Error};
use crate::v2::{self, V2Error};
use crate::validate::{self, HostCpus, ValidateError};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use oci_spec::runtime::LinuxResources;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long remove() keeps retrying rmdir on EBUSY (exiting tasks leave the cgroup
/// asynchronously) and kill_all() waits for the cgroup to empty.
const SETTLE: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error(transparent)]
    Detect(#[from] DetectError),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Validate(#[from] ValidateError),
    #[error(transparent)]
    V1(#[from] V1Error),
    #[error(transparent)]
    V2(#[from] V2Error),
    #[error(transparent)]
    Devices(#[from] DevicesError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("cannot read the host's CPUs and memory nodes: {0}")]
    HostCpus(#[source] std::io::Error),
    #[error("the cgroup path {path} is outside the part of the {hierarchy} hierarchy mounted at {mount}")]
    NotVisible { hierarchy: String, path: String, mount: String },
    #[error("this process has no cgroup in the {0} hierarchy to resolve a relative cgroupsPath against")]
    NoOwnCgroup(String),
    #[error("cannot create cgroup {path}: permission denied. Run as root, or as a user on a cgroup v2 host inside a subtree delegated to you (e.g. `systemd-run --user --scope -p Delegate=yes tsc-box ...`) with a cgroupsPath below it")]
    PermissionDenied { path: String },
    #[error("cannot create cgroup {path}: {source}")]
    Create {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cgroup {path} already exists and it or a cgroup below it holds processes {pids:?}: a container needs a cgroup no process is in; pick another cgroupsPath")]
    InUse { path: String, pids: Vec<i32> },
    /// runc's words: a container started there would hang in its first step, frozen.
    #[error("container's cgroup unexpectedly frozen ({path}): thaw it or pick another cgroupsPath")]
    Frozen { path: String },
    #[error("cgroup {path} already exists and has child cgroups ({children}): a container needs a cgroup of its own; pick another cgroupsPath")]
    HasChildren { path: String, children: String },
    #[error("cannot put back the values cgroup {path} had before the container: {reason}")]
    Restore { path: String, reason: String },
    #[error("sub-cgroup {path:?}: {why}")]
    BadSub { path: String, why: String },
    #[error("cgroup {path} still holds processes {pids:?} after SIGKILL")]
    StillPopulated { path: String, pids: Vec<i32> },
    #[error("cannot remove cgroup {path}: {source}")]
    Remove {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ManagerError {
    /// True when the failure is a lack of privilege over the cgroup tree (rootless callers may
    /// then run without limits if none were asked for).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, ManagerError::PermissionDenied { .. })
    }

    /// True when the cgroup was removed under us: ENOENT once it is gone, ENODEV while it
    /// dies (reads and writes of a removed cgroup's files).
    pub fn is_gone(&self) -> bool {
        let file = match self {
            ManagerError::File(f) | ManagerError::V1(V1Error::File(f)) | ManagerError::V2(V2Error::File(f)) => f,
            _ => return false,
        };
        matches!(file.errno(), Some(libc::ENOENT | libc::ENODEV))
    }

    /// True when the OCI input itself is at fault (a bad cgroupsPath or resource value, or a
    /// limit this host cannot enforce), rather than the host failing: the runtime reports
    /// these with the `config` kind.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            ManagerError::Path(_)
                | ManagerError::BadSub { .. }
                | ManagerError::Validate(_)
                | ManagerError::V1(V1Error::MissingController { .. } | V1Error::Unsupported { .. } | V1Error::Invalid { .. })
                | ManagerError::V2(V2Error::MissingController { .. } | V2Error::Unsupported { .. } | V2Error::UnknownUnifiedKey { .. })
        )
    }
}

/// A container's cgroup. Serializable so a later command (delete, update, events) can reopen
/// exactly the directories `create` made, even when cgroupsPath was relative to a cgroup the
/// later caller is not in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manager {
    mode: Mode,
    /// The cgroup path as the kernel names it (v2/unified; for v1 the first controller's).
    path: String,
    /// v1 controller -> container directory (co-mounted controllers share a directory).
    v1: BTreeMap<String, PathBuf>,
    /// The container directory in the cgroup2 hierarchy (v2, and hybrid's unified mount).
    unified: Option<PathBuf>,
    /// The cgroup2 mount point, where controller enabling starts.
    unified_mount: Option<PathBuf>,
    /// Set by this version's `create`: `created` and `saved` below are meaningful. A record
    /// written before has neither, and its directories are removed as they always were.
    #[serde(default)]
    tracked: bool,
    /// Every directory `create` made, each level of a nested path and every hierarchy: only
    /// these are removed, and a cgroup that existed before is left in place.
    #[serde(default)]
    created: Vec<PathBuf>,
    /// What the container's limits replaced in directories that existed before it, put back
    /// by `remove` (and at once when applying them fails).
    #[serde(default)]
    saved: Vec<Saved>,
}

impl Manager {
    /// Detect the host's hierarchies and resolve `cgroups_path` (OCI linux.cgroupsPath)
    /// against them and the caller's own cgroups. Touches nothing.
    pub fn new(cgroups_path: &str) -> Result<Manager, ManagerError> {
        let layout = detect::detect()?;
        let own = detect::own_membership()?;
        Manager::with_layout(&layout, &own, cgroups_path)
    }

    /// As `new`, with the layout and membership given (tests, and callers that cache them).
    pub fn with_layout(layout: &Layout, own: &Membership, cgroups_path: &str) -> Result<Manager, ManagerError> {
        let mode = layout.mode()?;
        let mut v1 = BTreeMap::new();
        let mut first_path = None;
        if mode != Mode::V2 {
            for (name, mount) in &layout.v1 {
                let own_path = own.v1.get(name).map(String::as_str).unwrap_or("/");
                let p = path::resolve(cgroups_path, own_path)?;
                let dir = dir_in_mount(mount, &p).ok_or_else(|| ManagerError::NotVisible {
                    hierarchy: name.clone(),
                    path: p.clone(),
                    mount: mount.mount_point.display().to_string(),
                })?;
                first_path.get_or_insert(p);
                v1.insert(name.clone(), dir);
            }
        }
        let (mut unified, mut unified_mount) = (None, None);
        if let Some(mount) = &layout.unified {
            let own_path = own.unified.as_deref().unwrap_or("/");
            let p = path::resolve(cgroups_path, own_path)?;
            let dir = dir_in_mount(mount, &p).ok_or_else(|| ManagerError::NotVisible {
                hierarchy: "cgroup2".into(),
                path: p.clone(),
                mount: mount.mount_point.display().to_string(),
            })?;
            if mode == Mode::V2 || first_path.is_none() {
                first_path = Some(p);
            }
            unified = Some(dir);
            unified_mount = Some(mount.mount_point.clone());
        }
        let path = first_path.ok_or(DetectError::NoCgroupFs)?;
        Ok(Manager { mode, path, v1, unified, unified_mount, tracked: false, created: Vec::new(), saved: Vec::new() })
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The cgroup path as the kernel names it, e.g. "/tsc-box/abc".
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Every directory of this cgroup, one per hierarchy.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let set: BTreeSet<PathBuf> = self.v1.values().cloned().chain(self.unified.clone()).collect();
        set.into_iter().collect()
    }

    /// The distinct v1 directories (v1 and hybrid), for a process that moves itself in by
    /// writing "0" to their `tasks` files (no global lock, unlike cgroup.procs).
    pub fn v1_dirs(&self) -> Vec<PathBuf> {
        let set: BTreeSet<PathBuf> = self.v1.values().cloned().collect();
        set.into_iter().collect()
    }

    /// The cgroup2 directory: all of a v2 cgroup, hybrid's unified part.
    pub fn unified_dir(&self) -> Option<&Path> {
        self.unified.as_deref()
    }

    /// Whether any of the directories exists.
    pub fn exists(&self) -> bool {
        self.dirs().iter().any(|d| d.is_dir())
    }

    /// Create the directories (parents too), recording which ones this call made. One that
    /// exists already must hold no process, in it or below it, and no child cgroup: it is
    /// checked before anything is written anywhere. On failure, every directory this call
    /// created is removed again.
    pub fn create(&mut self) -> Result<(), ManagerError> {
        let mut made: Vec<PathBuf> = Vec::new();
        let result = self.create_tracked(&mut made);
        if result.is_err() {
            for d in made.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
            return result;
        }
        self.tracked = true;
        for d in made {
            if !self.created.contains(&d) {
                self.created.push(d);
            }
        }
        Ok(())
    }

    /// Whether a directory of this cgroup existed before `create` (someone else's cgroup).
    fn adopts_existing(&self) -> bool {
        self.tracked && self.dirs().iter().any(|d| !self.created.contains(d))
    }

    fn create_tracked(&self, made: &mut Vec<PathBuf>) -> Result<(), ManagerError> {
        for dir in self.dirs() {
            if dir.is_dir() {
                let pids = pids_below(&dir)?;
                if !pids.is_empty() {
                    return Err(ManagerError::InUse { path: dir.display().to_string(), pids });
                }
                let children = child_cgroups(&dir)?;
                if !children.is_empty() {
                    return Err(ManagerError::HasChildren { path: dir.display().to_string(), children: children.join(", ") });
                }
            }
        }
        if let (Some(dir), Some(mount)) = (&self.unified, &self.unified_mount) {
            mkdir_p(dir, made)?;
            if self.mode == Mode::V2 {
                v2::enable_controllers(mount, dir, v2::CONTROLLERS)?;
            }
        }
        for (name, dir) in &self.v1 {
            mkdir_p(dir, made)?;
            if name == "cpuset" {
                // Every level we made starts with empty cpus/mems, and so may one made by
                // someone else before: fill them top-down.
                v1::inherit_cpuset_down_to(dir)?;
            }
        }
        // A cgroup frozen beforehand (or below a frozen parent) would freeze the container's
        // init as it joins, and `create` with it: refused, as runc refuses it.
        if self.is_frozen()? {
            return Err(ManagerError::Frozen { path: self.dirs().first().map(|d| d.display().to_string()).unwrap_or_default() });
        }
        Ok(())
    }

    /// `apply` at create time: in a cgroup that existed before (not ours), every value it
    /// replaces is recorded first, to be put back by `remove`; if applying fails half-way,
    /// what was written is put back at once.
    pub fn apply_recorded(&mut self, r: &LinuxResources) -> Result<(), ManagerError> {
        if !self.adopts_existing() {
            return self.apply(r);
        }
        restore::start();
        let result = self.apply(r);
        // Directories we made go whole with the container: only the others need their values.
        let saved: Vec<Saved> = restore::finish().into_iter().filter(|s| !self.created.iter().any(|d| s.dir() == d)).collect();
        if let Err(e) = result {
            restore::restore(&saved).map_err(|reason| ManagerError::Restore { path: self.path.clone(), reason })?;
            return Err(e);
        }
        self.saved.extend(saved);
        Ok(())
    }

    /// The values of `r` that are accepted but not applied, each with why, for the log:
    /// kernel memory limits everywhere (as runc 1.1), and on pure v2 swappiness and
    /// disableOOMKiller, which have no v2 file (runc ignores them there too).
    #[allow(deprecated)]
    pub fn ignored(&self, r: &LinuxResources) -> Vec<String> {
        let mut out = Vec::new();
        let Some(m) = r.memory() else { return out };
        if m.kernel().is_some_and(|k| k != 0) {
            out.push("linux.resources.memory.kernel is ignored: kernel memory limits are gone from Linux (5.4) and from runc".into());
        }
        if m.kernel_tcp().is_some_and(|k| k != 0) {
            out.push("linux.resources.memory.kernelTCP is ignored: kernel memory limits are not applied (as runc 1.1)".into());
        }
        if self.mode == Mode::V2 {
            if m.swappiness().is_some() {
                out.push("linux.resources.memory.swappiness is ignored: cgroup v2 has no per-cgroup swappiness".into());
            }
            if m.disable_oom_killer() == Some(true) {
                out.push("linux.resources.memory.disableOOMKiller is ignored: cgroup v2 cannot disable the OOM killer".into());
            }
        }
        out
    }

    /// Validate `r` against the host, then write it. Used at create time and by `update`.
    pub fn apply(&self, r: &LinuxResources) -> Result<(), ManagerError> {
        let host = HostCpus::read().map_err(ManagerError::HostCpus)?;
        validate::validate(r, &host)?;
        match self.mode {
            Mode::V1 | Mode::Hybrid => v1::apply(&self.v1, r)?,
            Mode::V2 => {
                let dir = self.v2_dir();
                v2::apply(dir, r)?;
                if let Some(rules) = r.devices() {
                    devices::attach(dir, rules)?;
                }
            }
        }
        Ok(())
    }

    fn v2_dir(&self) -> &Path {
        // In V2 mode the unified directory always exists in the struct (see with_layout).
        self.unified.as_deref().unwrap_or(Path::new("/nonexistent"))
    }

    /// Move `pid` (all its threads) into the cgroup in every hierarchy.
    pub fn add_pid(&self, pid: i32) -> Result<(), ManagerError> {
        for dir in self.dirs() {
            fsio::write(&dir.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    /// On pure v2, an O_PATH directory fd for clone3(CLONE_INTO_CGROUP). None on v1/hybrid,
    /// where the child must be moved with add_pid (v1 memberships cannot be set by clone3).
    pub fn clone_into_fd(&self) -> Result<Option<OwnedFd>, ManagerError> {
        if self.mode != Mode::V2 {
            return Ok(None);
        }
        use nix::fcntl::{open, OFlag};
        use nix::sys::stat::Mode as FMode;
        let dir = self.v2_dir();
        let fd = open(dir, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, FMode::empty())
            .map_err(|e| FileError::Read { path: dir.display().to_string(), source: std::io::Error::from_raw_os_error(e as i32) })?;
        Ok(Some(fd))
    }

    /// The directory whose cgroup.procs lists every process of the container.
    fn procs_dir(&self) -> Option<PathBuf> {
        match self.mode {
            Mode::V2 => self.unified.clone(),
            _ => ["freezer", "pids", "memory", "cpu"].iter().find_map(|c| self.v1.get(*c).cloned()).or_else(|| self.unified.clone()),
        }
    }

    /// The processes in the cgroup (empty if it does not exist).
    pub fn pids(&self) -> Result<Vec<i32>, ManagerError> {
        let Some(d) = self.procs_dir() else { return Ok(Vec::new()) };
        match fsio::read_pids(&d.join("cgroup.procs")) {
            // ENODEV: the cgroup was removed while we read it (another runtime's cleanup of
            // the same container racing this one): it holds no process either way.
            Err(e) if matches!(e.errno(), Some(libc::ENOENT | libc::ENODEV)) => Ok(Vec::new()),
            r => Ok(r?),
        }
    }

    pub fn freeze(&self) -> Result<(), ManagerError> {
        self.set_frozen(true)
    }

    pub fn thaw(&self) -> Result<(), ManagerError> {
        self.set_frozen(false)
    }

    /// An existing cgroup below this one, for `exec --cgroup [CONTROLLERS:]PATH` (runc's
    /// sub-cgroups): `controllers` None means every hierarchy; a v1 controller left out
    /// keeps the container's own directory. PATH is relative and may not climb out.
    pub fn sub(&self, controllers: Option<&[String]>, rel: &str) -> Result<Manager, ManagerError> {
        let bad = |why: String| ManagerError::BadSub { path: rel.to_string(), why };
        let p = Path::new(rel.trim_start_matches('/'));
        if p.as_os_str().is_empty() || p.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(bad("it must name a cgroup below the container's, without \".\" or \"..\"".into()));
        }
        let mut m = self.clone();
        // Co-mounted controllers share a directory: it moves when any of them is named.
        let moved: BTreeSet<PathBuf> =
            self.v1.iter().filter(|(c, _)| controllers.is_none_or(|cs| cs.iter().any(|x| x == *c))).map(|(_, d)| d.clone()).collect();
        for d in m.v1.values_mut() {
            if moved.contains(d) {
                *d = d.join(p);
            }
        }
        if let Some(u) = m.unified.as_mut() {
            // On v2 every controller lives in the one directory; on hybrid hosts the unified
            // hierarchy is taken along when no controller is named.
            if m.mode == Mode::V2 || controllers.is_none() {
                *u = u.join(p);
            }
        }
        m.path = format!("{}/{}", self.path.trim_end_matches('/'), p.display());
        m.created.clear();
        m.saved.clear();
        for d in m.dirs() {
            if !d.is_dir() {
                return Err(bad(format!("{} does not exist", d.display())));
            }
        }
        Ok(m)
    }

    /// Whether the cgroup is frozen (`pause`d): what `state` reports as "paused". A cgroup
    /// that is gone is not frozen.
    pub fn is_frozen(&self) -> Result<bool, ManagerError> {
        let (file, frozen) = match self.mode {
            Mode::V2 => (self.v2_dir().join("cgroup.freeze"), "1"),
            _ if !self.v1.contains_key("freezer") && self.unified.is_some() => {
                (self.unified.as_deref().unwrap_or(Path::new("/nonexistent")).join("cgroup.freeze"), "1")
            }
            _ => match self.v1.get("freezer") {
                Some(d) => (d.join("freezer.state"), "FROZEN"),
                None => return Ok(false),
            },
        };
        match fsio::read(&file) {
            Ok(s) => Ok(s.trim() == frozen),
            Err(e) if matches!(e.errno(), Some(libc::ENOENT | libc::ENODEV)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    fn set_frozen(&self, frozen: bool) -> Result<(), ManagerError> {
        match self.mode {
            Mode::V2 => v2::set_frozen(self.v2_dir(), frozen)?,
            // Hybrid hosts have cgroup.freeze in the unified directory when v1 lacks a freezer.
            _ if !self.v1.contains_key("freezer") && self.unified.is_some() => {
                v2::set_frozen(self.unified.as_deref().unwrap_or(Path::new("/nonexistent")), frozen)?
            }
            _ => v1::set_frozen(&self.v1, frozen)?,
        }
        Ok(())
    }

    /// SIGKILL every process in the cgroup and wait until it is empty. The cgroup is frozen
    /// first so nothing can fork between reading the list and the kills.
    pub fn kill_all(&self) -> Result<(), ManagerError> {
        if !self.exists() {
            return Ok(());
        }
        let cgroup_kill = self.unified.as_ref().map(|d| d.join("cgroup.kill")).filter(|p| p.exists());
        if let Some(p) = cgroup_kill.filter(|_| self.mode == Mode::V2) {
            fsio::write(&p, "1")?;
        } else {
            let froze = self.freeze();
            for pid in self.pids()? {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            // Frozen tasks cannot die: thaw even after a freeze that timed out half-way. A
            // cgroup removed meanwhile (another cleanup of the same container) is thawed too.
            let thawed = self.thaw();
            if froze.is_ok() && !thawed.as_ref().err().is_some_and(ManagerError::is_gone) {
                thawed?;
            }
        }
        let start = Instant::now();
        loop {
            let pids = self.pids()?;
            if pids.is_empty() {
                return Ok(());
            }
            if start.elapsed() > SETTLE {
                return Err(ManagerError::StillPopulated { path: self.path.clone(), pids });
            }
            // A process forked between the list and the kill: kill again.
            for pid in &pids {
                let _ = kill(Pid::from_raw(*pid), Signal::SIGKILL);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn stats(&self) -> Result<Stats, ManagerError> {
        Ok(match self.mode {
            Mode::V2 => v2::stats(self.v2_dir())?,
            _ => v1::stats(&self.v1)?,
        })
    }

    /// How many processes the OOM killer killed in this cgroup.
    pub fn oom_kills(&self) -> Result<u64, ManagerError> {
        Ok(match self.mode {
            Mode::V2 => v2::oom_kills(self.v2_dir())?,
            _ => v1::oom_kills(&self.v1)?,
        })
    }

    pub fn oom_killed(&self) -> Result<bool, ManagerError> {
        Ok(self.oom_kills()? > 0)
    }

    /// Kill what is left, then rmdir every directory `create` made (retrying while exiting
    /// tasks still pin it), the levels of a nested path included; a parent that still holds
    /// another cgroup (/tsc-box, shared between containers) stays. A cgroup that existed
    /// before the container stays too, with the values it had put back; only the child
    /// cgroups the container made in it go.
    pub fn remove(&self) -> Result<(), ManagerError> {
        let mut restored = Ok(());
        if self.exists() {
            if !self.pids()?.is_empty() {
                self.kill_all()?;
            }
            let ours = |dir: &PathBuf| !self.tracked || self.created.contains(dir);
            // In a cgroup that existed before, the child cgroups the container made go first
            // (a v1 devices cgroup takes "a" back only without children), then its values.
            for dir in self.dirs().iter().filter(|d| !ours(d)) {
                for child in child_cgroups(dir)? {
                    remove_tree(&dir.join(child))?;
                }
            }
            if !self.saved.is_empty() {
                // Whatever fails here, the directories we made still go; the error is reported.
                restored = restore::restore(&self.saved).map_err(|reason| ManagerError::Restore { path: self.path.clone(), reason });
            }
            // Child cgroups made inside the container (it may own a delegated subtree) go
            // first, with the directory.
            for dir in self.dirs().iter().filter(|d| ours(d)) {
                remove_tree(dir)?;
            }
        }
        let leaves = self.dirs();
        let mut parents: Vec<&PathBuf> = self.created.iter().filter(|d| !leaves.contains(d)).collect();
        parents.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for d in parents {
            match std::fs::remove_dir(d).map_err(|e| (e.raw_os_error(), e)) {
                Ok(()) => {}
                // Gone already, or another container's cgroup is in it now.
                Err((Some(libc::ENOENT | libc::ENOTEMPTY | libc::EBUSY), _)) => {}
                Err((_, source)) => return Err(ManagerError::Remove { path: d.display().to_string(), source }),
            }
        }
        restored
    }
}

/// The processes in the cgroup `dir` and every cgroup below it.
fn pids_below(dir: &Path) -> Result<Vec<i32>, ManagerError> {
    let mut pids = match fsio::read_pids(&dir.join("cgroup.procs")) {
        // Removed meanwhile (ENODEV while it dies, ENOENT once gone): no process there.
        Err(e) if matches!(e.errno(), Some(libc::ENOENT | libc::ENODEV)) => return Ok(Vec::new()),
        r => r?,
    };
    for child in child_cgroups(dir)? {
        pids.extend(pids_below(&dir.join(child))?);
    }
    Ok(pids)
}

/// The names of the child cgroups of `dir`.
fn child_cgroups(dir: &Path) -> Result<Vec<String>, ManagerError> {
    let entries = std::fs::read_dir(dir).map_err(|source| FileError::Read { path: dir.display().to_string(), source })?;
    let mut out = Vec::new();
    for e in entries.flatten() {
        if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out.sort();
    Ok(out)
}

/// mkdir -p, recording (top-down) every directory this call created. A parent removed under
/// us (the last container of a shared parent such as /tsc-box removing it) is made again.
fn mkdir_p(dir: &Path, made: &mut Vec<PathBuf>) -> Result<Vec<PathBuf>, ManagerError> {
    let mut tries = 0;
    loop {
        match mkdir_p_once(dir, made) {
            Err(ManagerError::Create { source, .. }) if source.kind() == std::io::ErrorKind::NotFound && tries < 5 => tries += 1,
            r => return r,
        }
    }
}

fn mkdir_p_once(dir: &Path, made: &mut Vec<PathBuf>) -> Result<Vec<PathBuf>, ManagerError> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.is_dir() {
            break;
        }
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    missing.reverse();
    for d in &missing {
        match std::fs::create_dir(d) {
            Ok(()) => made.push(d.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM) | Some(libc::EROFS)) => {
                return Err(ManagerError::PermissionDenied { path: d.display().to_string() })
            }
            Err(source) => return Err(ManagerError::Create { path: d.display().to_string(), source }),
        }
    }
    Ok(missing)
}

/// rmdir `dir` and any sub-cgroups, deepest first, retrying EBUSY for a moment.
fn remove_tree(dir: &Path) -> Result<(), ManagerError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(ManagerError::Remove { path: dir.display().to_string(), source }),
    };
    for e in entries.flatten() {
        if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            remove_tree(&e.path())?;
        }
    }
    let start = Instant::now();
    loop {
        match std::fs::remove_dir(dir).map_err(|e| (e.raw_os_error(), e)) {
            Ok(()) => return Ok(()),
            Err((Some(libc::ENOENT), _)) => return Ok(()),
            Err((Some(libc::EBUSY), _)) if start.elapsed() < SETTLE => std::thread::sleep(Duration::from_millis(5)),
            Err((_, source)) => return Err(ManagerError::Remove { path: dir.display().to_string(), source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{parse_mountinfo, parse_proc_cgroup};

    const HYBRID: &str = "\
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
";

    #[test]
    fn hybrid_paths() {
        let layout = parse_mountinfo(HYBRID).unwrap();
        let own = parse_proc_cgroup("4:memory:/process_api/6e\n2:cpu,cpuacct:/\n0::/\n").unwrap();
        let m = Manager::with_layout(&layout, &own, "/tsc-box/abc").unwrap();
        assert_eq!(m.mode(), Mode::Hybrid);
        assert_eq!(m.path(), "/tsc-box/abc");
        assert_eq!(
            m.dirs(),
            vec![
                PathBuf::from("/sys/fs/cgroup/cpu,cpuacct/tsc-box/abc"),
                PathBuf::from("/sys/fs/cgroup/memory/tsc-box/abc"),
                PathBuf::from("/sys/fs/cgroup/pids/tsc-box/abc"),
                PathBuf::from("/sys/fs/cgroup/unified/tsc-box/abc"),
            ]
        );
        // Relative paths land under the caller's own cgroup, per hierarchy.
        let m = Manager::with_layout(&layout, &own, "tsc-box/abc").unwrap();
        assert!(m.dirs().contains(&PathBuf::from("/sys/fs/cgroup/memory/process_api/6e/tsc-box/abc")));
        assert!(m.dirs().contains(&PathBuf::from("/sys/fs/cgroup/pids/tsc-box/abc")));
    }

    /// A fake v1 hierarchy (one pids mount) in a temp dir: plain directories stand for
    /// cgroups, a cgroup.procs file written by the test for the processes in them.
    fn fake_v1(t: &crate::testdir::TestDir, cgroups_path: &str) -> (PathBuf, Manager) {
        let mount = t.dir("pids");
        let layout = parse_mountinfo(&format!("39 31 0:36 / {} rw - cgroup cgroup rw,pids\n", mount.display())).unwrap();
        let own = parse_proc_cgroup("1:pids:/\n").unwrap();
        (mount.clone(), Manager::with_layout(&layout, &own, cgroups_path).unwrap())
    }

    #[test]
    fn nested_levels_made_are_removed_and_shared_ones_stay() {
        let t = crate::testdir::TestDir::new("mgr-nested");
        let (mount, mut m) = fake_v1(&t, "/a/b/c");
        m.create().unwrap();
        assert_eq!(m.created, vec![mount.join("a"), mount.join("a/b"), mount.join("a/b/c")]);
        // The record a later `delete` reads keeps them.
        let back: Manager = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        // Another container under /a/b meanwhile: /a/b and /a are still in use and stay.
        std::fs::create_dir(mount.join("a/b/other")).unwrap();
        m.remove().unwrap();
        assert!(!mount.join("a/b/c").exists());
        assert!(mount.join("a/b/other").is_dir());
        std::fs::remove_dir(mount.join("a/b/other")).unwrap();
        m.remove().unwrap();
        assert!(!mount.join("a").exists(), "every level create made is gone");
        // A record from before this field existed removes the leaf only, as it always did.
        let (_, mut legacy) = fake_v1(&t, "/l/m");
        legacy.create().unwrap();
        legacy.tracked = false;
        legacy.created.clear();
        legacy.remove().unwrap();
        assert!(!mount.join("l/m").exists() && mount.join("l").is_dir());
    }

    #[test]
    fn a_cgroup_frozen_beforehand_is_refused_with_runcs_words() {
        let t = crate::testdir::TestDir::new("mgr-frozen");
        let mount = t.dir("freezer");
        let layout = parse_mountinfo(&format!("39 31 0:36 / {} rw - cgroup cgroup rw,freezer\n", mount.display())).unwrap();
        let own = parse_proc_cgroup("1:freezer:/\n").unwrap();
        let mut m = Manager::with_layout(&layout, &own, "/ice").unwrap();
        let leaf = mount.join("ice");
        std::fs::create_dir(&leaf).unwrap();
        std::fs::write(leaf.join("cgroup.procs"), "").unwrap();
        std::fs::write(leaf.join("freezer.state"), "FROZEN\n").unwrap();
        let e = m.create().unwrap_err();
        assert!(matches!(e, ManagerError::Frozen { .. }), "{e}");
        assert!(e.to_string().contains("container's cgroup unexpectedly frozen"), "{e}");
        assert!(leaf.is_dir(), "someone else's cgroup is left as it was");
        std::fs::write(leaf.join("freezer.state"), "THAWED\n").unwrap();
        m.create().unwrap();
    }

    #[test]
    fn an_existing_cgroup_is_checked_before_anything_and_kept() {
        let t = crate::testdir::TestDir::new("mgr-existing");
        let (mount, mut m) = fake_v1(&t, "/x/leaf");
        let leaf = mount.join("x/leaf");
        std::fs::create_dir_all(leaf.join("kid")).unwrap();
        std::fs::write(leaf.join("cgroup.procs"), "").unwrap();
        std::fs::write(leaf.join("kid/cgroup.procs"), "4242\n").unwrap();
        let e = m.create().unwrap_err();
        assert!(matches!(&e, ManagerError::InUse { pids, .. } if pids == &[4242]), "{e}");
        std::fs::write(leaf.join("kid/cgroup.procs"), "").unwrap();
        assert!(matches!(m.create().unwrap_err(), ManagerError::HasChildren { .. }));
        assert!(m.created.is_empty() && !m.tracked);
        std::fs::remove_file(leaf.join("kid/cgroup.procs")).unwrap();
        std::fs::remove_dir(leaf.join("kid")).unwrap();
        // Empty and childless: adopted, not made by us, so removing the container keeps it
        // and puts back what the limits replaced.
        std::fs::write(leaf.join("pids.max"), "max").unwrap();
        m.create().unwrap();
        assert!(m.created.is_empty() && m.adopts_existing());
        let r: LinuxResources = serde_json::from_value(serde_json::json!({"pids": {"limit": 7}})).unwrap();
        m.apply_recorded(&r).unwrap();
        assert_eq!(std::fs::read_to_string(leaf.join("pids.max")).unwrap(), "7");
        m.remove().unwrap();
        assert!(leaf.is_dir());
        assert_eq!(std::fs::read_to_string(leaf.join("pids.max")).unwrap(), "max");
        // A limit that fails half-way leaves nothing written either.
        let (_, mut m) = fake_v1(&t, "/x/leaf");
        m.create().unwrap();
        // (pids.max is written before blockIO, which needs a blkio hierarchy the layout lacks)
        let r: LinuxResources = serde_json::from_value(serde_json::json!({"pids": {"limit": 9}, "blockIO": {"weight": 500}})).unwrap();
        let e = m.apply_recorded(&r).unwrap_err().to_string();
        assert!(e.contains("blkio"), "{e}");
        assert_eq!(std::fs::read_to_string(leaf.join("pids.max")).unwrap(), "max");
    }

    #[test]
    fn an_existing_cgroup_in_one_hierarchy_and_levels_made_in_another() {
        let t = crate::testdir::TestDir::new("mgr-mixed");
        let (pids, mem) = (t.dir("pids"), t.dir("memory"));
        let layout = parse_mountinfo(&format!(
            "39 31 0:36 / {} rw - cgroup cgroup rw,pids\n35 31 0:32 / {} rw - cgroup cgroup rw,memory\n",
            pids.display(),
            mem.display()
        ))
        .unwrap();
        let own = parse_proc_cgroup("1:pids:/\n2:memory:/\n").unwrap();
        let mut m = Manager::with_layout(&layout, &own, "/top/leaf").unwrap();
        std::fs::create_dir_all(pids.join("top/leaf")).unwrap();
        std::fs::write(pids.join("top/leaf/cgroup.procs"), "").unwrap();
        std::fs::write(pids.join("top/leaf/pids.max"), "max").unwrap();
        m.create().unwrap();
        assert_eq!(m.created, vec![mem.join("top"), mem.join("top/leaf")]);
        // A limit file in the directory we made, for the journal to see and leave out.
        std::fs::write(mem.join("top/leaf/memory.limit_in_bytes"), "9223372036854771712").unwrap();
        let r: LinuxResources = serde_json::from_value(serde_json::json!({"pids": {"limit": 5}, "memory": {"limit": 67108864}})).unwrap();
        m.apply_recorded(&r).unwrap();
        assert!(m.saved.iter().all(|s| s.dir() == pids.join("top/leaf")), "{:?}", m.saved);
        std::fs::remove_file(mem.join("top/leaf/memory.limit_in_bytes")).unwrap();
        m.remove().unwrap();
        assert!(!mem.join("top").exists(), "the levels made in the memory hierarchy go");
        assert_eq!(std::fs::read_to_string(pids.join("top/leaf/pids.max")).unwrap(), "max");
    }

    #[test]
    fn v2_paths_and_roundtrip() {
        let layout = parse_mountinfo("26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n").unwrap();
        let own = parse_proc_cgroup("0::/user.slice/session-1.scope\n").unwrap();
        let m = Manager::with_layout(&layout, &own, "/tsc-box/x").unwrap();
        assert_eq!(m.mode(), Mode::V2);
        assert_eq!(m.dirs(), vec![PathBuf::from("/sys/fs/cgroup/tsc-box/x")]);
        let json = serde_json::to_string(&m).unwrap();
        let back: Manager = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert!(matches!(Manager::with_layout(&layout, &own, "/a/../b"), Err(ManagerError::Path(_))));
    }
}
