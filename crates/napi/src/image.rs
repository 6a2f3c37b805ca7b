//! The image store for the CLI: listing, inspecting, tagging, removing and building images,
//! and mounting a container's root filesystem over an image's layers. Slow work (building,
//! unpacking, collecting, copying) runs on libuv's thread pool as AsyncTasks.
//!
//! Errors carry their stable code (crate::errors) as the JS error's `code` property.
use napi::bindgen_prelude::*;
use napi::{Env, Task};
use napi_derive::napi;

use crate::errors::{fail, CodedResult as Result, ErrorCode, Pending};
use std::path::PathBuf;
use tsc_box_image::fromhost::{self, FromHostError};
use tsc_box_image::overlay::{self, OverlayError, OverlayPaths};
use tsc_box_image::store::{ImageRecord, Index, PruneReport};
use tsc_box_image::{Digest, Store, StoreError};

fn store_code(e: &StoreError) -> ErrorCode {
    e.code()
}

pub(crate) fn store_err(e: StoreError) -> Error<ErrorCode> {
    fail(store_code(&e), e)
}

/// Rootless: the helper that unpacks (and removes) layers in a user namespace, for every
/// store this process opens from now on.
static UNPACK_HELPER: std::sync::Mutex<Option<tsc_box_image::store::helper::UnpackHelper>> = std::sync::Mutex::new(None);

/// Has layers unpacked by `program unpack-layer MAP_ARGS...` (tsc-box-runtime, in a user
/// namespace with the maps `--uidmap C:H:S`... `--gidmap C:H:S`...) instead of in-process.
#[napi]
pub fn image_use_unpack_helper(program: String, map_args: Vec<String>) {
    let helper = tsc_box_image::store::helper::UnpackHelper { program: program.into(), map_args };
    *UNPACK_HELPER.lock().unwrap_or_else(|p| p.into_inner()) = Some(helper);
}

pub(crate) fn open(root: &str) -> Result<Store> {
    let helper = UNPACK_HELPER.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Store::open(root).map(|s| s.with_helper(helper)).map_err(store_err)
}

#[napi(object)]
pub struct ImageLayer {
    pub digest: String,
    pub diff_id: String,
    pub media_type: String,
    pub size: f64,
    /// The unpacked layer directory (an overlayfs lower directory).
    pub path: String,
}

#[napi(object)]
pub struct ImageSummary {
    /// The config digest (docker's image ID).
    pub id: String,
    /// The manifest digest.
    pub digest: String,
    pub refs: Vec<String>,
    /// Bytes of the image's blobs (manifest, config, compressed layers).
    pub size: f64,
    /// Bytes of the unpacked layers' files.
    pub unpacked_size: f64,
    pub created: Option<String>,
    /// When this store recorded it, seconds since the epoch.
    pub added: f64,
    /// Base layer first.
    pub layers: Vec<ImageLayer>,
}

fn summary(store: &Store, idx: &Index, r: &ImageRecord) -> ImageSummary {
    ImageSummary {
        id: r.id.to_string(),
        digest: r.manifest.digest.to_string(),
        refs: idx.refs_of(&r.manifest.digest),
        size: r.size() as f64,
        unpacked_size: r.unpacked_size() as f64,
        created: r.created.clone(),
        added: r.added as f64,
        layers: r
            .layers
            .iter()
            .map(|l| ImageLayer {
                digest: l.blob.digest.to_string(),
                diff_id: l.diff_id.to_string(),
                media_type: l.blob.media_type.clone(),
                size: l.blob.size as f64,
                path: store.layer_path(&l.diff_id).to_string_lossy().into_owned(),
            })
            .collect(),
    }
}

pub(crate) fn summary_of(store: &Store, r: &ImageRecord) -> Result<ImageSummary> {
    let idx = store.index().map_err(store_err)?;
    Ok(summary(store, &idx, r))
}

