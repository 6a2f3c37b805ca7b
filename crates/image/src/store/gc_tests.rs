//! Garbage collection: at any depth, with the real bytes freed, reporting what it cannot
//! remove; temp files and partial downloads; removals recorded by markers (a full disk).
use super::*;
use crate::manifest::{Blob, CONFIG_OCI, LAYER_OCI_GZIP, MANIFEST_OCI};
use crate::tree::DIR_FLAGS;
use crate::unpack::tests::RawTar;
use nix::fcntl::openat;
use nix::sys::stat::{mkdirat, Mode};
use std::io::Write;

fn store() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("images")).unwrap();
    (tmp, store)
}

/// A one-layer image, imported; returns its manifest digest.
fn image(store: &Store, content: &[u8]) -> Digest {
    let tar = RawTar::new().dir("bin").file("bin/app", content).finish();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&tar).unwrap();
    let layer = e.finish().unwrap();
    let (ld, ls) = store.put_bytes(&layer).unwrap();
    let config = format!(r#"{{"architecture":"amd64","os":"linux","config":{{}},"rootfs":{{"type":"layers","diff_ids":["{}"]}}}}"#, Digest::of(&tar));
    let (cd, cs) = store.put_bytes(config.as_bytes()).unwrap();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{MANIFEST_OCI}","config":{{"mediaType":"{CONFIG_OCI}","digest":"{cd}","size":{cs}}},"layers":[{{"mediaType":"{LAYER_OCI_GZIP}","digest":"{ld}","size":{ls}}}]}}"#
    );
    let (md, ms) = store.put_bytes(manifest.as_bytes()).unwrap();
    store.import(&Blob { digest: md.clone(), size: ms, media_type: MANIFEST_OCI.into() }, &["localhost/t:1".into()]).unwrap();
    md
}

/// A chain of `depth` directories under `dir`, made level by level (past PATH_MAX), with a
/// file of `size` bytes at the bottom.
fn deep(dir: &Path, depth: usize, size: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut cur = nix::fcntl::open(dir, DIR_FLAGS, Mode::empty()).unwrap();
    for _ in 0..depth {
        mkdirat(&cur, "d", Mode::from_bits_truncate(0o755)).unwrap();
        cur = openat(&cur, "d", DIR_FLAGS, Mode::empty()).unwrap();
    }
    let f = openat(&cur, "f", nix::fcntl::OFlag::O_WRONLY | nix::fcntl::OFlag::O_CREAT, Mode::from_bits_truncate(0o644)).unwrap();
    nix::unistd::write(&f, &vec![1u8; size]).unwrap();
}

#[test]
fn a_layer_deeper_than_the_descriptor_limit_is_collected_with_its_bytes() {
    let (_tmp, store) = store();
    deep(&store.root().join("layers").join("a".repeat(64)), 4000, 12_345);
    let r = store.gc().unwrap();
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!((r.layers_removed, r.bytes_freed), (1, 12_345));
    assert_eq!(std::fs::read_dir(store.root().join("layers")).unwrap().count(), 0);
}

#[test]
fn temp_files_and_partial_downloads_are_collected_unless_a_writer_is_at_work() {
    let (_tmp, store) = store();
    std::fs::write(store.root().join("tmp/stdin-1-2.tar"), [0u8; 100]).unwrap();
    std::fs::create_dir_all(store.root().join("partial")).unwrap();
    std::fs::write(store.root().join("partial").join("b".repeat(64)), [0u8; 50]).unwrap();
    let writer = store.writer_guard().unwrap();
    let r = store.gc().unwrap();
    assert!(r.busy && store.root().join("tmp/stdin-1-2.tar").exists());
    drop(writer);
    let r = store.gc().unwrap();
    assert!(!r.busy && r.failures.is_empty(), "{r:?}");
    assert_eq!(r.bytes_freed, 150);
    assert_eq!(std::fs::read_dir(store.root().join("tmp")).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(store.root().join("partial")).unwrap().count(), 0);
}

