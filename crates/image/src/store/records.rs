//! Image records and references: one JSON document, replaced atomically (write, fsync,
//! rename) under index.lock, so readers never see a half-written index and an image appears
//! in it only after all of its content was verified.
use super::{io_err, Result, Store, StoreError};
use crate::digest::Digest;
use crate::manifest::Blob;
use nix::fcntl::FlockArg;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LayerRecord {
    #[serde(flatten)]
    pub blob: Blob,
    #[serde(rename = "diffId")]
    pub diff_id: Digest,
    /// Bytes of the unpacked layer's files, measured when it was unpacked.
    #[serde(rename = "unpackedSize", default)]
    pub unpacked_size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageRecord {
    /// The config digest: what docker calls the image ID.
    pub id: Digest,
    pub manifest: Blob,
    pub config: Blob,
    pub layers: Vec<LayerRecord>,
    /// `created` from the image config, verbatim.
    pub created: Option<String>,
    /// When this store recorded the image, in seconds since the epoch.
    pub added: u64,
    /// The nanoseconds of that second, so that images recorded within one second still list
    /// newest first (records written before this field read 0).
    #[serde(rename = "addedNanos", default)]
    pub added_nanos: u32,
}

impl ImageRecord {
    /// Size as `images` shows it: the blobs that make up the image.
    pub fn size(&self) -> u64 {
        self.manifest.size + self.config.size + self.layers.iter().map(|l| l.blob.size).sum::<u64>()
    }
    pub fn unpacked_size(&self) -> u64 {
        self.layers.iter().map(|l| l.unpacked_size).sum()
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Index {
    pub version: u32,
    /// Keyed by manifest digest.
    pub images: BTreeMap<String, ImageRecord>,
    /// Normalised reference (e.g. docker.io/library/busybox:latest) -> manifest digest.
    pub refs: BTreeMap<String, Digest>,
}

impl Index {
    /// The images, the most recently recorded first (`images` and the image list's order).
    pub fn newest_first(&self) -> Vec<&ImageRecord> {
        let mut images: Vec<_> = self.images.values().collect();
        images.sort_by_key(|r| std::cmp::Reverse((r.added, r.added_nanos)));
        images
    }

    pub fn refs_of(&self, manifest: &Digest) -> Vec<String> {
        self.refs.iter().filter(|(_, d)| *d == manifest).map(|(r, _)| r.clone()).collect()
    }

    /// Finds an image by exact reference, `name@sha256:...`, a full manifest or config digest,
    /// or a unique prefix (at least 4 hex digits) of its ID.
    pub fn lookup(&self, name: &str) -> Result<&ImageRecord> {
        let not_found = || StoreError::NoSuchImage(name.to_string());
        if let Some(d) = self.refs.get(name) {
            return self.images.get(&d.to_string()).ok_or_else(not_found);
        }
        let digest_part = name.rsplit_once('@').map(|(_, d)| d).unwrap_or(name);
        if let Ok(d) = Digest::parse(digest_part) {
            if let Some(img) = self.images.get(&d.to_string()) {
                return Ok(img);
            }
            if !name.contains('@') {
                if let Some(img) = self.images.values().find(|i| i.id == d) {
                    return Ok(img);
                }
            }
            return Err(not_found());
        }
        let prefix = name.strip_prefix("sha256:").unwrap_or(name);
        if prefix.len() >= 4 && prefix.len() <= 64 && prefix.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            let mut found = self.images.values().filter(|i| i.id.hex().starts_with(prefix));
            let first = found.next().ok_or_else(not_found)?;
            if found.any(|i| i.manifest.digest != first.manifest.digest) {
                return Err(StoreError::Ambiguous(name.to_string()));
            }
            return Ok(first);
        }
        Err(not_found())
    }
}

/// References are normalised by the CLI; the store only refuses what could corrupt its index
/// or be mistaken for a digest.
pub fn check_reference(r: &str) -> Result<()> {
    if r.is_empty() || r.len() > 512 {
        return Err(StoreError::BadReference(r.to_string(), "must be 1 to 512 characters"));
    }
    if r.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(StoreError::BadReference(r.to_string(), "contains whitespace or control characters"));
    }
    if Digest::parse(r).is_ok() || r.contains('@') {
        return Err(StoreError::BadReference(r.to_string(), "a tag cannot be a digest"));
    }
    Ok(())
}

/// Removal markers: `removing/<manifest hex>`, empty files. Rewriting the index needs free
/// space (a whole new copy, then a rename); a full disk cannot give it, and only removing
/// images would free some. So a removal first writes its marker (an empty file needs no data
/// block), which hides the image from every reader of the index and from gc's idea of what is
/// referenced; the index is rewritten without the image at once when there is room, or after
/// gc freed some. A crash in between leaves the marker, which keeps meaning the same.
pub(crate) const REMOVING: &str = "removing";

/// The disk (or the user's quota) is full.
fn is_full(e: &StoreError) -> bool {
    matches!(e, StoreError::Io(_, io) if matches!(io.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT)))
}