#[napi]
pub fn image_list(root: String) -> Result<Vec<ImageSummary>> {
    let store = open(&root)?;
    let idx = store.index().map_err(store_err)?;
    Ok(idx.newest_first().into_iter().map(|r| summary(&store, &idx, r)).collect())
}

/// What `tsc-box images` prints (tsc_box_image::list, the code the runtime's front door runs
/// too), without the final newline; `json`: the --json array.
#[napi]
pub fn image_list_output(root: String, quiet: bool, no_trunc: bool, digests: bool, json: bool) -> Result<String> {
    let entries = tsc_box_image::list::list(std::path::Path::new(&root)).map_err(store_err)?;
    if json {
        return Ok(tsc_box_image::list::render_json(&entries));
    }
    let o = tsc_box_image::list::ImagesOptions { quiet, no_trunc, digests };
    Ok(tsc_box_image::list::render(&entries, &o, tsc_box_format::time::now_ms()))
}

/// Finds one image by reference, digest or ID prefix; null when there is none.
#[napi]
pub fn image_find(root: String, name: String) -> Result<Option<ImageSummary>> {
    let store = open(&root)?;
    let idx = store.index().map_err(store_err)?;
    match idx.lookup(&name) {
        Ok(r) => Ok(Some(summary(&store, &idx, r))),
        Err(StoreError::NoSuchImage(_)) => Ok(None),
        Err(e) => Err(store_err(e)),
    }
}

#[napi(object)]
pub struct ImageDetails {
    pub summary: ImageSummary,
    /// The manifest and config documents, verified against their digests, as JSON text.
    pub manifest: String,
    pub config: String,
}

#[napi]
pub fn image_inspect(root: String, name: String) -> Result<ImageDetails> {
    let store = open(&root)?;
    let idx = store.index().map_err(store_err)?;
    let r = idx.lookup(&name).map_err(store_err)?;
    let manifest = store.read_blob(&r.manifest).map_err(store_err)?;
    let config = store.read_blob(&r.config).map_err(store_err)?;
    Ok(ImageDetails {
        summary: summary(&store, &idx, r),
        manifest: String::from_utf8_lossy(&manifest).into_owned(),
        config: String::from_utf8_lossy(&config).into_owned(),
    })
}

#[napi]
pub fn image_tag(root: String, name: String, reference: String) -> Result<ImageSummary> {
    let store = open(&root)?;
    let r = store.tag(&name, &reference).map_err(store_err)?;
    summary_of(&store, &r)
}

