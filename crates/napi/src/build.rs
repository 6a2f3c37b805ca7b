//! What `tsc-box build` needs of Rust: a layer from a step's overlay upper directory, and an
//! image from layers and a config (crates/image's `layer` module).
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::{fail, CodedResult as Result, ErrorCode};
use crate::image::{job, open, store_err, summary_of, ImageSummary, Job};
use tsc_box_image::layer::{self, AssembleError, LayerError, LayerOptions, NewLayer};
use tsc_box_image::manifest::Blob;
use tsc_box_image::Digest;

#[napi(object)]
pub struct MadeLayer {
    pub digest: String,
    pub size: f64,
    pub diff_id: String,
    pub media_type: String,
    /// Entries in the layer (0: the step changed no file).
    pub entries: f64,
}

fn layer_err(e: LayerError) -> Error<ErrorCode> {
    match e {
        LayerError::Store(s) => store_err(s),
        e => fail(ErrorCode::BuildLayer, e),
    }
}

/// Makes a gzip layer of the changes in `upper` (an overlay upper directory: whiteouts and
/// opaque marks become OCI's) and puts its blob into the store. `epoch`: SOURCE_DATE_EPOCH.
#[napi(ts_return_type = "Promise<MadeLayer>")]
/// `skipEmpty`: paths in the upper left out when they are empty files (the runtime's mount
/// points for /etc/hosts, /etc/hostname, /etc/resolv.conf where the image had none).
pub fn layer_from_upper(root: String, upper: String, epoch: Option<f64>, skip_empty: Option<Vec<String>>) -> AsyncTask<Job<MadeLayer, MadeLayer>> {
    job(move || {
        let store = open(&root)?;
        let skip_empty = skip_empty.unwrap_or_default().into_iter().map(std::path::PathBuf::from).collect();
        let opts = LayerOptions { epoch: epoch.filter(|e| *e >= 0.0).map(|e| e as u64), skip_empty };
        let l = layer::from_upper(&store, std::path::Path::new(&upper), &opts).map_err(layer_err)?;
        Ok(MadeLayer {
            digest: l.digest.to_string(),
            size: l.size as f64,
            diff_id: l.diff_id.to_string(),
            media_type: tsc_box_image::manifest::LAYER_OCI_GZIP.into(),
            entries: l.entries as f64,
        })
    })
}

#[napi(object)]
pub struct AssembleLayer {
    pub digest: String,
    pub size: f64,
    pub media_type: String,
    pub diff_id: String,
}

fn digest(s: &str) -> Result<Digest> {
    Digest::parse(s).map_err(|e| fail(ErrorCode::InvalidImage, e))
}

/// Writes `config` (JSON; its rootfs is set from `layers`, base first) and a manifest, imports
/// the image through the store's verified import and points `refs` at it.
#[napi(ts_return_type = "Promise<ImageSummary>")]
pub fn image_assemble(root: String, layers: Vec<AssembleLayer>, config: String, refs: Vec<String>) -> AsyncTask<Job<ImageSummary, ImageSummary>> {
    job(move || {
        let store = open(&root)?;
        let layers = layers
            .iter()
            .map(|l| {
                Ok(NewLayer { blob: Blob { digest: digest(&l.digest)?, size: l.size as u64, media_type: l.media_type.clone() }, diff_id: digest(&l.diff_id)? })
            })
            .collect::<Result<Vec<_>>>()?;
        let config: serde_json::Value = serde_json::from_str(&config).map_err(|e| fail(ErrorCode::InvalidImage, e))?;
        let r = layer::assemble(&store, &layers, config, &refs).map_err(|e| match e {
            AssembleError::Store(s) => store_err(s),
            e => fail(ErrorCode::InvalidImage, e),
        })?;
        summary_of(&store, &r)
    })
}

