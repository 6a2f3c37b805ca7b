//! Removal of images and garbage collection of content no image references.
use super::records::ImageRecord;
use super::{Result, Store, StoreError};
use crate::digest::Digest;
use nix::errno::Errno;
use nix::fcntl::FlockArg;
use std::collections::HashSet;
use std::ffi::OsString;
use std::path::Path;

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
    /// What could not be removed, each with why (the collection went on with the rest).
    pub failures: Vec<String>,
}

impl Store {
    /// Removes the image record and every reference to it. Content goes with the next `gc`.
    /// Works on a full disk (see records::REMOVING).
    pub fn remove_image(&self, manifest: &Digest) -> Result<ImageRecord> {
        let key = manifest.to_string();
        let mut removed = self.remove_records(|idx| {
            if !idx.images.contains_key(&key) {
                return Err(StoreError::NoSuchImage(key.clone()));
            }
            Ok(vec![key.clone()])
        })?;
        removed.pop().ok_or_else(|| StoreError::NoSuchImage(key.clone()))
    }

    /// Removes images without any reference, except those in `keep` (used by containers).
    pub fn remove_dangling(&self, keep: &[Digest]) -> Result<Vec<ImageRecord>> {
        self.remove_records(|idx| {
            let referenced: HashSet<Digest> = idx.refs.values().cloned().collect();
            Ok(idx
                .images
                .iter()
                .filter(|(_, r)| !referenced.contains(&r.manifest.digest) && !keep.contains(&r.manifest.digest))
                .map(|(k, _)| k.clone())
                .collect())
        })
    }

    /// Deletes blobs and unpacked layers that no recorded image uses, temp files and the
    /// partial downloads of interrupted pulls; then makes pending removals final. Skipped
    /// (busy) while any writer holds the store's writer guard. It goes on past what it cannot
    /// remove (so that one bad layer does not keep the rest), and reports each in `failures`.
    /// Works on a full disk: it writes nothing before it has freed the content.
    pub fn gc(&self) -> Result<PruneReport> {
        let mut report = PruneReport::default();
        let Some(_guard) = self.gc_lock()? else {
            report.busy = true;
            return Ok(report);
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
        let fail = |report: &mut PruneReport, p: &Path, e: &dyn std::fmt::Display| report.failures.push(format!("{}: {e}", p.display()));
        for (dir, keep, is_layers) in [("blobs/sha256", &blobs, false), ("layers", &layers, true)] {
            let dir = self.root.join(dir);
            for entry in std::fs::read_dir(&dir).map_err(super::io_err(&dir))? {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        fail(&mut report, &dir, &e);
                        break;
                    }
                };
                let name = entry.file_name().to_string_lossy().into_owned();
                if keep.contains(&name) {
                    continue;
                }
                let path = entry.path();
                let removed = if is_layers { self.remove_layer_dir(&path) } else { crate::tree::remove_tree(&path) };
                match removed {
                    Ok(bytes) => {
                        report.bytes_freed += bytes;
                        // Leftovers of failed unpackings (".tmp-...") are not layers.
                        if !is_layers {
                            report.blobs_removed += 1;
                        } else if !name.starts_with('.') {
                            report.layers_removed += 1;
                        }
                    }
                    Err(e) => fail(&mut report, &path, &e),
                }
            }
        }
        // No writer holds the guard, so every temp file is a leftover of a crash or of a
        // failed write, and every partial download one of an interrupted pull.
        for sub in ["tmp", "partial"] {
            let dir = self.root.join(sub);
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    fail(&mut report, &dir, &e);
                    continue;
                }
            };
            for entry in rd {
                match entry.map(|e| e.path()) {
                    Ok(path) => match crate::tree::remove_tree(&path) {
                        Ok(bytes) => report.bytes_freed += bytes,
                        Err(e) => fail(&mut report, &path, &e),
                    },
                    Err(e) => {
                        fail(&mut report, &dir, &e);
                        break;
                    }
                }
            }
        }
        // Now that their content is gone there is room to write the index without them.
        if let Err(e) = self.finish_removals() {
            fail(&mut report, &self.root.join("index.json"), &e);
        }
        Ok(report)
    }
}

impl Store {
    /// The exclusive collection lock, or None while a writer holds its guard.
    fn gc_lock(&self) -> Result<Option<nix::fcntl::Flock<std::fs::File>>> {
        let gc_path = self.root.join("gc.lock");
        let f = std::fs::File::options().create(true).truncate(false).write(true).open(&gc_path).map_err(super::io_err(&gc_path))?;
        match nix::fcntl::Flock::lock(f, FlockArg::LockExclusiveNonblock) {
            Ok(g) => Ok(Some(g)),
            Err((_, Errno::EWOULDBLOCK)) => Ok(None),
            Err((_, e)) => Err(StoreError::Lock(gc_path, e)),
        }
    }

    /// The names under layers/ now (unpacked layers and unpackings in progress).
    pub fn layer_names(&self) -> Result<HashSet<OsString>> {
        let dir = self.root.join("layers");
        let mut out = HashSet::new();
        for e in std::fs::read_dir(&dir).map_err(super::io_err(&dir))? {
            out.insert(e.map_err(super::io_err(&dir))?.file_name());
        }
        Ok(out)
    }

    /// Removes what a writer that has finished (or failed) added and no image references: the
    /// blobs in `blobs`, and the layer directories not in `layers_before`. Only while no other
    /// writer is at work, since a concurrent load or pull may be about to record the same
    /// content; otherwise they are left for gc, and false is returned.
    pub fn discard_unreferenced(&self, blobs: &HashSet<Digest>, layers_before: &HashSet<OsString>) -> Result<bool> {
        let Some(_guard) = self.gc_lock()? else { return Ok(false) };
        let idx = self.index()?;
        let mut used_blobs = HashSet::new();
        let mut used_layers = HashSet::new();
        for r in idx.images.values() {
            used_blobs.extend([r.manifest.digest.clone(), r.config.digest.clone()]);
            for l in &r.layers {
                used_blobs.insert(l.blob.digest.clone());
                used_layers.insert(OsString::from(l.diff_id.hex()));
            }
        }
        let mut failures = Vec::new();
        for d in blobs.difference(&used_blobs) {
            let p = self.blob_path(d);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => failures.push(format!("{}: {e}", p.display())),
            }
        }
        for name in self.layer_names()? {
            if layers_before.contains(&name) || used_layers.contains(&name) {
                continue;
            }
            let p = self.root.join("layers").join(&name);
            if let Err(e) = self.remove_layer_dir(&p) {
                failures.push(format!("{}: {e}", p.display()));
            }
        }
        if failures.is_empty() {
            Ok(true)
        } else {
            Err(StoreError::Io(self.root.clone(), std::io::Error::other(format!("could not remove what a failed write left: {}", failures.join("; ")))))
        }
    }
}

#[cfg(test)]
#[path = "gc_tests.rs"]
mod tests;