/// A reference parsed and normalised by docker's rules (tsc_box_image::reference).
#[napi(object)]
pub struct ReferenceParts {
    pub domain: String,
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Parses `input` as docker does; refused with `invalid_reference` and docker's reason.
#[napi]
pub fn image_parse_reference(input: String) -> Result<ReferenceParts> {
    let r = tsc_box_image::reference::parse(&input).map_err(|e| fail(ErrorCode::InvalidReference, e))?;
    Ok(ReferenceParts { domain: r.domain, path: r.path, tag: r.tag, digest: r.digest })
}

/// Removes one reference; returns the digest of the image it pointed at.
#[napi]
pub fn image_untag(root: String, reference: String) -> Result<String> {
    let store = open(&root)?;
    store.untag(&reference).map(|d| d.to_string()).map_err(store_err)
}

/// Removes the image record (by manifest digest) and all its references. Content is freed by
/// `imageGc`.
#[napi]
pub fn image_remove(root: String, digest: String) -> Result<ImageSummary> {
    let store = open(&root)?;
    let d = Digest::parse(&digest).map_err(|e| fail(ErrorCode::InvalidReference, e))?;
    let idx = store.index().map_err(store_err)?;
    let r = store.remove_image(&d).map_err(store_err)?;
    Ok(summary(&store, &idx, &r))
}

/// Removes images without references, except the manifest digests in `keep`.
#[napi]
pub fn image_remove_dangling(root: String, keep: Vec<String>) -> Result<Vec<ImageSummary>> {
    let store = open(&root)?;
    let keep = keep.iter().map(|k| Digest::parse(k)).collect::<std::result::Result<Vec<_>, _>>().map_err(|e| fail(ErrorCode::InvalidReference, e))?;
    let idx = store.index().map_err(store_err)?;
    let removed = store.remove_dangling(&keep).map_err(store_err)?;
    Ok(removed.iter().map(|r| summary(&store, &idx, r)).collect())
}

/// A blocking job on the thread pool.
pub struct Job<T: Send + 'static, J: ToNapiValue + TypeName> {
    work: Option<Box<dyn FnOnce() -> Result<T> + Send>>,
    convert: fn(T) -> J,
    failed: Option<Pending>,
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> Task for Job<T, J> {
    type Output = T;
    type JsValue = J;
    fn compute(&mut self) -> napi::Result<T> {
        (self.work.take().expect("job computed twice"))().map_err(|e| {
            let (pending, plain) = Pending::split(e);
            self.failed = Some(pending);
            plain
        })
    }
    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<J> {
        Ok((self.convert)(output))
    }
    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<J> {
        Err(self.failed.take().map_or(err, |p| p.into_js(env)))
    }
}

pub(crate) fn job<T>(f: impl FnOnce() -> Result<T> + Send + 'static) -> AsyncTask<Job<T, T>>
where
    T: Send + 'static + ToNapiValue + TypeName,
{
    AsyncTask::new(Job { work: Some(Box::new(f)), convert: |t| t, failed: None })
}

#[napi(object)]
pub struct GcReport {
    pub blobs_removed: f64,
    pub layers_removed: f64,
    pub bytes_freed: f64,
    /// A load or build was writing to the store, so nothing was collected.
    pub busy: bool,
    /// What could not be removed, each with why; the rest was collected.
    pub failures: Vec<String>,
}

impl From<PruneReport> for GcReport {
    fn from(r: PruneReport) -> Self {
        GcReport {
            blobs_removed: r.blobs_removed as f64,
            layers_removed: r.layers_removed as f64,
            bytes_freed: r.bytes_freed as f64,
            busy: r.busy,
            failures: r.failures,
        }
    }
}

/// Deletes blobs and unpacked layers that no image uses.
#[napi(ts_return_type = "Promise<GcReport>")]
pub fn image_gc(root: String) -> AsyncTask<Job<GcReport, GcReport>> {
    job(move || open(&root)?.gc().map(GcReport::from).map_err(store_err))
}

fn from_host_err(e: FromHostError) -> Error<ErrorCode> {
    match e {
        FromHostError::Store(s) => store_err(s),
        FromHostError::Elf(e) => fail(ErrorCode::FromHostElf, e),
        e @ (FromHostError::NotExecutable(_) | FromHostError::NotAbsolute(_) | FromHostError::NoBinary) => fail(ErrorCode::FromHostInput, e),
        e => fail(ErrorCode::FromHost, e),
    }
}

/// Builds a single-layer image of host binaries, their ELF closure and a minimal /etc.
#[napi(ts_return_type = "Promise<ImageSummary>")]
pub fn image_from_host(root: String, binaries: Vec<String>, add: Vec<String>, refs: Vec<String>) -> AsyncTask<Job<ImageSummary, ImageSummary>> {
    job(move || {
        let store = open(&root)?;
        let req = fromhost::FromHost { binaries: binaries.into_iter().map(PathBuf::from).collect(), add: add.into_iter().map(PathBuf::from).collect(), refs };
        let r = fromhost::build(&store, &req).map_err(from_host_err)?;
        summary_of(&store, &r)
    })
}

fn overlay_err(e: OverlayError) -> Error<ErrorCode> {
    fail(ErrorCode::RootfsMount, e)
}

/// Mounts a container's root filesystem at `merged`: an overlay of `lower` (topmost first)
/// with `upper`/`work`, or a copy of the layers when overlayfs is refused or `forceCopy`.
/// Resolves to the driver used: "overlay" or "copy".
#[napi(ts_return_type = "Promise<'overlay' | 'copy'>")]
pub fn rootfs_mount(lower: Vec<String>, upper: String, work: String, merged: String, force_copy: bool) -> AsyncTask<Job<String, String>> {
    job(move || {
        let p = OverlayPaths { lower: lower.into_iter().map(PathBuf::from).collect(), upper: upper.into(), work: work.into(), merged: merged.into() };
        let d = overlay::mount_rootfs(&p, force_copy).map_err(overlay_err)?;
        Ok(match d {
            overlay::Driver::Overlay => "overlay".to_string(),
            overlay::Driver::Copy => "copy".to_string(),
        })
    })
}

fn archive_err(e: tsc_box_image::archive::ArchiveError) -> Error<ErrorCode> {
    fail(e.code(), e)
}

#[napi(object)]
pub struct LoadedImage {
    /// Names the archive gives the image, as written there (not normalised).
    pub names: Vec<String>,
    /// The references those names became, recorded with the image.
    pub references: Vec<String>,
    /// Names that are no valid reference (kept out of the store).
    pub ignored_names: Vec<String>,
    pub image: ImageSummary,
}

/// Loads an OCI image-layout or docker-archive tarball (plain, gzip or zstd). With `guard` (a
/// token of `imageWriterGuard`), the load takes that guard over once it holds its own: what
/// it guarded (the archive's copy in images/tmp/) is never unguarded, and the load's cleanup
/// after a failure does not find its own caller at work.
#[napi(ts_return_type = "Promise<Array<LoadedImage>>")]
pub fn image_load(root: String, file: String, guard: Option<u32>) -> AsyncTask<Job<Vec<LoadedImage>, Vec<LoadedImage>>> {
    let held = guard.and_then(take_guard);
    job(move || {
        let store = open(&root)?;
        let loaded = tsc_box_image::archive::load_taking_over(&store, std::path::Path::new(&file), held).map_err(archive_err)?;
        loaded
            .into_iter()
            .map(|l| Ok(LoadedImage { image: summary_of(&store, &l.record)?, names: l.names, references: l.references, ignored_names: l.ignored }))
            .collect()
    })
}

#[napi(object)]
pub struct SaveItem {
    /// Manifest digest of the image.
    pub digest: String,
    /// References to write into the archive.
    pub names: Vec<String>,
}

/// Writes images to `file` as "oci-archive" or "docker-archive"; the file appears complete.
#[napi(ts_return_type = "Promise<void>")]
pub fn image_save(root: String, items: Vec<SaveItem>, file: String, format: String) -> Result<AsyncTask<Job<(), ()>>> {
    use tsc_box_image::archive::{Format, SaveImage};
    let format = match format.as_str() {
        "oci-archive" => Format::OciArchive,
        "docker-archive" => Format::DockerArchive,
        other => return Err(fail(ErrorCode::InvalidFlag, format!("unknown archive format {other:?}: expected oci-archive or docker-archive"))),
    };
    Ok(job(move || {
        let store = open(&root)?;
        let idx = store.index().map_err(store_err)?;
        let images = items
            .into_iter()
            .map(|i| Ok(SaveImage { record: idx.lookup(&i.digest).map_err(store_err)?.clone(), names: i.names }))
            .collect::<Result<Vec<_>>>()?;
        if file == "-" {
            // docker's `save` without -o: the tarball goes to stdout (the CLI has checked that it
            // is no terminal), through a duplicate of fd 1 so that Node's stream is not closed.
            use std::os::fd::AsFd;
            let out = std::io::stdout().as_fd().try_clone_to_owned().map_err(|e| fail(ErrorCode::ArchiveIo, format!("stdout: {e}")))?;
            return tsc_box_image::archive::save_to(&store, &images, std::fs::File::from(out), std::path::Path::new("stdout"), format).map_err(archive_err);
        }
        tsc_box_image::archive::save(&store, &images, std::path::Path::new(&file), format).map_err(archive_err)
    }))
}

/// Stores a small blob held in memory (a manifest or a config read from a registry): checked
/// against `digest` and `size` at once (a mismatch throws blob_mismatch before anything is
/// written), then written, fsynced and moved in on a worker thread, whose promise the caller
/// awaits before the import that needs the blob.
#[napi(ts_return_type = "Promise<void>")]
pub fn image_put_blob(root: String, bytes: Buffer, digest: String, size: f64) -> Result<AsyncTask<Job<(), ()>>> {
    let expected = Digest::parse(&digest).map_err(|e| fail(ErrorCode::InvalidImage, e))?;
    let data = bytes.to_vec();
    let actual = Digest::of(&data);
    if actual != expected || data.len() as u64 != size as u64 {
        return Err(store_err(StoreError::BlobMismatch { expected, expected_size: size as u64, actual, actual_size: data.len() as u64 }));
    }
    Ok(job(move || open(&root)?.put_bytes(&data).map(drop).map_err(store_err)))
}

/// Whether the store holds the blob with that size.
#[napi]
pub fn image_has_blob(root: String, digest: String, size: f64) -> Result<bool> {
    let store = open(&root)?;
    let d = Digest::parse(&digest).map_err(|e| fail(ErrorCode::InvalidImage, e))?;
    Ok(store.has_blob(&d, size as u64))
}

/// Makes the image whose manifest blob is in the store visible: verifies the manifest, config
/// and every layer, unpacks the layers, records it and points `refs` at it.
#[napi(ts_return_type = "Promise<ImageSummary>")]
pub fn image_import(root: String, digest: String, size: f64, media_type: String, refs: Vec<String>) -> AsyncTask<Job<ImageSummary, ImageSummary>> {
    job(move || {
        let store = open(&root)?;
        let d = Digest::parse(&digest).map_err(|e| fail(ErrorCode::InvalidImage, e))?;
        let blob = tsc_box_image::manifest::Blob { digest: d, size: size as u64, media_type };
        let r = store.import(&blob, &refs).map_err(store_err)?;
        summary_of(&store, &r)
    })
}

/// Abort flags of downloads being unpacked as they arrive, by token.
static FOLLOWS: std::sync::Mutex<Option<std::collections::HashMap<u32, std::sync::Arc<std::sync::atomic::AtomicBool>>>> = std::sync::Mutex::new(None);
static NEXT_FOLLOW: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

fn follow_flag(token: u32) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let mut map = FOLLOWS.lock().unwrap_or_else(|p| p.into_inner());
    map.get_or_insert_with(Default::default).entry(token).or_default().clone()
}

/// A token for `imageUnpackDownload`, to abort it with `imageFollowAbort`.
#[napi]
pub fn image_follow_token() -> u32 {
    let t = NEXT_FOLLOW.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    follow_flag(t);
    t
}

/// Tells the unpacking that follows a download that no more bytes will come.
#[napi]
pub fn image_follow_abort(token: u32) {
    follow_flag(token).store(true, std::sync::atomic::Ordering::Release);
}

/// Whether the layer with this diff_id is already unpacked.
#[napi]
pub fn image_has_layer(root: String, diff_id: String) -> Result<bool> {
    let store = open(&root)?;
    let d = Digest::parse(&diff_id).map_err(|e| fail(ErrorCode::InvalidImage, e))?;
    Ok(store.layer_path(&d).is_dir())
}

/// The unpacked bytes of the images being pulled, by token: the layers of one image unpack on
/// several threads at once and count against one TSC_BOX_IMAGE_MAX_BYTES.
static TALLIES: std::sync::Mutex<Option<std::collections::HashMap<u32, tsc_box_image::unpack::ImageTally>>> = std::sync::Mutex::new(None);

/// A token for the layers of one image pulled with `imageUnpackDownload`; end it with
/// `imageTallyEnd`. Fails when TSC_BOX_IMAGE_MAX_BYTES is not a valid amount.
#[napi]
pub fn image_tally_new() -> Result<u32> {
    let tally = tsc_box_image::unpack::ImageTally::from_env().map_err(|e| fail(ErrorCode::LayerRejected, e))?;
    let t = NEXT_FOLLOW.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    TALLIES.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert_with(Default::default).insert(t, tally);
    Ok(t)
}

#[napi]
pub fn image_tally_end(token: u32) {
    if let Some(map) = TALLIES.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        map.remove(&token);
    }
}

