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

impl Store {
    pub fn index(&self) -> Result<Index> {
        let p = self.root.join("index.json");
        match std::fs::read(&p) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::CorruptIndex(p, e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index { version: 1, ..Default::default() }),
            Err(e) => Err(StoreError::Io(p, e)),
        }
    }

    /// Read-modify-write of the index under its lock; `f` may refuse by returning an error,
    /// in which case nothing changes.
    pub fn update_index<T>(&self, f: impl FnOnce(&mut Index) -> Result<T>) -> Result<T> {
        let _lock = self.lock("index.lock", FlockArg::LockExclusive)?;
        let mut index = self.index()?;
        let out = f(&mut index)?;
        index.version = 1;
        let mut tmp = self.temp_file()?;
        let bytes = serde_json::to_vec_pretty(&index).map_err(|e| StoreError::CorruptIndex(tmp.path.clone(), e.to_string()))?;
        let file = tmp.file.take().unwrap();
        (&file).write_all(&bytes).and_then(|_| file.sync_all()).map_err(io_err(&tmp.path))?;
        let dest = self.root.join("index.json");
        let r = std::fs::rename(&tmp.path, &dest).map_err(io_err(&dest));
        if r.is_err() {
            let _ = std::fs::remove_file(&tmp.path);
        }
        r?;
        std::fs::File::open(&self.root).and_then(|d| d.sync_all()).map_err(io_err(&self.root))?;
        Ok(out)
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
