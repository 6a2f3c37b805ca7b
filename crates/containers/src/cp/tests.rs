//! cp over temporary directories: docker's path rules, the refusals, and a container that
//! swaps a directory for a symlink to the host while copies run both ways.

use super::*;
use std::os::unix::fs::{symlink, MetadataExt};
use std::sync::atomic::{AtomicBool, Ordering};

struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Tmp {
        let d = std::env::temp_dir().join(format!("tsc-box-cp-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("root")).unwrap();
        std::fs::create_dir_all(d.join("host")).unwrap();
        Tmp(d)
    }
    fn root(&self) -> ContainerRoot {
        ContainerRoot::at(&self.0.join("root")).unwrap()
    }
    fn r(&self, p: &str) -> PathBuf {
        self.0.join("root").join(p)
    }
    fn h(&self, p: &str) -> String {
        self.0.join("host").join(p).to_string_lossy().into_owned()
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn out(t: &Tmp, src: &str, dest: &str) -> Result<(), CpError> {
    copy_out(&t.root(), "c", src, Sink::Host(dest), CpOptions::default())
}

fn inn(t: &Tmp, src: &str, dest: &str) -> Result<(), CpError> {
    copy_in(&t.root(), "c", Feed::Host(src), dest, CpOptions::default())
}

#[test]
fn arguments_choose_the_direction_as_docker_does() {
    assert_eq!(direction("c:/a", "b").unwrap(), Direction::Out { container: "c".into(), src: "/a".into(), dest: "b".into() });
    assert_eq!(direction("./x:y", "c:/d").unwrap(), Direction::In { src: "./x:y".into(), container: "c".into(), dest: "/d".into() });
    assert_eq!(direction("-", "c:d").unwrap(), Direction::In { src: "-".into(), container: "c".into(), dest: "d".into() });
    assert!(matches!(direction("a:/x", "b:/y"), Err(CpError::Usage(m)) if m.contains("between containers")));
    assert!(matches!(direction("/a", "b"), Err(CpError::Usage(m)) if m.contains("at least one container")));
}

#[test]
fn paths_keep_their_trailing_marks() {
    let p = CpPath::parse("/etc/./x/.");
    assert_eq!((p.path.as_path(), p.dir_only, p.contents), (Path::new("/etc/x"), true, true));
    let p = CpPath::parse("tmp/d/");
    assert_eq!((p.path.as_path(), p.dir_only, p.contents), (Path::new("tmp/d"), true, false));
    assert_eq!(CpPath::parse("/").base(), None);
}

#[test]
fn a_file_goes_to_a_new_name_into_a_directory_and_over_a_file() {
    let t = Tmp::new("file");
    std::fs::write(t.r("f"), "one").unwrap();
    out(&t, "/f", &t.h("new")).unwrap();
    assert_eq!(std::fs::read_to_string(t.h("new")).unwrap(), "one");
    std::fs::create_dir(t.h("d")).unwrap();
    out(&t, "f", &t.h("d")).unwrap();
    assert_eq!(std::fs::read_to_string(t.h("d/f")).unwrap(), "one");
    std::fs::write(t.r("f"), "two").unwrap();
    out(&t, "/f", &t.h("new")).unwrap();
    assert_eq!(std::fs::read_to_string(t.h("new")).unwrap(), "two");
    // A missing directory named with a trailing slash: an error, and nothing made.
    assert!(matches!(out(&t, "/f", &t.h("nodir/")), Err(CpError::Invalid(_))));
    assert!(!Path::new(&t.h("nodir")).exists());
    assert!(matches!(out(&t, "/f", &t.h("no/such/x")), Err(CpError::NotOnHost(_))));
    assert!(!Path::new(&t.h("no")).exists());
}

#[test]
fn a_directory_goes_to_a_new_name_inside_a_directory_or_its_content_with_slash_dot() {
    let t = Tmp::new("dir");
    std::fs::create_dir_all(t.r("d/sub")).unwrap();
    std::fs::write(t.r("d/sub/a"), "a").unwrap();
    symlink("/etc/passwd", t.r("d/link")).unwrap();
    out(&t, "/d", &t.h("n")).unwrap();
    assert_eq!(std::fs::read_to_string(t.h("n/sub/a")).unwrap(), "a");
    assert_eq!(std::fs::read_link(t.h("n/link")).unwrap(), Path::new("/etc/passwd"));
    out(&t, "/d", &t.h("n")).unwrap();
    assert!(Path::new(&t.h("n/d/sub/a")).exists());
    out(&t, "/d/.", &t.h("n")).unwrap();
    assert!(Path::new(&t.h("n/sub/a")).exists());
    std::fs::write(t.h("file"), "").unwrap();
    assert!(matches!(out(&t, "/d", &t.h("file")), Err(CpError::Invalid(m)) if m.contains("directory onto the file")));
    assert!(matches!(out(&t, "/nope", &t.h("x")), Err(CpError::NotInContainer { path, .. }) if path == "/nope"));
    assert!(matches!(out(&t, "/d/sub/a/.", &t.h("x")), Err(CpError::Invalid(_))));
}

#[test]
fn copies_in_land_inside_the_root_whatever_the_symlinks_say() {
    let t = Tmp::new("in");
    std::fs::write(t.h("f"), "x").unwrap();
    std::fs::create_dir(t.r("tmp")).unwrap();
    // An absolute link and a `..` one both lead to the container's own root.
    symlink("/", t.r("tmp/abs")).unwrap();
    symlink("../../../../..", t.r("tmp/up")).unwrap();
    inn(&t, &t.h("f"), "/tmp/abs/a").unwrap();
    inn(&t, &t.h("f"), "/tmp/up/b").unwrap();
    assert!(t.r("a").is_file() && t.r("b").is_file());
    // The destination's directory must exist; nothing is made when it does not.
    assert!(matches!(inn(&t, &t.h("f"), "/no/such/f"), Err(CpError::NotInContainer { .. })));
    assert!(!t.r("no").exists());
    // Onto a symlink that points out of the root: it resolves inside, to a missing place.
    symlink(t.h(""), t.r("host")).unwrap();
    let _ = inn(&t, &t.h("f"), "/host/written");
    assert!(!Path::new(&t.h("written")).exists());
}

#[test]
fn copies_out_never_read_through_a_containers_symlink() {
    let t = Tmp::new("outlink");
    std::fs::write(t.h("secret"), "host secret").unwrap();
    symlink(t.h("secret"), t.r("s")).unwrap();
    // -L follows it inside the root, where it leads nowhere.
    let o = CpOptions { follow_link: true, ..Default::default() };
    assert!(matches!(copy_out(&t.root(), "c", "/s", Sink::Host(&t.h("got")), o), Err(CpError::NotInContainer { .. })));
    // Without -L the link itself is copied.
    out(&t, "/s", &t.h("got")).unwrap();
    assert!(std::fs::symlink_metadata(t.h("got")).unwrap().file_type().is_symlink());
}

/// A tar on stdin lands in the directory named (the unpacker's own refusals are tested in
/// tsc_box_image::unpack's tests).
#[test]
fn a_tar_stream_lands_in_the_directory_and_must_have_one() {
    let t = Tmp::new("tar");
    std::fs::create_dir_all(t.r("src/sub")).unwrap();
    std::fs::write(t.r("src/sub/f"), "fine").unwrap();
    std::fs::create_dir(t.r("dest")).unwrap();
    let mut tar = Vec::new();
    copy_out(&t.root(), "c", "/src/.", Sink::Stream(&mut tar), CpOptions::default()).unwrap();
    copy_in(&t.root(), "c", Feed::Stream(&mut &tar[..]), "/dest", CpOptions::default()).unwrap();
    assert_eq!(std::fs::read_to_string(t.r("dest/sub/f")).unwrap(), "fine");
    let r = copy_in(&t.root(), "c", Feed::Stream(&mut &tar[..]), "/src/sub/f", CpOptions::default());
    assert!(matches!(r, Err(CpError::Invalid(m)) if m.contains("must be a directory")));
    let r = copy_in(&t.root(), "c", Feed::Stream(&mut &tar[..]), "/nope", CpOptions::default());
    assert!(matches!(r, Err(CpError::NotInContainer { .. })));
}

#[test]
fn owners_follow_the_containers_map_and_archive_mode() {
    let m = IdMap::parse("0 100000 65536\n");
    assert_eq!((m.to_host(0), m.to_host(1000), m.to_host(70000)), (100000, 101000, 65534));
    assert_eq!((m.to_container(101000), m.to_container(5)), (1000, 65534));
    assert!(IdMap::parse("         0          0 4294967295\n").is_identity());
    if !nix::unistd::geteuid().is_root() {
        return;
    }
    let t = Tmp::new("owner");
    std::fs::write(t.h("f"), "x").unwrap();
    std::os::unix::fs::chown(t.h("f"), Some(1234), Some(4321)).unwrap();
    std::fs::create_dir(t.r("d")).unwrap();
    let mut root = t.root();
    root.uids = m.clone();
    root.gids = m;
    copy_in(&root, "c", Feed::Host(&t.h("f")), "/d/plain", CpOptions::default()).unwrap();
    copy_in(&root, "c", Feed::Host(&t.h("f")), "/d/kept", CpOptions { archive: true, ..Default::default() }).unwrap();
    let plain = std::fs::metadata(t.r("d/plain")).unwrap();
    let kept = std::fs::metadata(t.r("d/kept")).unwrap();
    assert_eq!((plain.uid(), plain.gid()), (100000, 100000));
    assert_eq!((kept.uid(), kept.gid()), (101234, 104321));
}

/// docker's CVE-2018-15664: the container swaps a directory for a symlink to the host's
/// directory while cp runs. No copy may read or write the host's files.
#[test]
fn a_symlink_swapped_in_a_loop_never_leads_out() {
    let t = Tmp::new("race");
    let host_secret = t.0.join("outside");
    std::fs::create_dir_all(&host_secret).unwrap();
    std::fs::write(host_secret.join("secret"), "host").unwrap();
    std::fs::create_dir(t.r("real")).unwrap();
    std::fs::write(t.r("real/secret"), "container").unwrap();
    std::fs::write(t.h("payload"), "payload").unwrap();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let (w, tmp) = (t.r("w"), t.r("w.tmp"));
            while !stop.load(Ordering::Relaxed) {
                let _ = std::fs::remove_file(&tmp);
                let _ = symlink(&host_secret, &tmp);
                let _ = std::fs::rename(&tmp, &w);
                let _ = std::fs::remove_file(&w);
                // Only into a directory made just now: when the rename above failed (w was
                // a directory cp was filling), tmp is still the symlink to the host's
                // directory, and writing through it would be this racer's own escape.
                if std::fs::create_dir(&tmp).is_ok() {
                    let _ = std::fs::write(tmp.join("secret"), "container");
                    let _ = std::fs::rename(&tmp, &w);
                }
                let _ = std::fs::remove_dir_all(&w);
            }
        });
        for i in 0..300 {
            let got = t.h(&format!("got{i}"));
            let _ = out(&t, "/w/secret", &got);
            if let Ok(text) = std::fs::read_to_string(&got) {
                assert_eq!(text, "container");
            }
            let _ = out(&t, "/w", &t.h(&format!("dir{i}")));
            let _ = inn(&t, &t.h("payload"), &format!("/w/in{i}"));
            let _ = inn(&t, &t.h("payload"), "/w/secret");
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(std::fs::read_to_string(host_secret.join("secret")).unwrap(), "host");
    assert_eq!(std::fs::read_dir(&host_secret).unwrap().count(), 1);
    for e in std::fs::read_dir(t.h("")).unwrap().flatten() {
        for f in walkdir(&e.path()) {
            if f.is_file() {
                assert_ne!(std::fs::read_to_string(&f).unwrap_or_default(), "host", "{f:?}");
            }
        }
    }
}

fn walkdir(p: &Path) -> Vec<PathBuf> {
    let mut out = vec![p.to_path_buf()];
    if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
        for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
            out.extend(walkdir(&e.path()));
        }
    }
    out
}