/// Unpacks a layer from `file` while a download appends to it (until `size` bytes), then moves
/// the verified blob into the store. Abort with `imageFollowAbort(token)`. The layer counts
/// against the image total of `tally` (from `imageTallyNew`); without one, it is counted alone.
#[napi(ts_return_type = "Promise<void>")]
pub fn image_unpack_download(root: String, file: String, digest: String, size: f64, diff_id: String, token: u32, tally: Option<u32>) -> AsyncTask<Job<(), ()>> {
    job(move || {
        let flag = follow_flag(token);
        let result = (|| {
            let store = open(&root)?;
            let d = Digest::parse(&digest).map_err(|e| fail(ErrorCode::InvalidImage, e))?;
            let diff = Digest::parse(&diff_id).map_err(|e| fail(ErrorCode::InvalidImage, e))?;
            let blob = tsc_box_image::manifest::Blob { digest: d, size: size as u64, media_type: String::new() };
            let image = match tally {
                None => tsc_box_image::unpack::ImageTally::from_env().map_err(|e| fail(ErrorCode::LayerRejected, e))?,
                Some(t) => TALLIES
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref()
                    .and_then(|m| m.get(&t).cloned())
                    .ok_or_else(|| fail(ErrorCode::LayerRejected, format!("no image tally {t}: call imageTallyNew first")))?,
            };
            image.counting(|| store.unpack_download(std::path::Path::new(&file), &blob, &diff, &flag)).map_err(store_err)
        })();
        if let Some(map) = FOLLOWS.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            map.remove(&token);
        }
        result
    })
}