impl Store {
    /// The image records and references, without those being removed.
    pub fn index(&self) -> Result<Index> {
        let mut index = self.index_as_written()?;
        let removing = self.pending_removals()?;
        if !removing.is_empty() {
            index.images.retain(|_, r| !removing.contains(&r.manifest.digest.hex()));
            index.refs.retain(|_, d| !removing.contains(&d.hex()));
        }
        Ok(index)
    }

    fn index_as_written(&self) -> Result<Index> {
        let p = self.root.join("index.json");
        match std::fs::read(&p) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::CorruptIndex(p, e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index { version: 1, ..Default::default() }),
            Err(e) => Err(StoreError::Io(p, e)),
        }
    }

    /// Manifest digests (hex) of the images whose removal is recorded by a marker only.
    pub(crate) fn pending_removals(&self) -> Result<Vec<String>> {
        let dir = self.root.join(REMOVING);
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::Io(dir, e)),
        };
        let mut out = Vec::new();
        for e in rd {
            let e = e.map_err(io_err(&dir))?;
            if let Some(name) = e.file_name().to_str().filter(|n| Digest::from_hex(n).is_some()) {
                out.push(name.to_string());
            }
        }
        Ok(out)
    }

    /// Read-modify-write of the index under its lock; `f` may refuse by returning an error,
    /// in which case nothing changes. Pending removals are made final by the write.
    pub fn update_index<T>(&self, f: impl FnOnce(&mut Index) -> Result<T>) -> Result<T> {
        let _lock = self.lock("index.lock", FlockArg::LockExclusive)?;
        let removing = self.pending_removals()?;
        let mut index = self.index()?;
        let out = f(&mut index)?;
        self.write_index(&mut index)?;
        self.clear_markers(&removing)?;
        Ok(out)
    }

    fn write_index(&self, index: &mut Index) -> Result<()> {
        index.version = 1;
        let mut tmp = self.temp_file()?;
        let bytes = serde_json::to_vec_pretty(&*index).map_err(|e| StoreError::CorruptIndex(tmp.path.clone(), e.to_string()))?;
        let file = tmp.file.take().unwrap();
        // Blobs and layers were renamed into these directories with their content already on
        // disk; one fsync of each makes every new name durable before the index names it (one
        // per directory per index write, instead of one per blob and per layer). They run beside
        // the new index's own fsync: concurrent fsyncs share the journal's commit.
        let written = std::thread::scope(|s| {
            let dirs: Vec<_> = ["blobs/sha256", "layers"]
                .map(|d| {
                    let p = self.root.join(d);
                    s.spawn(move || std::fs::File::open(&p).and_then(|d| d.sync_all()).map_err(io_err(&p)))
                })
                .into_iter()
                .collect();
            let own = (&file).write_all(&bytes).and_then(|_| file.sync_all()).map_err(io_err(&tmp.path));
            let dirs = dirs
                .into_iter()
                .try_for_each(|h| h.join().unwrap_or_else(|_| Err(StoreError::Io(self.root.clone(), std::io::Error::other("an fsync thread panicked")))));
            own.and(dirs)
        });
        drop(file);
        let dest = self.root.join("index.json");
        let r = written.and_then(|()| std::fs::rename(&tmp.path, &dest).map_err(io_err(&dest)));
        if let Err(e) = r {
            // The half-written copy must not stay to fill the disk further.
            return Err(match std::fs::remove_file(&tmp.path) {
                Ok(()) => e,
                Err(r) => StoreError::Io(tmp.path.clone(), std::io::Error::new(r.kind(), format!("{e}; and removing the unfinished copy: {r}"))),
            });
        }
        std::fs::File::open(&self.root).and_then(|d| d.sync_all()).map_err(io_err(&self.root))
    }

    fn clear_markers(&self, hexes: &[String]) -> Result<()> {
        let dir = self.root.join(REMOVING);
        for h in hexes {
            let p = dir.join(h);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::Io(p, e)),
            }
        }
        Ok(())
    }

    /// Removes the records (and references) of the images `pick` chooses, keyed by manifest
    /// digest. On a full disk the removal stands through its markers until an index can be
    /// written (see REMOVING).
    pub(crate) fn remove_records(&self, pick: impl FnOnce(&Index) -> Result<Vec<String>>) -> Result<Vec<ImageRecord>> {
        let _lock = self.lock("index.lock", FlockArg::LockExclusive)?;
        let before = self.pending_removals()?;
        let mut index = self.index()?;
        let keys = pick(&index)?;
        let records: Vec<ImageRecord> = keys.iter().filter_map(|k| index.images.remove(k)).collect();
        if records.is_empty() {
            return Ok(records);
        }
        index.refs.retain(|_, d| !records.iter().any(|r| &r.manifest.digest == d));
        let dir = self.root.join(REMOVING);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let mut marked = Vec::new();
        for r in &records {
            let p = dir.join(r.manifest.digest.hex());
            if let Err(e) = std::fs::File::create(&p) {
                let _ = self.clear_markers(&marked);
                return Err(StoreError::Io(p, e));
            }
            marked.push(r.manifest.digest.hex());
        }
        std::fs::File::open(&dir).and_then(|d| d.sync_all()).map_err(io_err(&dir))?;
        match self.write_index(&mut index) {
            Ok(()) => {
                marked.extend(before);
                self.clear_markers(&marked)?;
            }
            // Removed for every reader; gc frees the content, then writes the index.
            Err(e) if is_full(&e) => {}
            Err(e) => {
                self.clear_markers(&marked)?;
                return Err(e);
            }
        }
        Ok(records)
    }

    /// Makes pending removals final: the index is rewritten without them (after gc freed
    /// their content, so that there is room for it).
    pub(crate) fn finish_removals(&self) -> Result<usize> {
        let n = self.pending_removals()?.len();
        if n == 0 {
            return Ok(0);
        }
        self.update_index(|_| Ok(()))?;
        Ok(n)
    }

    /// Points `reference` at the image found by `name`.
    pub fn tag(&self, name: &str, reference: &str) -> Result<ImageRecord> {
        check_reference(reference)?;
        self.update_index(|idx| {
            let img = idx.lookup(name)?.clone();
            idx.refs.insert(reference.to_string(), img.manifest.digest.clone());
            Ok(img)
        })
    }

    /// Removes a reference; the image stays (possibly dangling) until removed or pruned.
    pub fn untag(&self, reference: &str) -> Result<Digest> {
        self.update_index(|idx| idx.refs.remove(reference).ok_or_else(|| StoreError::NoSuchImage(reference.to_string())))
    }
}
