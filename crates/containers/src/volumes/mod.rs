//! Volumes, docker's `local` driver: `<data root>/volumes/<name>/` holds `volume.json` (the
//! volume's record: driver, creation time, labels, options) and `_data`, the directory
//! containers mount. They live here, beside the container store, because a volume's life
//! depends on containers' records: `volume rm` and `prune` refuse or skip one a container's
//! record mounts, and `rm -v` (the store's removal, both doors) removes a container's
//! anonymous ones.
//!
//! Creation is crash-safe: a volume is made whole (record, `_data`, the image's content copied
//! up) in a staging directory named after its creator, then renamed into place in one step;
//! a failure removes the staging directory, and one a SIGKILL left is removed by the next
//! listing once its creator is gone. So a volume either exists whole or not at all.

pub mod copyup;
pub mod list;
pub mod mounts;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tsc_box_format::filter::FilterError;
use tsc_box_format::TemplateError;

use crate::creation::Creator;
use crate::paths::Paths;
use crate::remove::RuntimeOps;
use crate::{Coded, ErrorCode};
use mounts::{MountPoint, MountType};

pub const META: &str = "volume.json";
pub const DATA: &str = "_data";
/// docker 23+'s label of anonymous volumes: `volume prune` without `--all` removes only these.
pub const ANONYMOUS_LABEL: &str = "com.docker.volume.anonymous";
const STAGING: &str = ".new-";
const FILLING: &str = ".fill-";
const REMOVING: &str = ".gone-";

#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    #[error("get {0}: no such volume")]
    NoSuch(String),
    #[error("remove {0}: volume is in use - [{1}]")]
    InUse(String, String),
    #[error("create {0}: \"{0}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path")]
    Name(String),
    #[error("create {0}: {1}")]
    Option(String, String),
    #[error("volume {0}: {1}")]
    Io(String, String),
    #[error("volume {0}: copying the image's content at {1}: {2}")]
    CopyUp(String, String, copyup::CopyError),
    #[error("{0}")]
    Filter(#[from] FilterError),
    #[error(transparent)]
    Format(#[from] TemplateError),
}

impl Coded for VolumeError {
    fn code(&self) -> ErrorCode {
        match self {
            VolumeError::NoSuch(_) => ErrorCode::NoSuchVolume,
            VolumeError::InUse(..) => ErrorCode::VolumeInUse,
            VolumeError::Name(_) => ErrorCode::InvalidVolumeName,
            VolumeError::Option(..) => ErrorCode::InvalidVolumeOption,
            VolumeError::Io(..) | VolumeError::CopyUp(..) => ErrorCode::VolumeFailed,
            VolumeError::Filter(_) => ErrorCode::InvalidFilter,
            VolumeError::Format(_) => ErrorCode::InvalidFormat,
        }
    }
}

/// volume.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMeta {
    pub name: String,
    pub driver: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The driver's options (`-o`): `type`, `device`, `o`.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Volume {
    pub meta: VolumeMeta,
    pub dir: PathBuf,
}

impl Volume {
    /// What containers mount (docker's Mountpoint).
    pub fn mountpoint(&self) -> PathBuf {
        self.dir.join(DATA)
    }
    pub fn anonymous(&self) -> bool {
        self.meta.labels.contains_key(ANONYMOUS_LABEL)
    }
}

pub fn volumes_dir(paths: &Paths) -> PathBuf {
    paths.data_root.join("volumes")
}

/// docker's rule for a local volume's name: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub fn validate_name(name: &str) -> Result<(), VolumeError> {
    let b = name.as_bytes();
    let ok = b.len() >= 2 && b.len() <= 255 && b[0].is_ascii_alphanumeric() && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(VolumeError::Name(name.to_string()))
    }
}

