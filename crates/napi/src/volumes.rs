//! Volumes (tsc_box_containers::volumes) for the TypeScript commands and `run`, as one class:
//! `VolumeStore` over a data root. Rust owns the store (names, records, crash-safe creation,
//! copy-up, in-use checks, removal) and its output (ls and inspect rendered by
//! tsc-box-format); TypeScript keeps the flags. Values cross as typed objects.
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use napi_derive::napi;
use tsc_box_containers::paths::Paths;
use tsc_box_containers::volumes::mounts::{self, MountType as StoreMountType};
use tsc_box_containers::volumes::{self, list, CopySource, NewVolume, Volume};
use tsc_box_containers::{Coded, ErrorCode};

use crate::container_remove::Spawned;
use crate::containers::coded;

/// docker's `volume inspect` document.
#[napi(object)]
pub struct VolumeInfo {
    pub name: String,
    pub driver: String,
    pub created_at: String,
    pub labels: HashMap<String, String>,
    pub options: HashMap<String, String>,
    pub mountpoint: String,
    pub anonymous: bool,
}

fn info(v: &Volume) -> VolumeInfo {
    VolumeInfo {
        name: v.meta.name.clone(),
        driver: v.meta.driver.clone(),
        created_at: v.meta.created_at.clone(),
        labels: v.meta.labels.clone().into_iter().collect(),
        options: v.meta.options.clone().into_iter().collect(),
        mountpoint: v.mountpoint().to_string_lossy().into_owned(),
        anonymous: v.anonymous(),
    }
}

/// `volume create` and the volumes `run` makes.
#[napi(object)]
pub struct VolumeSpec {
    /// Absent: a random 64-hex name.
    pub name: Option<String>,
    pub driver: Option<String>,
    pub labels: Option<HashMap<String, String>>,
    pub options: Option<HashMap<String, String>>,
    pub anonymous: Option<bool>,
}

/// Copy-up: the directory `path` inside the root `rootfs` fills a new or still empty volume.
#[napi(object)]
pub struct CopyFrom {
    pub rootfs: String,
    pub path: String,
}

#[napi(object)]
pub struct Ensured {
    pub volume: VolumeInfo,
    /// Made by this call (a failed `run` removes only what it made).
    pub created: bool,
}

/// A name that failed, with its code and docker's message.
#[napi(object)]
pub struct VolumeFailure {
    pub name: String,
    pub code: String,
    pub message: String,
}

#[napi(object)]
pub struct VolumeInspected {
    /// The text without its final newline; null when no name was a volume.
    pub output: Option<String>,
    pub failures: Vec<VolumeFailure>,
}

#[napi(object)]
pub struct VolumeLsOptions {
    pub quiet: bool,
    pub filters: Option<Vec<String>>,
    pub format: Option<String>,
}

#[napi(object)]
pub struct Pruned {
    pub deleted: Vec<String>,
    /// Bytes.
    pub reclaimed: f64,
}

#[napi(string_enum = "lowercase")]
pub enum MountType {
    Bind,
    Volume,
    Tmpfs,
}

/// One mount of a container, as its record keeps it (crates/containers/src/volumes/mounts.rs):
/// docker's Mounts fields (Type, Name, Source, Destination, Driver, Mode, RW, Propagation),
/// whether the volume is the container's own (anonymous), and the options it was made with.
#[napi(object)]
pub struct MountPoint {
    #[napi(js_name = "type")]
    pub kind: MountType,
    pub name: String,
    pub source: String,
    pub destination: String,
    pub mode: String,
    pub rw: bool,
    pub propagation: String,
    pub anonymous: bool,
    pub driver: String,
    pub options: Vec<String>,
}

impl From<mounts::MountPoint> for MountPoint {
    fn from(m: mounts::MountPoint) -> Self {
        MountPoint {
            kind: match m.kind {
                StoreMountType::Bind => MountType::Bind,
                StoreMountType::Volume => MountType::Volume,
                StoreMountType::Tmpfs => MountType::Tmpfs,
            },
            name: m.name,
            source: m.source,
            destination: m.destination,
            mode: m.mode,
            rw: m.rw,
            propagation: m.propagation,
            anonymous: m.anonymous,
            driver: m.driver,
            options: m.options,
        }
    }
}

impl From<MountPoint> for mounts::MountPoint {
    fn from(m: MountPoint) -> Self {
        mounts::MountPoint {
            kind: match m.kind {
                MountType::Bind => StoreMountType::Bind,
                MountType::Volume => StoreMountType::Volume,
                MountType::Tmpfs => StoreMountType::Tmpfs,
            },
            name: m.name,
            source: m.source,
            destination: m.destination,
            mode: m.mode,
            rw: m.rw,
            propagation: m.propagation,
            anonymous: m.anonymous,
            driver: m.driver,
            options: m.options,
        }
    }
}

fn sorted(m: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    m.unwrap_or_default().into_iter().collect()
}

