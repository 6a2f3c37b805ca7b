//! Writing images as an OCI image-layout tarball (oci-archive) or a docker-archive tarball.
//! The tarball is written beside its destination and renamed into place only when complete;
//! every blob is verified against its digest while it is copied.
use super::ArchiveError;
use crate::digest::HashingReader;
use crate::manifest::Blob;
use crate::store::{ImageRecord, Store, StoreError};
use std::collections::BTreeSet;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OciArchive,
    DockerArchive,
}

pub struct SaveImage {
    pub record: ImageRecord,
    /// References to record in the archive (as the target tool expects them).
    pub names: Vec<String>,
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_size(size);
    h
}

fn put_bytes<W: Write>(b: &mut tar::Builder<W>, name: &str, data: &[u8], out: &Path) -> Result<(), ArchiveError> {
    b.append_data(&mut header(data.len() as u64), name, data).map_err(|e| ArchiveError::Io(out.to_path_buf(), e))
}

fn put_blob<W: Write>(store: &Store, b: &mut tar::Builder<W>, blob: &Blob, out: &Path) -> Result<(), ArchiveError> {
    let path = store.blob_path(&blob.digest);
    let f = std::fs::File::open(&path).map_err(|_| StoreError::MissingBlob(blob.digest.clone()))?;
    let mut r = HashingReader::new(f.take(blob.size));
    b.append_data(&mut header(blob.size), format!("blobs/sha256/{}", blob.digest.hex()), &mut r).map_err(|e| ArchiveError::Io(out.to_path_buf(), e))?;
    let (digest, size) = r.finish();
    if digest != blob.digest || size != blob.size {
        return Err(StoreError::BlobMismatch { expected: blob.digest.clone(), expected_size: blob.size, actual: digest, actual_size: size }.into());
    }
    Ok(())
}

pub fn save(store: &Store, images: &[SaveImage], out: &Path, format: Format) -> Result<(), ArchiveError> {
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.tmp-{}", out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), std::process::id()));
    let r = write(store, images, &tmp, format).and_then(|_| std::fs::rename(&tmp, out).map_err(|e| ArchiveError::Io(out.to_path_buf(), e)));
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

fn write(store: &Store, images: &[SaveImage], tmp: &Path, format: Format) -> Result<(), ArchiveError> {
    let f = std::fs::File::create(tmp).map_err(|e| ArchiveError::Io(tmp.to_path_buf(), e))?;
    let f = write_tar(store, images, BufWriter::with_capacity(1 << 18, f), tmp, format)?
        .into_inner()
        .map_err(|e| ArchiveError::Io(tmp.to_path_buf(), e.into_error()))?;
    f.sync_all().map_err(|e| ArchiveError::Io(tmp.to_path_buf(), e))
}

/// As `save`, streamed to `out` (docker's `save` without `-o`: a pipe); `label` names it in
/// errors. A failure leaves the reader a truncated tarball, as with docker.
pub fn save_to<W: Write>(store: &Store, images: &[SaveImage], out: W, label: &Path, format: Format) -> Result<(), ArchiveError> {
    write_tar(store, images, BufWriter::with_capacity(1 << 18, out), label, format).map(drop)
}

/// Writes the tarball to `w` and returns it flushed.
fn write_tar<W: Write>(store: &Store, images: &[SaveImage], w: W, tmp: &Path, format: Format) -> Result<W, ArchiveError> {
    let mut b = tar::Builder::new(w);
    let mut written = BTreeSet::new();
    for img in images {
        let r = &img.record;
        for blob in std::iter::once(&r.manifest).chain(std::iter::once(&r.config)).chain(r.layers.iter().map(|l| &l.blob)) {
            // docker-archive has no use for the manifest blob itself.
            if format == Format::DockerArchive && blob == &r.manifest {
                continue;
            }
            if written.insert(blob.digest.clone()) {
                put_blob(store, &mut b, blob, tmp)?;
            }
        }
    }
    match format {
        Format::OciArchive => {
            put_bytes(&mut b, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#, tmp)?;
            let mut manifests = Vec::new();
            for img in images {
                let r = &img.record;
                let desc = |name: Option<&String>| {
                    let mut d = serde_json::json!({"mediaType": r.manifest.media_type, "digest": r.manifest.digest.to_string(), "size": r.manifest.size});
                    if let Some(n) = name {
                        d["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": n, "io.containerd.image.name": n});
                    }
                    d
                };
                if img.names.is_empty() {
                    manifests.push(desc(None));
                }
                for n in &img.names {
                    manifests.push(desc(Some(n)));
                }
            }
            let index = serde_json::json!({"schemaVersion": 2, "mediaType": crate::manifest::INDEX_OCI, "manifests": manifests});
            put_bytes(&mut b, "index.json", &serde_json::to_vec(&index).expect("json"), tmp)?;
        }
        Format::DockerArchive => {
            let entries: Vec<_> = images
                .iter()
                .map(|img| {
                    serde_json::json!({
                        "Config": format!("blobs/sha256/{}", img.record.config.digest.hex()),
                        "RepoTags": img.names,
                        "Layers": img.record.layers.iter().map(|l| format!("blobs/sha256/{}", l.blob.digest.hex())).collect::<Vec<_>>(),
                    })
                })
                .collect();
            put_bytes(&mut b, "manifest.json", &serde_json::to_vec(&entries).expect("json"), tmp)?;
        }
    }
    let mut w = b.into_inner().map_err(|e| ArchiveError::Io(tmp.to_path_buf(), e))?;
    w.flush().map_err(|e| ArchiveError::Io(tmp.to_path_buf(), e))?;
    Ok(w)
}