/// docker's local driver takes `type`, `device` and `o` (and `size` on xfs). tsc-box mounts
/// two of its kinds: `type=tmpfs` (`o` the tmpfs options) and a bind (`o` naming `bind`,
/// `device` an absolute host path); anything else (nfs, block devices) is refused by name.
pub fn check_options(name: &str, options: &BTreeMap<String, String>) -> Result<(), VolumeError> {
    let bad = |m: String| Err(VolumeError::Option(name.to_string(), m));
    if let Some(k) = options.keys().find(|k| !matches!(k.as_str(), "type" | "device" | "o")) {
        return bad(format!("invalid option key: {k:?}"));
    }
    if options.is_empty() {
        return Ok(());
    }
    let ty = options.get("type").map(String::as_str).unwrap_or("");
    let o = options.get("o").map(String::as_str).unwrap_or("");
    let device = options.get("device").map(String::as_str).unwrap_or("");
    let bind = o.split(',').any(|x| x == "bind" || x == "rbind");
    match ty {
        "tmpfs" if !bind => Ok(()),
        "" | "none" if bind => {
            if !device.starts_with('/') {
                return bad(format!("a bind needs device=ABSOLUTE-PATH (got {device:?})"));
            }
            if !Path::new(device).is_dir() {
                return bad(format!("failed to mount local volume: no such file or directory: {device}"));
            }
            Ok(())
        }
        _ => bad(format!("tsc-box's local driver mounts type=tmpfs and o=bind,device=PATH only (got type={ty:?}, o={o:?})")),
    }
}

fn io(name: &str) -> impl Fn(std::io::Error) -> VolumeError + '_ {
    move |e| VolumeError::Io(name.to_string(), e.to_string())
}

fn read_meta(dir: &Path) -> Option<VolumeMeta> {
    serde_json::from_slice(&std::fs::read(dir.join(META)).ok()?).ok()
}

/// The volume `name`.
pub fn get(paths: &Paths, name: &str) -> Result<Volume, VolumeError> {
    if validate_name(name).is_err() {
        return Err(VolumeError::NoSuch(name.to_string()));
    }
    let dir = volumes_dir(paths).join(name);
    match read_meta(&dir) {
        Some(meta) if meta.name == name => Ok(Volume { meta, dir }),
        _ => Err(VolumeError::NoSuch(name.to_string())),
    }
}

/// Every volume, by name; staging and removal directories whose process is gone are removed
/// on the way.
pub fn list(paths: &Paths) -> Vec<Volume> {
    let Ok(rd) = std::fs::read_dir(volumes_dir(paths)) else { return Vec::new() };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let n = e.file_name();
        let Some(n) = n.to_str() else { continue };
        if n.starts_with('.') {
            if abandoned(n) {
                let _ = tsc_box_image::tree::remove_tree(&e.path());
            }
            continue;
        }
        if let Ok(v) = get(paths, n) {
            out.push(v);
        }
    }
    out.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
    out
}

fn staging_name(prefix: &str) -> std::io::Result<String> {
    let c = Creator::current().ok_or_else(|| std::io::Error::other("cannot read this process's start time from /proc"))?;
    let tag: String = crate::id::random_bytes::<4>()?.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}{}-{}-{tag}", c.pid, c.start_time))
}

/// A staging, filling or removal directory whose process is gone (one still at work is its own).
fn abandoned(name: &str) -> bool {
    let Some(rest) = [STAGING, FILLING, REMOVING].iter().find_map(|p| name.strip_prefix(p)) else { return false };
    let mut parts = rest.splitn(3, '-');
    let (Some(Ok(pid)), Some(Ok(start_time))) = (parts.next().map(str::parse), parts.next().map(str::parse)) else { return false };
    !Creator { pid, start_time }.alive()
}

/// What a new volume is made with.
#[derive(Debug, Clone, Default)]
pub struct NewVolume {
    /// None: a random 64-hex name, as docker gives anonymous volumes.
    pub name: Option<String>,
    pub driver: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub options: BTreeMap<String, String>,
    /// Labelled as docker 23+ labels anonymous volumes.
    pub anonymous: bool,
}

/// Where a new volume's content comes from: the directory `path` inside the root `rootfs`.
#[derive(Debug, Clone, Copy)]
pub struct CopySource<'a> {
    pub rootfs: &'a Path,
    pub path: &'a str,
}