/// Writer guards (shared `gc.lock`) held for the CLI, by token.
static GUARDS: std::sync::Mutex<Option<std::collections::HashMap<u32, nix::fcntl::Flock<std::fs::File>>>> = std::sync::Mutex::new(None);
static NEXT_GUARD: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

fn take_guard(token: u32) -> Option<nix::fcntl::Flock<std::fs::File>> {
    GUARDS.lock().unwrap_or_else(|p| p.into_inner()).as_mut().and_then(|m| m.remove(&token))
}

/// Takes the store's writer guard, for a pull from start to end or for a load from stdin
/// while its copy of stdin exists: gc then leaves alone what they have written but not yet
/// recorded (images/partial/, images/tmp/). Returns a token for `imageWriterRelease` (or for
/// `imageLoad`, which takes the guard over). The process ending releases it too.
#[napi]
pub fn image_writer_guard(root: String) -> Result<u32> {
    let store = open(&root)?;
    let lock = store.writer_guard().map_err(store_err)?;
    let token = NEXT_GUARD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    GUARDS.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert_with(Default::default).insert(token, lock);
    Ok(token)
}

/// Releases a guard from `imageWriterGuard`; nothing if it was released or taken over.
#[napi]
pub fn image_writer_release(token: u32) {
    drop(take_guard(token));
}

/// The most bytes one file of a layer may hold (`TSC_BOX_LAYER_MAX_FILE_BYTES`, or its
/// default): a build's `ADD URL` stops its download there, since the file could never be part
/// of a layer anyway.
#[napi]
pub fn layer_max_file_bytes() -> Result<f64> {
    tsc_box_image::unpack::Limits::from_env().map(|l| l.max_file_bytes as f64).map_err(|e| fail(ErrorCode::InvalidEnv, e))
}
