//! Blob ingestion and verified reads. A blob is streamed to tmp/ while hashed, checked against
//! what was announced, fsynced, and only then renamed to blobs/sha256/<hex>.
use super::{io_err, Result, Store, StoreError};
use crate::digest::{Digest, HashingReader, HashingWriter};
use crate::manifest::{Blob, ManifestError, MAX_JSON};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// A temp file in tmp/ that is removed unless persisted.
pub(crate) struct TempFile {
    pub path: PathBuf,
    pub file: Option<File>,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Store {
    pub(crate) fn temp_file(&self) -> Result<TempFile> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let path = self.root.join("tmp").join(format!("{}-{}-{}", std::process::id(), TMP_SEQ.fetch_add(1, Ordering::Relaxed), nanos));
        let file = File::options().write(true).read(true).create_new(true).open(&path).map_err(io_err(&path))?;
        Ok(TempFile { path, file: Some(file) })
    }

    /// Whether the blob is present with the announced size (its digest was checked when it
    /// was written, and is checked again whenever it is read).
    pub fn has_blob(&self, d: &Digest, size: u64) -> bool {
        std::fs::metadata(self.blob_path(d)).map(|m| m.is_file() && m.len() == size).unwrap_or(false)
    }

    /// Streams `r` into the store. With `expect`, the content must have exactly that digest and
    /// size (reading stops as soon as it is too long). Returns the digest and size.
    pub fn ingest<R: Read>(&self, r: R, expect: Option<(&Digest, u64)>) -> Result<(Digest, u64)> {
        self.ingest_watched(r, expect, |_| {})
    }

    /// As `ingest`; `watch` gets the temp file before any byte is written, so that a reader
    /// can follow it while it is written (it is renamed when complete).
    pub fn ingest_watched<R: Read>(&self, r: R, expect: Option<(&Digest, u64)>, watch: impl FnOnce(&std::path::Path)) -> Result<(Digest, u64)> {
        let mut tmp = self.temp_file()?;
        watch(&tmp.path);
        let path = tmp.path.clone();
        let file = tmp.file.as_ref().unwrap();
        let mut w = HashingWriter::new(io::BufWriter::with_capacity(1 << 18, file));
        match expect {
            Some((d, size)) => {
                // One byte more than announced is enough to know it lies.
                let n = io::copy(&mut r.take(size + 1), &mut w).map_err(io_err(&path))?;
                if n > size {
                    return Err(StoreError::BlobTooLarge(d.clone(), size));
                }
            }
            None => {
                io::copy(&mut { r }, &mut w).map_err(io_err(&path))?;
            }
        }
        let (mut buf, digest, size) = w.finish();
        buf.flush().map_err(io_err(&path))?;
        drop(buf);
        if let Some((d, s)) = expect {
            if *d != digest || s != size {
                return Err(StoreError::BlobMismatch { expected: d.clone(), expected_size: s, actual: digest, actual_size: size });
            }
        }
        self.persist(&mut tmp, &digest)?;
        Ok((digest, size))
    }

    /// fsyncs the temp file and renames it to its content address.
    pub(crate) fn persist(&self, tmp: &mut TempFile, digest: &Digest) -> Result<()> {
        let file = tmp.file.as_ref().expect("temp file persisted twice");
        self.move_in(file, &tmp.path, digest)?;
        // Moved in: no longer the temp file's to remove (until then, Drop removes it, on a
        // failed fsync or rename, e.g. on a full disk, too).
        tmp.file = None;
        Ok(())
    }

    /// fsyncs `file` (open at `path`, on the store's filesystem) and renames it to the blob
    /// `digest`. The new name is made durable with every other one of blobs/sha256/ by one fsync
    /// of that directory before any index is written (`write_index`): until then a crash may
    /// lose the name, never leave it on short content.
    pub(crate) fn move_in(&self, file: &File, path: &std::path::Path, digest: &Digest) -> Result<()> {
        file.sync_all().map_err(io_err(path))?;
        let dest = self.blob_path(digest);
        std::fs::rename(path, &dest).map_err(io_err(&dest))?;
        Ok(())
    }

    pub fn put_bytes(&self, data: &[u8]) -> Result<(Digest, u64)> {
        let d = Digest::of(data);
        if self.has_blob(&d, data.len() as u64) {
            return Ok((d, data.len() as u64));
        }
        self.ingest(data, Some((&d, data.len() as u64)))
    }

    /// Reads a small blob (manifest, config) whole, verifying digest and size.
    pub fn read_blob(&self, b: &Blob) -> Result<Vec<u8>> {
        if b.size > MAX_JSON {
            return Err(ManifestError::TooLarge("a manifest or config", MAX_JSON).into());
        }
        let path = self.blob_path(&b.digest);
        let f = File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::MissingBlob(b.digest.clone()),
            _ => StoreError::Io(path.clone(), e),
        })?;
        let mut r = HashingReader::new(f.take(b.size + 1));
        let mut out = Vec::with_capacity(b.size as usize);
        r.read_to_end(&mut out).map_err(io_err(&path))?;
        let (digest, size) = r.finish();
        if digest != b.digest || size != b.size {
            return Err(StoreError::BlobMismatch { expected: b.digest.clone(), expected_size: b.size, actual: digest, actual_size: size });
        }
        Ok(out)
    }

    /// Copies a blob to `w`, verifying it on the way; an error at the end means what was
    /// written must be discarded.
    pub fn copy_blob<W: Write>(&self, b: &Blob, w: &mut W) -> Result<()> {
        let path = self.blob_path(&b.digest);
        let f = File::open(&path).map_err(|_| StoreError::MissingBlob(b.digest.clone()))?;
        let mut r = HashingReader::new(f.take(b.size + 1));
        io::copy(&mut r, w).map_err(io_err(&path))?;
        let (digest, size) = r.finish();
        if digest != b.digest || size != b.size {
            return Err(StoreError::BlobMismatch { expected: b.digest.clone(), expected_size: b.size, actual: digest, actual_size: size });
        }
        Ok(())
    }
}