/// Makes the volume unless it exists (then it is returned as it is, as `docker volume create`
/// of an existing name does); with `copy`, a new volume, or an existing one whose `_data` is
/// still empty, gets the image's content. Returns the volume and whether it was made now.
pub fn create(paths: &Paths, new: NewVolume, copy: Option<CopySource<'_>>) -> Result<(Volume, bool), VolumeError> {
    let name = match new.name {
        Some(n) => n,
        None => crate::id::new_container_id().map_err(io("(new)"))?,
    };
    validate_name(&name)?;
    let driver = new.driver.unwrap_or_else(|| "local".into());
    if driver != "local" {
        return Err(VolumeError::Option(name, format!("error looking up volume plugin {driver}: plugin {driver:?} not found")));
    }
    check_options(&name, &new.options)?;
    if let Ok(v) = get(paths, &name) {
        fill(&v, copy)?;
        return Ok((v, false));
    }
    let mut labels = new.labels;
    if new.anonymous {
        labels.insert(ANONYMOUS_LABEL.into(), String::new());
    }
    let meta = VolumeMeta { name: name.clone(), driver, created_at: tsc_box_format::time::rfc3339_now(), labels, options: new.options };
    let parent = volumes_dir(paths);
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&parent).map_err(io(&name))?;
    let staging = parent.join(staging_name(STAGING).map_err(io(&name))?);
    let dir = parent.join(&name);
    let made = (|| -> Result<(), VolumeError> {
        std::fs::DirBuilder::new().mode(0o700).create(&staging).map_err(io(&name))?;
        let data = staging.join(DATA);
        std::fs::DirBuilder::new().mode(0o755).create(&data).map_err(io(&name))?;
        if let Some(c) = copy.filter(|_| meta.options.is_empty()) {
            copyup::copy_up(c.rootfs, c.path, &data).map_err(|e| VolumeError::CopyUp(name.clone(), c.path.to_string(), e))?;
        }
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(staging.join(META)).map_err(io(&name))?;
        let mut bytes = serde_json::to_vec(&meta).map_err(|e| VolumeError::Io(name.clone(), e.to_string()))?;
        bytes.push(b'\n');
        f.write_all(&bytes).map_err(io(&name))?;
        f.sync_all().map_err(io(&name))?;
        rename_noreplace(&staging, &dir).map_err(io(&name))
    })();
    match made {
        Ok(()) => Ok((Volume { meta, dir }, true)),
        Err(e) => {
            let _ = tsc_box_image::tree::remove_tree(&staging);
            // Made meanwhile by another process: that one is the volume.
            match get(paths, &name) {
                Ok(v) if matches!(e, VolumeError::Io(..)) && dir.exists() => {
                    fill(&v, copy)?;
                    Ok((v, false))
                }
                _ => Err(e),
            }
        }
    }
}

fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    match nix::fcntl::renameat2(nix::fcntl::AT_FDCWD, from, nix::fcntl::AT_FDCWD, to, nix::fcntl::RenameFlags::RENAME_NOREPLACE) {
        // Filesystems without RENAME_NOREPLACE: a plain rename replaces only an empty
        // directory, and a volume's directory always holds its record.
        Err(nix::errno::Errno::EINVAL) => std::fs::rename(from, to),
        r => r.map_err(std::io::Error::from),
    }
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false)
}

/// Copy-up into an existing volume whose `_data` is empty (docker copies into any empty
/// volume): the content is made whole in a staging directory beside `_data`, then each of its
/// entries is moved in (a move that finds the name taken leaves the other writer's file).
pub fn fill(v: &Volume, copy: Option<CopySource<'_>>) -> Result<bool, VolumeError> {
    let Some(c) = copy else { return Ok(false) };
    let data = v.mountpoint();
    if !v.meta.options.is_empty() || !is_empty(&data) {
        return Ok(false);
    }
    let name = &v.meta.name;
    let staging = v.dir.join(staging_name(FILLING).map_err(io(name))?);
    let done = (|| -> Result<bool, VolumeError> {
        std::fs::DirBuilder::new().mode(0o700).create(&staging).map_err(io(name))?;
        if !copyup::copy_up(c.rootfs, c.path, &staging).map_err(|e| VolumeError::CopyUp(name.clone(), c.path.to_string(), e))? {
            return Ok(false);
        }
        for e in std::fs::read_dir(&staging).map_err(io(name))? {
            let e = e.map_err(io(name))?;
            let _ = rename_noreplace(&e.path(), &data.join(e.file_name()));
        }
        // The directory itself takes the image's owner and mode, as a new volume's does.
        let st = std::fs::metadata(&staging).map_err(io(name))?;
        use std::os::unix::fs::MetadataExt;
        std::os::unix::fs::chown(&data, Some(st.uid()), Some(st.gid())).map_err(io(name))?;
        std::fs::set_permissions(&data, st.permissions()).map_err(io(name))?;
        Ok(true)
    })();
    let _ = tsc_box_image::tree::remove_tree(&staging);
    done
}

