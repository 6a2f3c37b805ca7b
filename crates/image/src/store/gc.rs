//! Removal of images and garbage collection of content no image references.
use super::{Result, Store, StoreError};
use super::records::ImageRecord;
use crate::digest::Digest;
use nix::errno::Errno;
use nix::fcntl::FlockArg;
use std::collections::HashSet;

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct PruneReport {
    #[serde(rename = "imagesRemoved")]
    pub images_removed: Vec<String>,
    #[serde(rename = "blobsRemoved")]
    pub blobs_removed: u64,
    #[serde(rename = "layersRemoved")]
    pub layers_removed: u64,
    #[serde(rename = "bytesFreed")]
    pub bytes_freed: u64,
    /// Garbage collection was skipped because a load or pull was writing to the store.
    pub busy: bool,
}

impl Store {
    /// Removes the image record and every reference to it. Content goes with the next `gc`.
    pub fn remove_image(&self, manifest: &Digest) -> Result<ImageRecord> {
        self.update_index(|idx| {
            let rec = idx.images.remove(&manifest.to_string()).ok_or_else(|| StoreError::NoSuchImage(manifest.to_string()))?;
            idx.refs.retain(|_, d| d != manifest);
            Ok(rec)
        })
    }

    /// Removes images without any reference, except those in `keep` (used by containers).
    pub fn remove_dangling(&self, keep: &[Digest]) -> Result<Vec<ImageRecord>> {
        self.update_index(|idx| {
            let referenced: HashSet<Digest> = idx.refs.values().cloned().collect();
            let doomed: Vec<String> = idx
                .images
                .iter()
                .filter(|(_, r)| !referenced.contains(&r.manifest.digest) && !keep.contains(&r.manifest.digest))
                .map(|(k, _)| k.clone())
                .collect();
            Ok(doomed.iter().filter_map(|k| idx.images.remove(k)).collect())
        })
    }

    /// Deletes blobs and unpacked layers that no recorded image uses, and stale temp files.
    /// Skipped (busy) while any writer holds the store's writer guard.
    pub fn gc(&self) -> Result<PruneReport> {
        let mut report = PruneReport::default();
        let gc_path = self.root.join("gc.lock");
        let f = std::fs::File::options().create(true).truncate(false).write(true).open(&gc_path).map_err(super::io_err(&gc_path))?;
        let _guard = match nix::fcntl::Flock::lock(f, FlockArg::LockExclusiveNonblock) {
            Ok(g) => g,
            Err((_, Errno::EWOULDBLOCK)) => {
                report.busy = true;
                return Ok(report);
            }
            Err((_, e)) => return Err(StoreError::Lock(gc_path, e)),
        };
        let idx = self.index()?;
        let mut blobs = HashSet::new();
        let mut layers = HashSet::new();
        for r in idx.images.values() {
            blobs.insert(r.manifest.digest.hex());
            blobs.insert(r.config.digest.hex());
            for l in &r.layers {
                blobs.insert(l.blob.digest.hex());
                layers.insert(l.diff_id.hex());
            }
        }
        let dir = self.root.join("blobs/sha256");
        for e in std::fs::read_dir(&dir).map_err(super::io_err(&dir))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !blobs.contains(&name) {
                report.bytes_freed += e.metadata().map(|m| m.len()).unwrap_or(0);
                if std::fs::remove_file(e.path()).is_ok() {
                    report.blobs_removed += 1;
                }
            }
        }
        let dir = self.root.join("layers");
        for e in std::fs::read_dir(&dir).map_err(super::io_err(&dir))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !layers.contains(&name) {
                report.bytes_freed += super::import::disk_usage(&e.path());
                if self.remove_layer_dir(&e.path()) && !name.starts_with('.') {
                    report.layers_removed += 1;
                }
            }
        }
        // No writer holds the guard, so every temp file is a leftover of a crash.
        let dir = self.root.join("tmp");
        for e in std::fs::read_dir(&dir).map_err(super::io_err(&dir))?.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
        Ok(report)
    }
}
