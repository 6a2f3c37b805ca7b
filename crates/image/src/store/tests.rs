use super::*;
use crate::manifest::{Blob, CONFIG_OCI, LAYER_OCI_GZIP, MANIFEST_OCI};
use crate::unpack::tests::RawTar;
use std::io::Write;

struct Fixture {
    _tmp: tempfile::TempDir,
    store: Store,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("images")).unwrap();
    Fixture { _tmp: tmp, store }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Writes a one-layer image's blobs; returns the manifest descriptor. `layer_type` lets a test
/// lie about the media type, `put_layer` leave the layer out.
fn image_blobs(store: &Store, layer_type: &str, put_layer: bool) -> Blob {
    let tar = RawTar::new().dir("bin").file("bin/app", b"#!/bin/sh\n").finish();
    let layer = gzip(&tar);
    let (ld, ls) = if put_layer { store.put_bytes(&layer).unwrap() } else { (Digest::of(&layer), layer.len() as u64) };
    let config =
        format!(r#"{{"architecture":"amd64","os":"linux","config":{{"Cmd":["/bin/app"]}},"rootfs":{{"type":"layers","diff_ids":["{}"]}}}}"#, Digest::of(&tar));
    let (cd, cs) = store.put_bytes(config.as_bytes()).unwrap();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{MANIFEST_OCI}","config":{{"mediaType":"{CONFIG_OCI}","digest":"{cd}","size":{cs}}},"layers":[{{"mediaType":"{layer_type}","digest":"{ld}","size":{ls}}}]}}"#
    );
    let (md, ms) = store.put_bytes(manifest.as_bytes()).unwrap();
    Blob { digest: md, size: ms, media_type: MANIFEST_OCI.to_string() }
}

#[test]
fn ingest_refuses_a_blob_whose_digest_or_size_lies_and_keeps_nothing() {
    let f = fixture();
    let data = b"hello world";
    let wrong = Digest::of(b"other");
    assert!(matches!(f.store.ingest(&data[..], Some((&wrong, 11))), Err(StoreError::BlobMismatch { .. })));
    let right = Digest::of(data);
    assert!(matches!(f.store.ingest(&data[..], Some((&right, 5))), Err(StoreError::BlobTooLarge(_, 5))));
    assert!(matches!(f.store.ingest(&data[..], Some((&right, 20))), Err(StoreError::BlobMismatch { .. })));
    assert!(!f.store.blob_path(&wrong).exists() && !f.store.blob_path(&right).exists());
    assert_eq!(std::fs::read_dir(f.store.root().join("tmp")).unwrap().count(), 0);
    f.store.ingest(&data[..], Some((&right, 11))).unwrap();
    assert_eq!(std::fs::read(f.store.blob_path(&right)).unwrap(), data);
}

#[test]
fn a_tampered_blob_is_detected_when_read() {
    let f = fixture();
    let (d, s) = f.store.put_bytes(b"{}").unwrap();
    std::fs::write(f.store.blob_path(&d), b"[]").unwrap();
    let b = Blob { digest: d, size: s, media_type: CONFIG_OCI.into() };
    assert!(matches!(f.store.read_blob(&b), Err(StoreError::BlobMismatch { .. })));
}

#[test]
fn import_unpacks_once_and_records_the_image() {
    let f = fixture();
    let m = image_blobs(&f.store, LAYER_OCI_GZIP, true);
    let rec = f.store.import(&m, &["example.com/app:1".into()]).unwrap();
    let layer = f.store.layer_path(&rec.layers[0].diff_id);
    assert_eq!(std::fs::read(layer.join("bin/app")).unwrap(), b"#!/bin/sh\n");
    let idx = f.store.index().unwrap();
    assert_eq!(idx.lookup("example.com/app:1").unwrap().manifest.digest, m.digest);
    assert_eq!(idx.lookup(&rec.id.hex()[..12]).unwrap().manifest.digest, m.digest);
    // A second import reuses the unpacked layer.
    let ino = std::fs::metadata(&layer).unwrap();
    f.store.import(&m, &["example.com/app:2".into()]).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&layer).unwrap().ino(), ino.ino());
}

#[test]
fn a_manifest_naming_a_missing_blob_makes_no_image() {
    let f = fixture();
    let m = image_blobs(&f.store, LAYER_OCI_GZIP, false);
    assert!(matches!(f.store.import(&m, &["x:1".into()]), Err(StoreError::MissingBlob(_))));
    let idx = f.store.index().unwrap();
    assert!(idx.images.is_empty() && idx.refs.is_empty());
}

#[test]
fn an_unknown_layer_media_type_makes_no_image() {
    let f = fixture();
    let m = image_blobs(&f.store, "application/vnd.example.evil", true);
    let err = f.store.import(&m, &["x:1".into()]).unwrap_err();
    assert!(err.to_string().contains("unknown media type"), "{err}");
    assert!(f.store.index().unwrap().images.is_empty());
    assert_eq!(std::fs::read_dir(f.store.root().join("layers")).unwrap().count(), 0);
}

