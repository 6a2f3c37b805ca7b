//! Decompression bombs: layers over a limit are refused before the disk or memory fills.
use super::tests::RawTar;
use super::*;
use std::io::Write;

fn apply_within<R: Read>(tar: R, limits: Limits) -> (tempfile::TempDir, Result<Report, UnpackError>) {
    let tmp = tempfile::tempdir().unwrap();
    let fd: OwnedFd = std::fs::File::open(tmp.path()).unwrap().into();
    let mut applier = Applier::new(&fd, Privilege::None).unwrap();
    let r = apply_members(&mut applier, tar, limits).map(|()| applier.report.clone());
    (tmp, r)
}

const ROOMY: Limits = Limits { max_bytes: 1 << 30, max_entries: 1000, max_file_bytes: 1 << 30 };

#[test]
fn a_file_over_the_single_file_limit_is_refused_before_it_is_written() {
    let tar = RawTar::new().file("small", &[1; 100]).file("big", &[0; 5000]).finish();
    let (tmp, r) = apply_within(&tar[..], Limits { max_file_bytes: 4096, ..ROOMY });
    assert!(matches!(r, Err(UnpackError::Limit(LimitError::FileTooLarge(ref p, 5000, 4096))) if p == "/big"), "{r:?}");
    assert!(!tmp.path().join("big").exists());
    let (_, r) = apply_within(&tar[..], ROOMY);
    assert_eq!(r.unwrap().entries, 2);
}

#[test]
fn the_sum_of_file_sizes_and_the_entry_count_are_capped() {
    let tar = RawTar::new().file("a", &[0; 3000]).file("b", &[0; 3000]).dir("c").finish();
    let (_, r) = apply_within(&tar[..], Limits { max_bytes: 5000, ..ROOMY });
    assert!(matches!(r, Err(UnpackError::Limit(LimitError::TooManyBytes(5000)))), "{r:?}");
    let (_, r) = apply_within(&tar[..], Limits { max_entries: 2, ..ROOMY });
    assert!(matches!(r, Err(UnpackError::Limit(LimitError::TooManyEntries(2)))), "{r:?}");
    let e = UnpackError::Limit(LimitError::TooManyEntries(2)).to_string();
    assert!(e.contains("TSC_BOX_LAYER_MAX_ENTRIES"), "{e}");
}

/// A PAX header or GNU long name that the tar reader would read whole into memory.
fn oversized_metadata(kind: tar::EntryType) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(2 << 20);
    h.set_path("././@LongLink").unwrap();
    h.set_cksum();
    b.append(&h, std::io::repeat(b'a').take(2 << 20)).unwrap();
    let mut f = tar::Header::new_gnu();
    f.set_entry_type(tar::EntryType::Regular);
    f.set_size(0);
    f.set_path("f").unwrap();
    f.set_cksum();
    b.append(&f, &[][..]).unwrap();
    b.into_inner().unwrap()
}

#[test]
fn oversized_tar_metadata_is_refused_not_read_into_memory() {
    for kind in [tar::EntryType::XHeader, tar::EntryType::GNULongName] {
        let (_, r) = apply_within(&oversized_metadata(kind)[..], ROOMY);
        assert!(matches!(r, Err(UnpackError::Limit(LimitError::MetadataTooLarge))), "{kind:?}: {r:?}");
    }
}

#[test]
fn a_gzip_bomb_is_refused_from_its_header_without_inflating_it() {
    // A member that claims 1 GiB of zeros; the limit stops at its header, so the stream need
    // not hold them (it would compress to about a MiB).
    let mut h = tar::Header::new_gnu();
    h.set_path("zeros").unwrap();
    h.set_size(1 << 30);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_cksum();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(h.as_bytes()).unwrap();
    gz.write_all(&[0; 1 << 16]).unwrap();
    let blob = gz.finish().unwrap();
    let (tmp, r) = apply_within(flate2::read::GzDecoder::new(&blob[..]), Limits { max_file_bytes: 64 << 20, ..ROOMY });
    assert!(matches!(r, Err(UnpackError::Limit(LimitError::FileTooLarge(_, 1073741824, 67108864)))), "{r:?}");
    assert!(!tmp.path().join("zeros").exists());
}

#[test]
fn a_refused_layer_stops_following_a_download_that_stalls() {
    // The first member is refused; the blob claims far more bytes than were written and no
    // more will come. The unpacking must end with the refusal, not wait for them.
    let tar = RawTar::new().file("../escape", b"x").finish();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("blob");
    std::fs::write(&path, &tar).unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let dir = tmp.path().to_path_buf();
    std::thread::spawn(move || {
        let stalled = std::sync::atomic::AtomicBool::new(false);
        let digest = Digest::of(b"the whole blob");
        let src = LayerSource { blob: &path, digest: &digest, size: 1 << 30, diff_id: &digest, follow: Some(&stalled) };
        let _ = done_tx.send(unpack_layer(&src, &dir.join("layer")).map(drop));
    });
    let r = done_rx.recv_timeout(std::time::Duration::from_secs(20)).expect("the unpacking waited for a stalled download");
    assert!(matches!(r, Err(UnpackError::BadPath(_, _))), "{r:?}");
}
