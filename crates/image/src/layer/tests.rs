use super::*;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};

/// Path, type, mtime and PAX records of one entry.
type Entry = (String, tar::EntryType, u64, Vec<(String, Vec<u8>)>);

fn entries(tar: &[u8]) -> Vec<Entry> {
    let mut a = tar::Archive::new(tar);
    let mut out = Vec::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().trim_end_matches('/').to_string();
        let kind = e.header().entry_type();
        let mtime = e.header().mtime().unwrap();
        let mut x = Vec::new();
        if let Some(p) = e.pax_extensions().unwrap() {
            for r in p {
                let r = r.unwrap();
                x.push((r.key().unwrap().to_string(), r.value_bytes().to_vec()));
            }
        }
        out.push((path, kind, mtime, x));
    }
    out
}

fn names(tar: &[u8]) -> Vec<String> {
    entries(tar).into_iter().map(|e| e.0).collect()
}

fn mknod_whiteout(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a NUL-terminated path alive for the call.
    assert_eq!(unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR, 0) }, 0, "mknod needs root");
}

fn set_xattr(p: &Path, name: &std::ffi::CStr, v: &[u8]) -> bool {
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: both strings are NUL-terminated and alive; lsetxattr reads v.len() bytes of v.
    unsafe { libc::lsetxattr(c.as_ptr(), name.as_ptr(), v.as_ptr().cast(), v.len(), 0) == 0 }
}

fn root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[test]
fn entries_are_in_path_order_with_parents_first() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("b/c")).unwrap();
    std::fs::write(t.path().join("b/c/z"), "z").unwrap();
    std::fs::write(t.path().join("b/a"), "a").unwrap();
    std::fs::write(t.path().join("a"), "a").unwrap();
    let (n, tar) = tar_of(t.path(), &LayerOptions::default()).unwrap();
    assert_eq!(names(&tar), ["a", "b", "b/a", "b/c", "b/c/z"]);
    assert_eq!(n, 5);
}

#[test]
fn a_symlink_is_kept_as_a_link_and_never_followed() {
    let t = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "secret").unwrap();
    symlink(outside.path(), t.path().join("escape")).unwrap();
    symlink("/etc/shadow", t.path().join("shadow")).unwrap();
    let (_, tar) = tar_of(t.path(), &LayerOptions::default()).unwrap();
    let e = entries(&tar);
    assert_eq!(e.len(), 2);
    assert!(e.iter().all(|x| x.1 == tar::EntryType::Symlink));
    assert!(!tar.windows(6).any(|w| w == b"secret"), "the target's content was read");
    let mut a = tar::Archive::new(&tar[..]);
    for x in a.entries().unwrap() {
        let x = x.unwrap();
        assert_eq!(x.header().size().unwrap(), 0);
    }
}

#[test]
fn deletions_become_whiteouts_and_opaque_directories_are_marked() {
    if !root() {
        eprintln!("skipped: whiteouts (0/0 devices) and trusted xattrs need root");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    mknod_whiteout(&t.path().join("gone"));
    std::fs::create_dir(t.path().join("etc")).unwrap();
    assert!(set_xattr(&t.path().join("etc"), c"trusted.overlay.opaque", b"y"));
    std::fs::write(t.path().join("etc/new"), "n").unwrap();
    let (_, tar) = tar_of(t.path(), &LayerOptions::default()).unwrap();
    // Source names in byte order ("etc" < "gone"); each mark where its entry was.
    assert_eq!(names(&tar), ["etc", "etc/.wh..wh..opq", "etc/new", ".wh.gone"]);
    // overlay's own attribute is not carried as an attribute.
    assert!(entries(&tar).iter().all(|e| e.3.is_empty()));
}

#[test]
fn a_redirected_directory_is_refused() {
    if !root() {
        eprintln!("skipped: trusted xattrs need root");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("moved")).unwrap();
    assert!(set_xattr(&t.path().join("moved"), c"trusted.overlay.redirect", b"/old"));
    assert!(matches!(tar_of(t.path(), &LayerOptions::default()), Err(LayerError::Redirect(_))));
}

#[test]
fn a_name_reserved_for_whiteouts_is_refused() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join(".wh.sneaky"), "").unwrap();
    assert!(matches!(tar_of(t.path(), &LayerOptions::default()), Err(LayerError::ReservedName(_))));
}