#[test]
fn what_gc_cannot_remove_is_reported_and_the_rest_is_freed() {
    let (_tmp, store) = store();
    let stuck = store.root().join("layers").join("c".repeat(64));
    std::fs::create_dir_all(stuck.join("sub")).unwrap();
    std::fs::write(stuck.join("sub/f"), b"x").unwrap();
    // Unremovable: a directory that cannot be written, for root an immutable one.
    let root = nix::unistd::geteuid().is_root();
    let flags_before = if root { set_immutable(&stuck.join("sub"), true) } else { None };
    if root && flags_before.is_none() {
        eprintln!("skipped: this filesystem has no immutable flag");
        return;
    }
    if !root {
        std::fs::set_permissions(stuck.join("sub"), std::os::unix::fs::PermissionsExt::from_mode(0o500)).unwrap();
    }
    std::fs::write(store.root().join("blobs/sha256").join("d".repeat(64)), [0u8; 10]).unwrap();
    let r = store.gc();
    if root {
        set_immutable(&stuck.join("sub"), false);
    } else {
        std::fs::set_permissions(stuck.join("sub"), std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    }
    let r = r.unwrap();
    assert_eq!(r.failures.len(), 1, "{:?}", r.failures);
    assert!(r.failures[0].contains(&"c".repeat(64)) && r.failures[0].contains("sub/f"), "{}", r.failures[0]);
    assert_eq!((r.blobs_removed, r.bytes_freed), (1, 10));
    assert!(stuck.exists());
    assert!(store.gc().unwrap().failures.is_empty());
}

/// FS_IOC_SETFLAGS with FS_IMMUTABLE_FL on or off; None where the filesystem has no flags.
fn set_immutable(p: &Path, on: bool) -> Option<()> {
    use std::os::fd::AsRawFd;
    const FS_IMMUTABLE_FL: libc::c_long = 0x10;
    let f = std::fs::File::open(p).ok()?;
    let mut flags: libc::c_long = 0;
    // SAFETY: `f` is open for the call; FS_IOC_GETFLAGS writes one int through the pointer, and
    // `flags` (a c_long, zeroed) is at least that large and writable.
    if unsafe { libc::ioctl(f.as_raw_fd(), libc::FS_IOC_GETFLAGS as _, &mut flags) } != 0 {
        return None;
    }
    flags = if on { flags | FS_IMMUTABLE_FL } else { flags & !FS_IMMUTABLE_FL };
    // SAFETY: as above; FS_IOC_SETFLAGS only reads the int behind the pointer.
    (unsafe { libc::ioctl(f.as_raw_fd(), libc::FS_IOC_SETFLAGS as _, &flags) } == 0).then_some(())
}

#[test]
fn a_removal_marker_hides_the_image_and_gc_frees_its_content_then_drops_its_record() {
    let (_tmp, store) = store();
    let kept = image(&store, b"kept");
    let gone = image(&store, b"gone");
    // What a removal on a full disk leaves: the marker, the index still naming the image.
    std::fs::write(store.root().join(super::super::records::REMOVING).join(gone.hex()), b"").unwrap();
    let idx = store.index().unwrap();
    assert!(idx.images.contains_key(&kept.to_string()) && !idx.images.contains_key(&gone.to_string()));
    assert!(std::fs::read_to_string(store.root().join("index.json")).unwrap().contains(&gone.to_string()));
    let r = store.gc().unwrap();
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!((r.blobs_removed, r.layers_removed), (3, 1));
    assert!(!std::fs::read_to_string(store.root().join("index.json")).unwrap().contains(&gone.to_string()));
    assert_eq!(std::fs::read_dir(store.root().join(super::super::records::REMOVING)).unwrap().count(), 0);
    // A removal with room to write the index leaves no marker.
    store.remove_image(&kept).unwrap();
    assert_eq!(std::fs::read_dir(store.root().join(super::super::records::REMOVING)).unwrap().count(), 0);
    assert!(store.index().unwrap().images.is_empty());
}

#[test]
fn what_a_failed_writer_added_is_discarded_only_when_no_other_writer_is_at_work() {
    let (_tmp, store) = store();
    let old = store.root().join("layers").join("e".repeat(64));
    std::fs::create_dir_all(&old).unwrap();
    let before = store.layer_names().unwrap();
    let new = store.root().join("layers").join("f".repeat(64));
    deep(&new, 3000, 10);
    let (blob, _) = store.put_bytes(b"added").unwrap();
    let added: std::collections::HashSet<Digest> = [blob.clone()].into();
    let other = store.writer_guard().unwrap();
    assert!(!store.discard_unreferenced(&added, &before).unwrap());
    assert!(new.exists());
    drop(other);
    assert!(store.discard_unreferenced(&added, &before).unwrap());
    assert!(!new.exists() && old.exists() && !store.blob_path(&blob).exists());
}