#[test]
fn removing_and_collecting_frees_everything_unreferenced() {
    let f = fixture();
    let m = image_blobs(&f.store, LAYER_OCI_GZIP, true);
    let rec = f.store.import(&m, &["a:1".into()]).unwrap();
    let untouched = f.store.gc().unwrap();
    assert_eq!((untouched.blobs_removed, untouched.layers_removed), (0, 0));
    f.store.untag("a:1").unwrap();
    assert_eq!(f.store.remove_dangling(&[]).unwrap().len(), 1);
    let report = f.store.gc().unwrap();
    assert_eq!((report.blobs_removed, report.layers_removed), (3, 1));
    assert!(!f.store.layer_path(&rec.layers[0].diff_id).exists());
}

#[test]
fn tags_that_look_like_digests_are_refused() {
    let f = fixture();
    let m = image_blobs(&f.store, LAYER_OCI_GZIP, true);
    let d = Digest::of(b"x").to_string();
    assert!(matches!(f.store.import(&m, &[d]), Err(StoreError::BadReference(_, _))));
    assert!(matches!(f.store.import(&m, &["a b".into()]), Err(StoreError::BadReference(_, _))));
}

#[test]
fn bytes_put_in_are_verified_and_a_lie_leaves_nothing() {
    let f = fixture();
    let d = Digest::of(b"config bytes");
    assert_eq!(f.store.ingest(&b"config bytes"[..], Some((&d, 12))).unwrap(), (d.clone(), 12));
    assert!(f.store.has_blob(&d, 12));
    let wrong = Digest::of(b"expected");
    assert!(matches!(f.store.ingest(&b"tampered"[..], Some((&wrong, 8))), Err(StoreError::BlobMismatch { .. })));
    assert!(!f.store.blob_path(&wrong).exists());
    assert_eq!(std::fs::read_dir(f.store.root().join("tmp")).unwrap().count(), 0, "no temp file left");
}

#[test]
fn the_store_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture();
    assert_eq!(std::fs::metadata(f.store.root()).unwrap().permissions().mode() & 0o777, 0o700);
}