#[test]
fn hard_links_owners_modes_and_xattrs_are_kept() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("a"), "data").unwrap();
    std::fs::hard_link(t.path().join("a"), t.path().join("b")).unwrap();
    if root() {
        std::os::unix::fs::lchown(t.path().join("a"), Some(1234), Some(5678)).unwrap();
    }
    // After the chown, which clears set-id bits.
    std::fs::set_permissions(t.path().join("a"), std::fs::Permissions::from_mode(0o4750)).unwrap();
    let xattr = set_xattr(&t.path().join("a"), c"user.note", b"kept");
    let (_, tar) = tar_of(t.path(), &LayerOptions::default()).unwrap();
    let mut a = tar::Archive::new(&tar[..]);
    let mut seen = Vec::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let link = e.link_name().unwrap().map(|l| l.to_string_lossy().into_owned());
        let pax: Vec<(String, Vec<u8>)> = e
            .pax_extensions()
            .unwrap()
            .map(|p| p.map(|r| r.map(|r| (r.key().unwrap().to_string(), r.value_bytes().to_vec())).unwrap()).collect())
            .unwrap_or_default();
        seen.push((path, h.entry_type(), h.mode().unwrap(), h.uid().unwrap(), link, pax));
    }
    assert_eq!(seen[0].0, "a");
    assert_eq!(seen[0].1, tar::EntryType::Regular);
    assert_eq!(seen[0].2, 0o4750);
    if root() {
        assert_eq!(seen[0].3, 1234);
    }
    if xattr {
        assert_eq!(seen[0].5, vec![("SCHILY.xattr.user.note".to_string(), b"kept".to_vec())]);
    }
    assert_eq!(seen[1].0, "b");
    assert_eq!(seen[1].1, tar::EntryType::Link);
    assert_eq!(seen[1].4.as_deref(), Some("a"));
}

#[test]
fn times_are_clamped_to_the_epoch_and_the_same_tree_gives_the_same_digest() {
    let store_dir = tempfile::tempdir().unwrap();
    let store = Store::open(store_dir.path().join("images")).unwrap();
    let make = |content: &str| {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("app")).unwrap();
        std::fs::write(t.path().join("app/main"), content).unwrap();
        t
    };
    let a = make("x");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = make("x");
    let opts = LayerOptions { epoch: Some(1_000_000), ..Default::default() };
    let (_, tar) = tar_of(a.path(), &opts).unwrap();
    assert!(entries(&tar).iter().all(|e| e.2 == 1_000_000));
    let la = from_upper(&store, a.path(), &opts).unwrap();
    let lb = from_upper(&store, b.path(), &opts).unwrap();
    assert_eq!(la.digest, lb.digest);
    assert_eq!(la.diff_id, lb.diff_id);
    assert!(store.has_blob(&la.digest, la.size));
    // Without the epoch the later tree's times show.
    let na = from_upper(&store, a.path(), &LayerOptions::default()).unwrap();
    let nb = from_upper(&store, b.path(), &LayerOptions::default()).unwrap();
    assert_ne!(na.diff_id, nb.diff_id);
}

#[test]
fn an_empty_upper_is_an_empty_layer() {
    let t = tempfile::tempdir().unwrap();
    let (n, tar) = tar_of(t.path(), &LayerOptions::default()).unwrap();
    assert_eq!(n, 0);
    assert!(names(&tar).is_empty());
}

#[test]
fn the_entry_limit_applies_as_when_unpacking() {
    let t = tempfile::tempdir().unwrap();
    for i in 0..5 {
        std::fs::write(t.path().join(i.to_string()), "").unwrap();
    }
    let limits = Limits { max_entries: 3, ..Limits::default() };
    let r = write_tar(t.path(), &LayerOptions::default(), limits, Vec::new());
    assert!(matches!(r, Err(LayerError::Limit(_))), "{r:?}");
}

