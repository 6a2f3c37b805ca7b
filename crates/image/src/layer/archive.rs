//! A local tar archive (plain, gzip or zstd) unpacked into a directory with every check a
//! pulled layer gets (paths kept inside, links never followed, the size, entry, depth and
//! ratio limits): what `ADD archive.tar.gz /dest/` and `tsc-box import` read. The archive is
//! hashed first (its digest and its plain tar's) so that the store's verified unpacking can
//! take it as it takes a layer blob.
use crate::digest::{Digest, HashingReader};
use crate::unpack::{decoder, detect, unpack_layer, LayerSource, UnpackError};
use std::io::{BufReader, Read};
use std::path::Path;

/// Whether `file` starts like an archive this module unpacks (gzip, zstd, or a tar header).
pub fn is_archive(file: &Path) -> std::io::Result<bool> {
    let mut head = [0u8; 512];
    let mut f = std::fs::File::open(file)?;
    let mut n = 0;
    while n < head.len() {
        let k = f.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    let head = &head[..n];
    if !matches!(detect(head), crate::unpack::Compression::None) {
        return Ok(true);
    }
    Ok(n >= 262 && &head[257..262] == b"ustar")
}

/// Unpacks `archive` into `dest` (which must not exist).
pub fn unpack_archive(archive: &Path, dest: &Path) -> Result<(), UnpackError> {
    let io = |e| UnpackError::Io(archive.to_path_buf(), e);
    // One pass for both digests: the file's, and its plain tar's.
    let f = std::fs::File::open(archive).map_err(io)?;
    let mut raw = HashingReader::new(BufReader::new(f));
    // xz's magic is the longest: six bytes.
    let mut head = [0u8; 6];
    let mut got = 0;
    while got < head.len() {
        let k = raw.read(&mut head[got..]).map_err(io)?;
        if k == 0 {
            break;
        }
        got += k;
    }
    let compression = detect(&head[..got]);
    let chained = std::io::Cursor::new(head[..got].to_vec()).chain(&mut raw);
    let mut plain = HashingReader::new(decoder(compression, BufReader::new(chained)).map_err(io)?);
    std::io::copy(&mut plain, &mut std::io::sink()).map_err(io)?;
    let (diff_id, _): (Digest, u64) = plain.finish();
    let (digest, size) = raw.finish();
    let src = LayerSource { blob: archive, digest: &digest, size, diff_id: &diff_id, follow: None };
    unpack_layer(&src, dest).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn a_gzip_archive_unpacks_and_is_recognised() {
        let t = tempfile::tempdir().unwrap();
        let tar = tar_of(&[("a/b.txt", b"hello")]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        let file = t.path().join("x.tar.gz");
        std::fs::write(&file, gz.finish().unwrap()).unwrap();
        assert!(is_archive(&file).unwrap());
        unpack_archive(&file, &t.path().join("out")).unwrap();
        assert_eq!(std::fs::read_to_string(t.path().join("out/a/b.txt")).unwrap(), "hello");
        let plain = t.path().join("plain.txt");
        std::fs::write(&plain, "not an archive").unwrap();
        assert!(!is_archive(&plain).unwrap());
    }

    #[test]
    fn a_hostile_archive_is_refused_and_leaves_nothing() {
        let t = tempfile::tempdir().unwrap();
        // A member climbing out of the destination, written by hand (the tar crate refuses to).
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        h.as_old_mut().name[..12].copy_from_slice(b"../../escape");
        h.set_cksum();
        let mut data = h.as_bytes().to_vec();
        data.extend_from_slice(&[b'x'; 512]);
        data.extend_from_slice(&[0; 1024]);
        let file = t.path().join("evil.tar");
        std::fs::write(&file, &data).unwrap();
        let out = t.path().join("d/out");
        std::fs::create_dir(t.path().join("d")).unwrap();
        let err = unpack_archive(&file, &out).unwrap_err();
        assert!(err.to_string().contains("escape"), "{err}");
        assert!(!out.exists());
        assert!(!t.path().join("escape").exists());
    }
}