/// The ELF closure of `binaries` (paths in the root `root`, a build stage's): each file its
/// loader would open, looked up inside the root as its own loader would (its ld.so.conf, its
/// symlinks resolved inside it). Paths are the root's, as the loader opens them.
#[napi(ts_return_type = "Promise<string[]>")]
pub fn elf_closure_in_root(root: String, binaries: Vec<String>) -> AsyncTask<Job<Vec<String>, Vec<String>>> {
    job(move || {
        use tsc_box_image::elf::{closure_in, SearchPaths, View};
        let view = View::Root(root.into());
        let bins: Vec<std::path::PathBuf> = binaries.into_iter().map(Into::into).collect();
        let c = closure_in(&view, &bins, &SearchPaths::in_root(&view)).map_err(|e| fail(ErrorCode::FromHostElf, e))?;
        Ok(c.files.into_iter().map(|p| p.to_string_lossy().into_owned()).collect())
    })
}

/// Whether `file` is a tar archive (plain, gzip or zstd) that `ADD` unpacks.
#[napi]
pub fn archive_is_archive(file: String) -> Result<bool> {
    layer::is_archive(std::path::Path::new(&file)).map_err(|e| fail(ErrorCode::BuildContext, format!("{file}: {e}")))
}

/// Unpacks the archive `file` into `dest` (which must not exist) with the checks and limits of
/// a pulled layer; a hostile archive is refused and leaves nothing.
#[napi(ts_return_type = "Promise<void>")]
pub fn archive_unpack_to(file: String, dest: String) -> AsyncTask<Job<(), ()>> {
    job(move || {
        layer::unpack_archive(std::path::Path::new(&file), std::path::Path::new(&dest)).map_err(|e| fail(ErrorCode::LayerRejected, format!("{file}: {e}")))
    })
}

/// The most bytes `import` downloads for an archive from a URL: what one layer may unpack to
/// (`TSC_BOX_LAYER_MAX_BYTES`, or its default). An archive beyond it could not be imported
/// anyway; a server sending without end fills no disk.
#[napi]
pub fn archive_max_download_bytes() -> Result<f64> {
    tsc_box_image::unpack::Limits::from_env().map(|l| l.max_bytes as f64).map_err(|e| fail(ErrorCode::InvalidEnv, e))
}

/// A build step's own overlay (COPY, ADD, WORKDIR): as `rootfsMount`, but without syncs to the
/// upper filesystem (overlay::Syncs::Volatile), since the upper becomes a layer and is removed
/// right after; its unmount then costs no sync of every process's dirty data.
#[napi(ts_return_type = "Promise<'overlay' | 'copy'>")]
pub fn build_overlay_mount(lower: Vec<String>, upper: String, work: String, merged: String) -> AsyncTask<Job<String, String>> {
    job(move || {
        use tsc_box_image::overlay::{mount_rootfs_with, Driver, OverlayPaths, Syncs};
        let p = OverlayPaths { lower: lower.into_iter().map(Into::into).collect(), upper: upper.into(), work: work.into(), merged: merged.into() };
        match mount_rootfs_with(&p, false, Syncs::Volatile).map_err(|e| fail(ErrorCode::RootfsMount, e))? {
            Driver::Overlay => Ok("overlay".to_string()),
            Driver::Copy => Ok("copy".to_string()),
        }
    })
}

#[napi(object)]
pub struct UpperChange {
    /// Absolute, in the container.
    pub path: String,
    pub deleted: bool,
}

/// The entries and deletions of a container's upper directory, in path order (`diff`).
#[napi(ts_return_type = "Promise<UpperChange[]>")]
pub fn upper_changes(upper: String) -> AsyncTask<Job<Vec<UpperChange>, Vec<UpperChange>>> {
    job(move || {
        let c = layer::changes(std::path::Path::new(&upper)).map_err(layer_err)?;
        Ok(c.into_iter().map(|c| UpperChange { path: format!("/{}", c.path.to_string_lossy()), deleted: c.deleted }).collect())
    })
}

/// Writes a tar of the tree `dir` (a container's merged root filesystem) to the file `out`
/// (created or truncated; `/dev/stdout` for the standard output). Resolves to the entries.
#[napi(ts_return_type = "Promise<number>")]
pub fn tree_tar_to(dir: String, out: String) -> AsyncTask<Job<f64, f64>> {
    job(move || {
        let mut f =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&out).map_err(|e| fail(ErrorCode::ArchiveIo, format!("{out}: {e}")))?;
        layer::tar_to(std::path::Path::new(&dir), &mut f).map(|n| n as f64).map_err(layer_err)
    })
}