#[test]
fn a_layer_made_and_assembled_unpacks_to_the_same_tree() {
    let store_dir = tempfile::tempdir().unwrap();
    let store = Store::open(store_dir.path().join("images")).unwrap();
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("bin")).unwrap();
    std::fs::write(t.path().join("bin/hello"), "#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(t.path().join("bin/hello"), std::fs::Permissions::from_mode(0o755)).unwrap();
    symlink("hello", t.path().join("bin/hi")).unwrap();
    let l = from_upper(&store, t.path(), &LayerOptions::default()).unwrap();
    let layer = NewLayer {
        blob: crate::manifest::Blob { digest: l.digest.clone(), size: l.size, media_type: crate::manifest::LAYER_OCI_GZIP.into() },
        diff_id: l.diff_id.clone(),
    };
    let config = serde_json::json!({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/hello"]}});
    let rec = assemble(&store, &[layer], config, &["localhost/made:latest".to_string()]).unwrap();
    let dir = store.layer_path(&rec.layers[0].diff_id);
    assert_eq!(std::fs::read_to_string(dir.join("bin/hello")).unwrap(), "#!/bin/sh\necho hi\n");
    assert_eq!(std::fs::symlink_metadata(dir.join("bin/hello")).unwrap().mode() & 0o7777, 0o755);
    assert_eq!(std::fs::read_link(dir.join("bin/hi")).unwrap(), Path::new("hello"));
    assert_eq!(store.index().unwrap().lookup("localhost/made:latest").unwrap().id, rec.id);
}

#[test]
fn mount_stubs_are_left_out_when_empty() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("etc")).unwrap();
    std::fs::write(t.path().join("etc/hosts"), "").unwrap();
    std::fs::write(t.path().join("etc/hostname"), "written by the step\n").unwrap();
    std::fs::create_dir_all(t.path().join("cache")).unwrap();
    std::fs::create_dir_all(t.path().join("kept/x")).unwrap();
    let opts = LayerOptions { skip_empty: vec!["etc/hosts".into(), "etc/hostname".into(), "cache".into(), "kept".into()], ..Default::default() };
    let (_, tar) = tar_of(t.path(), &opts).unwrap();
    assert_eq!(names(&tar), ["etc", "etc/hostname", "kept", "kept/x"]);
}

#[test]
fn directories_made_only_to_hold_mount_stubs_are_left_out() {
    // A secret mounted at /run/secrets/id: the runtime made run/, run/secrets/ and the file.
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("run/secrets")).unwrap();
    std::fs::write(t.path().join("run/secrets/id"), "").unwrap();
    std::fs::create_dir_all(t.path().join("srv/mnt")).unwrap();
    std::fs::write(t.path().join("srv/written"), "by the step").unwrap();
    let stubs = ["run", "run/secrets", "run/secrets/id", "srv", "srv/mnt"];
    let opts = LayerOptions { skip_empty: stubs.iter().map(Into::into).collect(), ..Default::default() };
    let (_, tar) = tar_of(t.path(), &opts).unwrap();
    assert_eq!(names(&tar), ["srv", "srv/written"]);
}

#[test]
fn changes_list_entries_and_deletions_without_reading_files() {
    if !root() {
        eprintln!("skipped: whiteouts need root");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("etc")).unwrap();
    std::fs::write(t.path().join("etc/new"), "n").unwrap();
    mknod_whiteout(&t.path().join("etc/old"));
    let c = changes(t.path()).unwrap();
    let shown: Vec<(String, bool)> = c.iter().map(|c| (c.path.to_string_lossy().into_owned(), c.deleted)).collect();
    assert_eq!(shown, [("etc".to_string(), false), ("etc/new".to_string(), false), ("etc/old".to_string(), true)]);
}

#[test]
fn the_helper_line_of_a_made_layer_reads_back() {
    let d = crate::Digest::parse(&format!("sha256:{}", "a".repeat(64))).unwrap();
    let m = MadeLayer { digest: d.clone(), size: 42, diff_id: d, entries: 7 };
    let back = MadeLayer::parse_line(&m.line()).unwrap();
    assert_eq!((back.size, back.entries, back.digest.to_string()), (42, 7, m.digest.to_string()));
    for bad in ["", "sha256:x 1 sha256:y 2", &format!("{} extra", m.line())] {
        assert!(MadeLayer::parse_line(bad).is_none(), "{bad}");
    }
}