fn failures(errors: Vec<volumes::VolumeError>, names: impl Iterator<Item = String>) -> Vec<VolumeFailure> {
    errors.into_iter().zip(names).map(|(e, name)| VolumeFailure { name, code: e.code().as_str().to_string(), message: e.to_string() }).collect()
}

/// The volumes of one data root (and its run directory, for the rootless removal helper).
#[napi]
pub struct VolumeStore {
    paths: Paths,
}

#[napi]
impl VolumeStore {
    #[napi(constructor)]
    pub fn new(data_root: String, run_dir: String) -> Self {
        VolumeStore { paths: Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) } }
    }

    /// Makes the volume unless it exists (then returns it as it is); with `copy`, a new or
    /// still empty volume is filled from the image's content. A failure leaves nothing new.
    #[napi]
    pub fn ensure(&self, spec: VolumeSpec, copy: Option<CopyFrom>) -> napi::Result<Ensured, ErrorCode> {
        let new = NewVolume {
            name: spec.name,
            driver: spec.driver,
            labels: sorted(spec.labels),
            options: sorted(spec.options),
            anonymous: spec.anonymous.unwrap_or(false),
        };
        let src = copy.as_ref().map(|c| CopySource { rootfs: Path::new(&c.rootfs), path: &c.path });
        let (v, created) = volumes::create(&self.paths, new, src).map_err(|e| coded(&e))?;
        Ok(Ensured { volume: info(&v), created })
    }

    /// The volume `name` (no_such_volume).
    #[napi]
    pub fn get(&self, name: String) -> napi::Result<VolumeInfo, ErrorCode> {
        volumes::get(&self.paths, &name).map(|v| info(&v)).map_err(|e| coded(&e))
    }

    /// `volume inspect NAME...` (docker's document, or `format` over each).
    #[napi]
    pub fn inspect(&self, names: Vec<String>, format: Option<String>) -> napi::Result<VolumeInspected, ErrorCode> {
        let (output, errors) = list::inspect(&self.paths, &names, format.as_deref()).map_err(|e| coded(&e))?;
        let failed = names.into_iter().filter(|n| volumes::get(&self.paths, n).is_err());
        Ok(VolumeInspected { output, failures: failures(errors, failed) })
    }

    /// What `volume ls` prints, without the final newline (`json`: the documents as an array).
    #[napi]
    pub fn ls(&self, options: VolumeLsOptions, json: bool) -> napi::Result<String, ErrorCode> {
        let o = list::LsOptions { quiet: options.quiet, filters: options.filters.unwrap_or_default(), format: options.format };
        list::ls(&self.paths, &o, json).map_err(|e| coded(&e))
    }

    /// `volume rm [-f] NAME...`: the names removed, and each failure (in use, no such volume).
    #[napi]
    pub fn remove(&self, names: Vec<String>, force: bool, runtime: Option<String>) -> VolumeRemoved {
        let ops = Spawned::new(runtime, &self.paths);
        let mut removed = Vec::new();
        let mut failed = Vec::new();
        for n in names {
            match volumes::remove(&self.paths, &n, force, &ops) {
                Ok(_) => removed.push(n),
                Err(e) => failed.push(VolumeFailure { name: n, code: e.code().as_str().to_string(), message: e.to_string() }),
            }
        }
        VolumeRemoved { removed, failures: failed }
    }

    /// `volume prune [-a] [--filter label=...]`.
    #[napi]
    pub fn prune(&self, all: bool, filters: Option<Vec<String>>, runtime: Option<String>) -> napi::Result<Pruned, ErrorCode> {
        let ops = Spawned::new(runtime, &self.paths);
        let (deleted, freed) = volumes::prune(&self.paths, all, &filters.unwrap_or_default(), &ops).map_err(|e| coded(&e))?;
        Ok(Pruned { deleted, reclaimed: freed as f64 })
    }

    /// The mounts container `id`'s record keeps (empty for none or no such container): what
    /// `inspect` renders as Mounts and `--volumes-from` copies.
    #[napi]
    pub fn container_mounts(&self, id: String) -> Vec<MountPoint> {
        tsc_box_containers::record::read(&self.paths.container_dir(&id)).map(|r| r.mounts.into_iter().map(Into::into).collect()).unwrap_or_default()
    }

    /// Removes the anonymous volumes among `mounts` that no container's record mounts any more
    /// (a failed `run`'s, once its container is gone).
    #[napi]
    pub fn remove_anonymous(&self, mounts: Vec<MountPoint>, runtime: Option<String>) -> Vec<VolumeFailure> {
        let ops = Spawned::new(runtime, &self.paths);
        let m: Vec<mounts::MountPoint> = mounts.into_iter().map(Into::into).collect();
        let names = m.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
        failures(volumes::remove_anonymous(&self.paths, &m, &ops), names.into_iter())
    }
}

#[napi(object)]
pub struct VolumeRemoved {
    pub removed: Vec<String>,
    pub failures: Vec<VolumeFailure>,
}