#[test]
fn a_layer_is_unpacked_while_its_download_is_still_being_written() {
    use std::io::Write;
    use std::sync::atomic::AtomicBool;
    let f = fixture();
    let tar = RawTar::new().dir("bin").file("bin/app", &vec![7u8; 200_000]).finish();
    let layer = gzip(&tar);
    let partial = f.store.root().join("partial-layer");
    std::fs::write(&partial, &layer[..1000]).unwrap();
    let abort = AtomicBool::new(false);
    let blob = Blob { digest: Digest::of(&layer), size: layer.len() as u64, media_type: LAYER_OCI_GZIP.into() };
    std::thread::scope(|s| {
        let p = partial.clone();
        let rest = layer[1000..].to_vec();
        s.spawn(move || {
            let mut w = std::fs::OpenOptions::new().append(true).open(p).unwrap();
            for chunk in rest.chunks(4096) {
                w.write_all(chunk).unwrap();
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        });
        f.store.unpack_download(&partial, &blob, &Digest::of(&tar), &abort).unwrap();
    });
    assert!(f.store.has_blob(&blob.digest, blob.size));
    assert_eq!(std::fs::read(f.store.layer_path(&Digest::of(&tar)).join("bin/app")).unwrap().len(), 200_000);
    assert!(!partial.exists());
}

#[test]
fn an_aborted_download_keeps_its_partial_file_and_makes_no_layer() {
    use std::sync::atomic::AtomicBool;
    let f = fixture();
    let tar = RawTar::new().file("f", &vec![1u8; 50_000]).finish();
    let layer = gzip(&tar);
    let partial = f.store.root().join("partial-layer");
    std::fs::write(&partial, &layer[..layer.len() / 2]).unwrap();
    let blob = Blob { digest: Digest::of(&layer), size: layer.len() as u64, media_type: LAYER_OCI_GZIP.into() };
    let err = f.store.unpack_download(&partial, &blob, &Digest::of(&tar), &AtomicBool::new(true)).unwrap_err();
    assert!(matches!(err, StoreError::Unpack(_, _)), "{err}");
    assert!(partial.exists());
    assert!(!f.store.layer_path(&Digest::of(&tar)).exists());
    assert_eq!(std::fs::read_dir(f.store.root().join("layers")).unwrap().count(), 0);
}

/// Writes an image whose layers each hold one file `f` of the given size; returns the
/// manifest descriptor and the layers' diff_ids.
fn layered_image(store: &Store, sizes: &[usize]) -> (Blob, Vec<Digest>) {
    let mut layers = Vec::new();
    let mut diff_ids = Vec::new();
    for (i, n) in sizes.iter().enumerate() {
        let tar = RawTar::new().file(&format!("f{i}"), &vec![i as u8; *n]).finish();
        let (d, s) = store.put_bytes(&gzip(&tar)).unwrap();
        layers.push(format!(r#"{{"mediaType":"{LAYER_OCI_GZIP}","digest":"{d}","size":{s}}}"#));
        diff_ids.push(Digest::of(&tar));
    }
    let ids: Vec<String> = diff_ids.iter().map(|d| format!("\"{d}\"")).collect();
    let config = format!(r#"{{"architecture":"amd64","os":"linux","config":{{}},"rootfs":{{"type":"layers","diff_ids":[{}]}}}}"#, ids.join(","));
    let (cd, cs) = store.put_bytes(config.as_bytes()).unwrap();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{MANIFEST_OCI}","config":{{"mediaType":"{CONFIG_OCI}","digest":"{cd}","size":{cs}}},"layers":[{}]}}"#,
        layers.join(",")
    );
    let (md, ms) = store.put_bytes(manifest.as_bytes()).unwrap();
    (Blob { digest: md, size: ms, media_type: MANIFEST_OCI.to_string() }, diff_ids)
}

#[test]
fn import_keeps_the_whole_image_within_its_limit_and_removes_the_layers_it_unpacked() {
    use crate::unpack::{ImageTally, LimitError, UnpackError};
    let f = fixture();
    let (m, ids) = layered_image(&f.store, &[600, 600]);
    let err = f.store.import_within(&m, &["x:1".into()], &ImageTally::new(1000)).unwrap_err();
    assert!(matches!(err, StoreError::Unpack(_, UnpackError::Limit(LimitError::ImageTooLarge(1000)))), "{err}");
    assert!(f.store.index().unwrap().images.is_empty());
    // The first layer fit and was unpacked by this import: it is gone again, as is any
    // temporary directory of the second.
    assert_eq!(std::fs::read_dir(f.store.root().join("layers")).unwrap().count(), 0);
    f.store.import_within(&m, &["x:1".into()], &ImageTally::new(1200)).unwrap();
    assert!(ids.iter().all(|d| f.store.layer_path(d).is_dir()));
}

#[test]
fn layers_already_unpacked_count_in_the_image_and_stay_when_it_is_refused() {
    use crate::unpack::{ImageTally, LimitError, UnpackError};
    let f = fixture();
    let (shared, shared_ids) = layered_image(&f.store, &[600]);
    f.store.import_within(&shared, &["base:1".into()], &ImageTally::new(1000)).unwrap();
    // The same first layer (same content, same diff_id) and one more of 600 bytes.
    let (m, ids) = layered_image(&f.store, &[600, 600]);
    assert_eq!(ids[0], shared_ids[0]);
    let err = f.store.import_within(&m, &["x:1".into()], &ImageTally::new(1000)).unwrap_err();
    assert!(matches!(err, StoreError::Unpack(_, UnpackError::Limit(LimitError::ImageTooLarge(1000)))), "{err}");
    assert!(f.store.layer_path(&shared_ids[0]).is_dir(), "another image's layer was removed");
    assert!(!f.store.layer_path(&ids[1]).exists());
}

#[test]
fn two_manifests_of_one_config_are_one_image_with_both_tags() {
    // What a docker archive and an OCI archive of the same image give: the same config and
    // layer content, the layer once gzipped and once not, so two manifest digests.
    let f = fixture();
    let gzipped = image_blobs(&f.store, LAYER_OCI_GZIP, true);
    let first = f.store.import(&gzipped, &["example.com/app:oci".into()]).unwrap();
    let m = crate::manifest::parse_manifest(&f.store.read_blob(&gzipped).unwrap()).unwrap();
    let tar = RawTar::new().dir("bin").file("bin/app", b"#!/bin/sh\n").finish();
    let (ld, ls) = f.store.put_bytes(&tar).unwrap();
    let (cd, cs) = (&m.config.digest, m.config.size);
    let plain = format!(
        r#"{{"schemaVersion":2,"mediaType":"{MANIFEST_OCI}","config":{{"mediaType":"{CONFIG_OCI}","digest":"{cd}","size":{cs}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{ld}","size":{ls}}}]}}"#
    );
    let (md, ms) = f.store.put_bytes(plain.as_bytes()).unwrap();
    assert_ne!(md, gzipped.digest);
    let second = f.store.import(&Blob { digest: md, size: ms, media_type: MANIFEST_OCI.into() }, &["example.com/app:docker".into()]).unwrap();
    assert_eq!(second, first);
    let idx = f.store.index().unwrap();
    assert_eq!(idx.images.len(), 1);
    assert_eq!(idx.refs_of(&gzipped.digest), vec!["example.com/app:docker".to_string(), "example.com/app:oci".to_string()]);
    assert_eq!(idx.lookup(&first.id.hex()[..12]).unwrap().manifest.digest, gzipped.digest);
}
