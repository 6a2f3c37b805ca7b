//! Writes a tree as a gzip layer blob, computing the diff_id (uncompressed) and the blob
//! digest (compressed) in the same pass, straight into the store's temp area.
use super::tree::{Node, Tree};
use super::FromHostError;
use crate::digest::{Digest, HashingWriter};
use crate::store::{Store, StoreError};
use std::io::{BufWriter, Write};

pub struct Written {
    pub digest: Digest,
    pub size: u64,
    pub diff_id: Digest,
    pub newest_mtime: u64,
}

fn header(kind: tar::EntryType, mode: u32, mtime: u64, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(mtime);
    h.set_size(size);
    h
}

pub fn write(store: &Store, tree: &Tree) -> Result<Written, FromHostError> {
    let mut tmp = store.temp_file()?;
    let path = tmp.path.clone();
    let io = |e: std::io::Error| FromHostError::Io(path.clone(), e);
    let file = tmp.file.as_ref().expect("fresh temp file");
    let compressed = HashingWriter::new(BufWriter::with_capacity(1 << 18, file));
    let gz = flate2::write::GzEncoder::new(compressed, flate2::Compression::new(6));
    let mut builder = tar::Builder::new(HashingWriter::new(gz));
    let mut newest = 0;
    for (p, node) in &tree.nodes {
        let name = p.strip_prefix("/").unwrap_or(p);
        match node {
            Node::Dir { mode, mtime } => {
                newest = newest.max(*mtime);
                let mut h = header(tar::EntryType::Directory, *mode, *mtime, 0);
                builder.append_data(&mut h, name, std::io::empty()).map_err(io)?;
            }
            Node::File { host, mode, mtime, size } => {
                newest = newest.max(*mtime);
                let f = std::fs::File::open(host).map_err(|e| FromHostError::Io(host.clone(), e))?;
                // Exactly the size we announced, even if the host file changes meanwhile.
                let len = f.metadata().map_err(|e| FromHostError::Io(host.clone(), e))?.len();
                if len != *size {
                    return Err(FromHostError::Io(host.clone(), std::io::Error::other("changed while the image was built")));
                }
                let mut h = header(tar::EntryType::Regular, *mode, *mtime, *size);
                builder.append_data(&mut h, name, std::io::Read::take(f, *size)).map_err(io)?;
            }
            Node::Symlink { target, mtime } => {
                let mut h = header(tar::EntryType::Symlink, 0o777, *mtime, 0);
                builder.append_link(&mut h, name, target).map_err(io)?;
            }
            Node::Data { bytes, mode } => {
                let mut h = header(tar::EntryType::Regular, *mode, 0, bytes.len() as u64);
                builder.append_data(&mut h, name, &bytes[..]).map_err(io)?;
            }
        }
    }
    let plain = builder.into_inner().map_err(io)?;
    let (gz, diff_id, _) = plain.finish();
    let compressed = gz.finish().map_err(io)?;
    let (mut buf, digest, size) = compressed.finish();
    buf.flush().map_err(io)?;
    drop(buf);
    if !store.has_blob(&digest, size) {
        store.persist(&mut tmp, &digest).map_err(|e: StoreError| FromHostError::Store(e))?;
    }
    Ok(Written { digest, size, diff_id, newest_mtime: newest })
}