/// The containers whose records mount volume `name` (ids).
pub fn users(paths: &Paths, name: &str) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(paths.containers_dir()) else { return Vec::new() };
    let mut out = Vec::new();
    // Staging directories of containers still being created count too: their records name
    // their mounts before any volume is made.
    for e in rd.flatten() {
        if let Some(r) = crate::record::read(&e.path()) {
            if r.mounts.iter().any(|m| m.kind == MountType::Volume && m.name == name) {
                out.push(r.id);
            }
        }
    }
    out.sort();
    out
}

/// `volume rm [-f]`: refused while a container's record mounts it; with `force` a missing
/// volume is no error. Returns the bytes freed.
pub fn remove(paths: &Paths, name: &str, force: bool, ops: &dyn RuntimeOps) -> Result<u64, VolumeError> {
    let v = match get(paths, name) {
        Ok(v) => v,
        Err(VolumeError::NoSuch(_)) if force => return Ok(0),
        Err(e) => return Err(e),
    };
    let used = users(paths, name);
    if !used.is_empty() {
        return Err(VolumeError::InUse(name.to_string(), used.join(", ")));
    }
    remove_dir(&v, ops)
}

/// The volume goes in one step (renamed to a hidden name, which the next listing finishes
/// removing if this is killed), then its files.
fn remove_dir(v: &Volume, ops: &dyn RuntimeOps) -> Result<u64, VolumeError> {
    let name = &v.meta.name;
    // What docker reports: the data's size, not our record's.
    let size = list::du(&v.mountpoint());
    let hidden = v.dir.with_file_name(staging_name(REMOVING).map_err(io(name))?);
    std::fs::rename(&v.dir, &hidden).map_err(io(name))?;
    match tsc_box_image::tree::remove_tree(&hidden) {
        Ok(_) => Ok(size),
        // A rootless container's files belong to the user's subordinate ids.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && !nix::unistd::geteuid().is_root() => {
            ops.remove_tree(&hidden).map_err(|m| VolumeError::Io(name.clone(), m))?;
            Ok(size)
        }
        Err(e) => Err(VolumeError::Io(name.clone(), e.to_string())),
    }
}

/// `volume prune`: the volumes no container's record mounts, that `filters` (label=, label!=)
/// keep, anonymous ones only unless `all` (docker 23+). Returns their names and the bytes freed.
pub fn prune(paths: &Paths, all: bool, filters: &[String], ops: &dyn RuntimeOps) -> Result<(Vec<String>, u64), VolumeError> {
    let f = tsc_box_format::filter::Filters::parse(filters, &["label", "label!", "all"])?;
    f.validate(|k, v| k != "all" || tsc_box_format::filter::parse_bool(v).is_some())?;
    let all = all || f.values("all").any(|v| tsc_box_format::filter::parse_bool(v) == Some(true));
    let mut removed = Vec::new();
    let mut freed = 0;
    for v in list(paths) {
        if !all && !v.anonymous() {
            continue;
        }
        let labels = || v.meta.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let keep = f.matches(|k, val| match k {
            "label" => tsc_box_format::filter::label_matches(labels(), val),
            "label!" => !tsc_box_format::filter::label_matches(labels(), val),
            _ => true,
        });
        if !keep || !users(paths, &v.meta.name).is_empty() {
            continue;
        }
        freed += remove_dir(&v, ops)?;
        removed.push(v.meta.name.clone());
    }
    Ok((removed, freed))
}

/// `rm -v`, `run --rm` and a failed `run`: the anonymous volumes among a removed container's
/// mounts that no other container's record mounts (`--volumes-from` shares them). Each
/// failure is returned; the others still go.
pub fn remove_anonymous(paths: &Paths, mounts: &[MountPoint], ops: &dyn RuntimeOps) -> Vec<VolumeError> {
    let mut errors = Vec::new();
    for m in mounts.iter().filter(|m| m.kind == MountType::Volume && m.anonymous) {
        match get(paths, &m.name) {
            Ok(v) if users(paths, &m.name).is_empty() => {
                if let Err(e) = remove_dir(&v, ops) {
                    errors.push(e);
                }
            }
            _ => {}
        }
    }
    errors
}

#[cfg(test)]
mod tests;
