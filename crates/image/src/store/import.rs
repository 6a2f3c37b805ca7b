//! Turning verified content into a visible image: manifest and config are re-read and
//! verified, every layer blob must be present and is unpacked (once per diff_id) with both of
//! its digests checked; only then is the record added to the index.
use super::records::{check_reference, ImageRecord, LayerRecord};
use super::{Result, Store, StoreError};
use crate::manifest::{parse_config, parse_manifest, Blob};
use crate::unpack::{ImageTally, LayerSource};
use std::path::Path;

impl Store {
    pub fn import(&self, manifest: &Blob, refs: &[String]) -> Result<ImageRecord> {
        let image = ImageTally::from_env().map_err(|e| StoreError::Unpack(manifest.digest.clone(), e.into()))?;
        self.import_within(manifest, refs, &image)
    }

    /// As `import`, with the image's layers counted in `image` (a fresh tally: the whole image
    /// within its limit, the layers already unpacked, by a pull as they downloaded or for
    /// another image, counted as they are on disk).
    pub fn import_within(&self, manifest: &Blob, refs: &[String], image: &ImageTally) -> Result<ImageRecord> {
        for r in refs {
            check_reference(r)?;
        }
        let _writer = self.writer_guard()?;
        let m = parse_manifest(&self.read_blob(manifest)?)?;
        let cfg = parse_config(&self.read_blob(&m.config)?, m.layers.len())?;
        let mut created = Vec::new();
        let layers = self.import_layers(&m.layers, &cfg.diff_ids, image, &mut created);
        let layers = match layers {
            Ok(l) => l,
            Err(e) => {
                // What this import unpacked serves no image now.
                let left: Vec<String> = created.iter().filter_map(|dir| self.remove_layer_dir(dir).err().map(|r| format!("{}: {r}", dir.display()))).collect();
                return Err(if left.is_empty() { e } else { StoreError::Cleanup(Box::new(e), left.join("; ")) });
            }
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let record = ImageRecord {
            id: m.config.digest.clone(),
            manifest: manifest.clone(),
            config: m.config.clone(),
            layers,
            created: cfg.config.created().clone(),
            added: now.as_secs(),
            added_nanos: now.subsec_nanos(),
        };
        self.update_index(|idx| {
            // One image per config digest (docker's image ID): the same image from a docker
            // archive and an OCI one (two manifests, one config) is one row with both tags.
            // Re-importing keeps the original record (and its `added` time); the second
            // manifest's blobs are left unreferenced, for the load's cleanup or gc.
            let same_id = idx.images.values().find(|r| r.id == record.id).cloned();
            let kept = match same_id {
                Some(existing) => existing,
                None => idx.images.entry(record.manifest.digest.to_string()).or_insert_with(|| record.clone()).clone(),
            };
            for r in refs {
                idx.refs.insert(r.clone(), kept.manifest.digest.clone());
            }
            Ok(kept)
        })
    }
}

impl Store {
    fn import_layers(&self, blobs: &[Blob], diff_ids: &[crate::Digest], image: &ImageTally, created: &mut Vec<std::path::PathBuf>) -> Result<Vec<LayerRecord>> {
        let mut layers = Vec::with_capacity(blobs.len());
        for (blob, diff_id) in blobs.iter().zip(diff_ids.iter()) {
            if !self.has_blob(&blob.digest, blob.size) {
                return Err(StoreError::MissingBlob(blob.digest.clone()));
            }
            let dest = self.layer_path(diff_id);
            let unpacked_size = if dest.is_dir() {
                let n = disk_usage(&dest);
                image.add(n).map_err(|e| StoreError::Unpack(blob.digest.clone(), e.into()))?;
                n
            } else {
                let path = self.blob_path(&blob.digest);
                let src = LayerSource { blob: &path, digest: &blob.digest, size: blob.size, diff_id, follow: None };
                image.counting(|| self.unpack(&src, &dest, None)).map_err(|e| StoreError::Unpack(blob.digest.clone(), e))?;
                created.push(dest.clone());
                disk_usage(&dest)
            };
            layers.push(LayerRecord { blob: blob.clone(), diff_id: diff_id.clone(), unpacked_size });
        }
        Ok(layers)
    }
}

/// Bytes of regular files under `dir`, hard links counted once; symlinks never followed; at
/// any depth. Directories it may not read count as empty: a rootless user's layer may hold
/// some that only its subordinate ids can read.
pub fn disk_usage(dir: &Path) -> u64 {
    crate::tree::disk_usage_readable(dir)
}

impl Store {
    /// Unpacks a layer from `partial` while a download is still appending to it, then moves the
    /// blob into the store: both only once every byte matched `blob` and `diff_id`. `abort` is
    /// set by the downloader when it gives up. The partial file stays for a resumed download
    /// when the download is what failed; content that does not match is deleted.
    pub fn unpack_download(&self, partial: &Path, blob: &Blob, diff_id: &crate::Digest, abort: &std::sync::atomic::AtomicBool) -> Result<()> {
        let _writer = self.writer_guard()?;
        let dest = self.layer_path(diff_id);
        let src = LayerSource { blob: partial, digest: &blob.digest, size: blob.size, diff_id, follow: Some(abort) };
        // The blob's writeback to disk proceeds while it downloads and unpacks, so that the
        // final fsync finds little left to do.
        let unpacked = std::sync::atomic::AtomicBool::new(false);
        let outcome = std::thread::scope(|s| {
            let syncer = s.spawn(|| {
                let Ok(f) = std::fs::File::open(partial) else { return };
                while !unpacked.load(std::sync::atomic::Ordering::Acquire) {
                    let _ = f.sync_data();
                    // Woken as soon as the unpacking ends: the scope waits for this thread.
                    std::thread::park_timeout(std::time::Duration::from_millis(50));
                }
            });
            let r = self.unpack(&src, &dest, Some(abort));
            unpacked.store(true, std::sync::atomic::Ordering::Release);
            syncer.thread().unpark();
            r
        });
        match outcome {
            Ok(_) => {}
            Err(crate::unpack::UnpackError::Blob { expected, expected_size, actual, actual_size }) => {
                let _ = std::fs::remove_file(partial);
                return Err(StoreError::BlobMismatch { expected, expected_size, actual, actual_size });
            }
            Err(e) if e.is_content_mismatch() => {
                let _ = std::fs::remove_file(partial);
                return Err(StoreError::Unpack(blob.digest.clone(), e));
            }
            Err(e) => {
                let interrupted = matches!(&e, crate::unpack::UnpackError::Tar(io) | crate::unpack::UnpackError::Read(_, io) if io.kind() == std::io::ErrorKind::ConnectionAborted);
                if !interrupted {
                    // Content we could not use will not become usable by resuming.
                    let _ = std::fs::remove_file(partial);
                }
                return Err(StoreError::Unpack(blob.digest.clone(), e));
            }
        }
        // Exactly the verified bytes, no more: a longer file is not this blob.
        let len = std::fs::metadata(partial).map_err(super::io_err(partial))?.len();
        if len != blob.size {
            let _ = std::fs::remove_file(partial);
            return Err(StoreError::BlobTooLarge(blob.digest.clone(), blob.size));
        }
        let f = std::fs::File::open(partial).map_err(super::io_err(partial))?;
        self.move_in(&f, partial, &blob.digest)
    }
}
