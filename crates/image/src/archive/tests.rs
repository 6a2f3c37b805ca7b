use super::*;
use crate::fromhost::{build, FromHost};
use crate::store::Store;
use crate::unpack::tests::RawTar;
use std::io::Write;

fn store(tmp: &tempfile::TempDir, name: &str) -> Store {
    Store::open(tmp.path().join(name)).unwrap()
}

fn env_image(s: &Store) -> crate::store::ImageRecord {
    build(s, &FromHost { binaries: vec!["/usr/bin/env".into()], add: vec![], refs: vec!["localhost/env:1".into()] }).unwrap()
}

#[test]
fn oci_and_docker_archives_round_trip_between_stores() {
    let tmp = tempfile::tempdir().unwrap();
    let a = store(&tmp, "a");
    let rec = env_image(&a);
    for (format, file) in [(Format::OciArchive, "x.oci.tar"), (Format::DockerArchive, "x.docker.tar")] {
        let out = tmp.path().join(file);
        save(&a, &[SaveImage { record: rec.clone(), names: vec!["localhost/env:1".into()] }], &out, format).unwrap();
        let b = store(&tmp, &format!("b-{file}"));
        let loaded = load(&b, &out).unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].names, vec!["localhost/env:1".to_string()]);
        // Same config and layers: the same image, whatever manifest carried it.
        assert_eq!(loaded[0].record.id, rec.id);
        assert_eq!(loaded[0].record.layers[0].diff_id, rec.layers[0].diff_id);
        assert!(b.layer_path(&rec.layers[0].diff_id).join("usr/bin/env").is_file());
        if format == Format::OciArchive {
            assert_eq!(loaded[0].record.manifest.digest, rec.manifest.digest);
        }
    }
}

fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut t = RawTar::new();
    for (name, data) in members {
        t = t.file(name, data);
    }
    t.finish()
}

fn write_file(tmp: &tempfile::TempDir, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = tmp.path().join(name);
    std::fs::File::create(&p).unwrap().write_all(data).unwrap();
    p
}

fn blobs_in(s: &Store) -> usize {
    std::fs::read_dir(s.root().join("blobs/sha256")).unwrap().count()
}

#[test]
fn a_blob_whose_content_does_not_match_its_name_is_refused_and_nothing_stays() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(&tmp, "s");
    let lie = format!("blobs/sha256/{}", Digest::of(b"something else").hex());
    let file = write_file(&tmp, "a.tar", &tar_of(&[("oci-layout", b"{}"), (&lie, b"payload"), ("index.json", b"{\"manifests\":[]}")]));
    assert!(matches!(load(&s, &file), Err(ArchiveError::BlobName { .. })));
    assert_eq!(blobs_in(&s), 0);
    assert!(s.index().unwrap().images.is_empty());
}

#[test]
fn an_index_naming_a_missing_manifest_makes_no_image() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(&tmp, "s");
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":10}}]}}"#,
        Digest::of(b"absent")
    );
    let file = write_file(&tmp, "a.tar", &tar_of(&[("index.json", index.as_bytes())]));
    assert!(matches!(load(&s, &file), Err(ArchiveError::MissingMember(_))));
    assert_eq!(blobs_in(&s), 0);
}

#[test]
fn member_paths_with_dot_dot_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(&tmp, "s");
    let file = write_file(&tmp, "a.tar", &tar_of(&[("../escape", b"x")]));
    assert!(matches!(load(&s, &file), Err(ArchiveError::BadPath(_, _))));
}

#[test]
fn a_truncated_archive_is_an_error_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let a = store(&tmp, "a");
    let rec = env_image(&a);
    let out = tmp.path().join("x.tar");
    save(&a, &[SaveImage { record: rec, names: vec![] }], &out, Format::OciArchive).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    let cut = write_file(&tmp, "cut.tar", &bytes[..bytes.len() / 2]);
    let b = store(&tmp, "b");
    let r = load(&b, &cut);
    assert!(r.is_err(), "{:?}", r.map(|l| l.len()));
    assert_eq!(blobs_in(&b), 0);
    assert!(b.index().unwrap().images.is_empty());
}

#[test]
fn something_else_is_an_unknown_format() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(&tmp, "s");
    let file = write_file(&tmp, "a.tar", &tar_of(&[("hello.txt", b"hi")]));
    assert!(matches!(load(&s, &file), Err(ArchiveError::UnknownFormat)));
    assert_eq!(blobs_in(&s), 0);
}

#[test]
fn a_bare_oci_ref_name_is_a_tag_not_an_image_name() {
    let tmp = tempfile::tempdir().unwrap();
    let a = store(&tmp, "a");
    let rec = env_image(&a);
    let out = tmp.path().join("x.tar");
    save(&a, &[SaveImage { record: rec, names: vec![] }], &out, Format::OciArchive).unwrap();
    // Rewrite index.json with ref.name "latest" only, as `skopeo copy ... oci-archive:F:latest` does.
    let dir = tmp.path().join("unpacked");
    std::fs::create_dir(&dir).unwrap();
    tar::Archive::new(std::fs::File::open(&out).unwrap()).unpack(&dir).unwrap();
    let index: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let mut m = index["manifests"][0].clone();
    m["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "latest"});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [m]})).unwrap()).unwrap();
    let retar = tmp.path().join("y.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&retar).unwrap());
    b.append_dir_all(".", &dir).unwrap();
    b.finish().unwrap();
    let loaded = load(&store(&tmp, "b"), &retar).unwrap();
    assert!(loaded[0].names.is_empty(), "{:?}", loaded[0].names);
}

#[test]
fn an_archives_names_become_references_recorded_with_the_image_and_bad_ones_are_set_aside() {
    let tmp = tempfile::tempdir().unwrap();
    let a = store(&tmp, "a");
    let rec = env_image(&a);
    let names = vec!["env:2".to_string(), "docker.io/library/env:2".into(), "Not Valid".into(), format!("env@{}", rec.manifest.digest)];
    let out = tmp.path().join("x.docker.tar");
    save(&a, &[SaveImage { record: rec.clone(), names }], &out, Format::DockerArchive).unwrap();
    let b = store(&tmp, "b");
    let loaded = load(&b, &out).unwrap();
    // Normalised once (two spellings, one reference); a digest names content, not a tag.
    assert_eq!(loaded[0].references, vec!["docker.io/library/env:2".to_string()]);
    assert_eq!(loaded[0].ignored, vec!["Not Valid".to_string()]);
    let idx = b.index().unwrap();
    assert_eq!(idx.refs_of(&loaded[0].record.manifest.digest), vec!["docker.io/library/env:2".to_string()]);
}
