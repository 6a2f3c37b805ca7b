//! The content store under `<data root>/images`:
//!
//! ```text
//! blobs/sha256/<hex>   verified content (manifests, configs, layer blobs)
//! layers/<diff hex>/   each layer unpacked once, shared read-only by all containers
//! tmp/                 blobs being written (never visible under blobs/ until verified)
//! partial/             downloads of a pull in progress or interrupted (collected by gc)
//! removing/<hex>       images removed whose index entry is still to be dropped (full disk)
//! index.json           image records and references, replaced atomically
//! index.lock           serialises index updates
//! gc.lock              shared by writers in progress, exclusive for garbage collection
//! ```
mod blobs;
mod code;
mod gc;
pub mod helper;
mod import;
mod records;

pub use gc::PruneReport;
pub use records::{ImageRecord, Index, LayerRecord};

use crate::digest::{Digest, DigestError};
use crate::manifest::ManifestError;
use crate::unpack::UnpackError;
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}: {1}")]
    Io(PathBuf, io::Error),
    #[error("blob {expected} is {actual_size} bytes with digest {actual}, not what was announced ({expected_size} bytes)")]
    BlobMismatch { expected: Digest, expected_size: u64, actual: Digest, actual_size: u64 },
    #[error("blob {0} is larger than announced ({1} bytes)")]
    BlobTooLarge(Digest, u64),
    #[error("blob {0} is missing from the store")]
    MissingBlob(Digest),
    #[error("{0}")]
    Manifest(#[from] ManifestError),
    #[error("{0}")]
    Digest(#[from] DigestError),
    #[error("layer {0}: {1}")]
    Unpack(Digest, UnpackError),
    #[error("the image index {0} is corrupt: {1}")]
    CorruptIndex(PathBuf, String),
    #[error("no such image: {0}")]
    NoSuchImage(String),
    #[error("{0:?} matches more than one image; use a longer ID or a full reference")]
    Ambiguous(String),
    #[error("invalid reference \"{}\": {}", crate::escape::escape_str(.0), .1)]
    BadReference(String, &'static str),
    #[error("locking {0}: {1}")]
    Lock(PathBuf, Errno),
    /// A failure, and what could not be removed of what the failed operation had made.
    #[error("{0} (and removing what it left failed: {1})")]
    Cleanup(Box<StoreError>, String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub(crate) fn io_err(p: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |e| StoreError::Io(p.to_path_buf(), e)
}

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    /// Rootless: layers are unpacked and removed by this helper, in a user namespace.
    helper: Option<helper::UnpackHelper>,
}

impl Store {
    /// Opens (creating if needed) the store in `root` (normally `<data root>/images`).
    pub fn open(root: impl Into<PathBuf>) -> Result<Store> {
        let root = root.into();
        for sub in ["blobs/sha256", "layers", "tmp", records::REMOVING] {
            let p = root.join(sub);
            std::fs::create_dir_all(&p).map_err(io_err(&p))?;
        }
        // Unpacked layers hold the images' set-id binaries and device nodes as they are; no
        // host user but the owner may reach them.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700)).map_err(io_err(&root))?;
        Ok(Store { root, helper: None })
    }

    /// Layers unpacked (and removed) through `helper` from now on, when one is given.
    pub fn with_helper(mut self, helper: Option<helper::UnpackHelper>) -> Store {
        self.helper = helper;
        self
    }

    /// Whether layers are unpacked by a helper (rootless), never in this process.
    pub fn has_helper(&self) -> bool {
        self.helper.is_some()
    }

    /// The helper a rootless store does its work on subordinate-owned files through.
    pub(crate) fn helper(&self) -> Option<&helper::UnpackHelper> {
        self.helper.as_ref()
    }

    /// Unpacks a layer here or, rootless, in the helper's user namespace.
    fn unpack(&self, src: &crate::unpack::LayerSource<'_>, dest: &Path, abort: Option<&std::sync::atomic::AtomicBool>) -> std::result::Result<(), UnpackError> {
        match &self.helper {
            Some(h) => h.unpack(src, dest, abort),
            None => crate::unpack::unpack_layer(src, dest).map(drop),
        }
    }

    /// Removes an unpacked layer (or a failed unpacking's leftover), at any depth; returns the
    /// bytes freed. Rootless, files of subordinate ids are removed by the helper.
    pub(crate) fn remove_layer_dir(&self, dir: &Path) -> io::Result<u64> {
        match crate::tree::remove_tree(dir) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => match &self.helper {
                Some(h) => h.remove_tree(dir).map_err(|m| io::Error::new(io::ErrorKind::PermissionDenied, m)),
                None => Err(e),
            },
            r => r,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn blob_path(&self, d: &Digest) -> PathBuf {
        self.root.join("blobs/sha256").join(d.hex())
    }

    pub fn layer_path(&self, diff_id: &Digest) -> PathBuf {
        self.root.join("layers").join(diff_id.hex())
    }

    fn lock(&self, name: &str, arg: FlockArg) -> Result<Flock<File>> {
        let p = self.root.join(name);
        let f = File::options().create(true).truncate(false).write(true).open(&p).map_err(io_err(&p))?;
        Flock::lock(f, arg).map_err(|(_, e)| StoreError::Lock(p, e))
    }

    /// Held (shared) by anything that adds content, so that a concurrent prune never removes
    /// blobs that a load or pull has written but not yet recorded.
    pub fn writer_guard(&self) -> Result<Flock<File>> {
        self.lock("gc.lock", FlockArg::LockShared)
    }
}

#[cfg(test)]
mod tests;
