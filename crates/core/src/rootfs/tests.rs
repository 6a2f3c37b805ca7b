//! The rootfs setup through the recording `Sys`: which mounts, devices and pivot calls a
//! config produces, in which order and with which flags, without root and without mounting
//! anything. Mount points, symlinks and files are made for real in a temporary directory
//! (`<tmp>/rootfs` plays the rootfs, `<tmp>/src` the host's bind sources); the fake records
//! paths relative to `<tmp>`.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags};
use nix::sys::stat::{makedev, SFlag};
use oci_spec::runtime::Spec;

use super::*;
use crate::sys::fake::{Call, RecordingSys};

struct Tmp(PathBuf);

impl Tmp {
    fn new(name: &str) -> Tmp {
        let d = std::env::temp_dir().join(format!("tscbox-rootfs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("rootfs")).unwrap();
        std::fs::create_dir_all(d.join("src/data")).unwrap();
        std::fs::write(d.join("src/hostname"), b"box\n").unwrap();
        Tmp(std::fs::canonicalize(d).unwrap())
    }
    fn rootfs(&self) -> PathBuf {
        self.0.join("rootfs")
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mount(source: Option<&str>, target: &str, fstype: Option<&str>, flags: MsFlags, data: Option<&str>) -> Call {
    Call::Mount { source: source.map(str::to_string), target: target.into(), fstype: fstype.map(str::to_string), flags, data: data.map(str::to_string) }
}

/// What runc's `spec` writes, plus the kinds of bind mounts engines add.
fn typical(t: &Tmp) -> Spec {
    let src = t.0.join("src");
    serde_json::from_value(serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs"},
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/data", "type": "bind", "source": src.join("data"), "options": ["rbind", "ro", "nosuid", "rprivate"]},
            {"destination": "/etc/hostname", "type": "bind", "source": src.join("hostname"), "options": ["bind", "ro"]},
            {"destination": "/vol", "source": src.join("data"), "options": ["rbind", "rro"]}
        ],
        "linux": {"rootfsPropagation": "rslave"}
    }))
    .unwrap()
}

fn plan<'a>(rootfs: &'a Path, spec: &'a Spec, user_ns: bool) -> Plan<'a> {
    Plan { rootfs, spec, user_ns, bind_trees: &[], rootfs_tree: None, rootfs_dir: None, layers: None }
}

fn locked(p: &Path) -> MsFlags {
    let fd = nix::fcntl::open(p, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty()).unwrap();
    mounts::locked_flags(fd.as_fd())
}

#[test]
fn a_typical_config_mounts_in_order_with_its_flags() {
    let t = Tmp::new("typical");
    let spec = typical(&t);
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    prepare(&sys, &plan(&rootfs, &spec, false)).unwrap();
    let src_locked = locked(&t.0.join("src/data"));
    let file_locked = locked(&t.0.join("src/hostname"));
    let m = sys.mounts();
    let want = vec![
        // rslave asked for: the whole tree turns slave before the first mount, not private.
        mount(None, "/", None, MsFlags::MS_SLAVE | MsFlags::MS_REC, None),
        mount(Some("/rootfs"), "/rootfs", None, MsFlags::MS_BIND | MsFlags::MS_REC, None),
        mount(Some("proc"), "/rootfs/proc", Some("proc"), MsFlags::empty(), None),
        mount(Some("tmpfs"), "/rootfs/dev", Some("tmpfs"), MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME, Some("mode=755,size=65536k")),
        mount(Some("devpts"), "/rootfs/dev/pts", Some("devpts"), MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC, Some("newinstance,ptmxmode=0666,mode=0620,gid=5")),
        mount(Some("mqueue"), "/rootfs/dev/mqueue", Some("mqueue"), MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV, None),
        mount(Some("sysfs"), "/rootfs/sys", Some("sysfs"), MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV | MsFlags::MS_RDONLY, None),
        // A bind takes ro and nosuid only through a remount that keeps the source's locked
        // flags, then its propagation change.
        mount(Some("/src/data"), "/rootfs/data", None, MsFlags::MS_BIND | MsFlags::MS_REC, None),
        mount(
            None,
            "/rootfs/data",
            None,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_REC | src_locked,
            None,
        ),
        mount(None, "/rootfs/data", None, MsFlags::MS_PRIVATE | MsFlags::MS_REC, None),
        // A file source gets a file as its mount point, and a plain bind is not recursive.
        mount(Some("/src/hostname"), "/rootfs/etc/hostname", None, MsFlags::MS_BIND, None),
        mount(None, "/rootfs/etc/hostname", None, MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | file_locked, None),
        mount(Some("/src/data"), "/rootfs/vol", None, MsFlags::MS_BIND | MsFlags::MS_REC, None),
        // The pivot's own: the old root, stacked on ".", made slave before it is detached.
        mount(None, ".", None, MsFlags::MS_SLAVE | MsFlags::MS_REC, None),
    ];
    assert_eq!(m, want);
    assert!(t.rootfs().join("etc/hostname").is_file() && t.rootfs().join("data").is_dir());
    let calls = sys.calls();
    // `rro` is mount_setattr over the whole tree, right after its bind.
    let vol = calls.iter().position(|c| *c == mount(Some("/src/data"), "/rootfs/vol", None, MsFlags::MS_BIND | MsFlags::MS_REC, None)).unwrap();
    assert_eq!(calls[vol + 1], Call::SetAttr { dir: "/rootfs/vol".into(), set: crate::sys::MOUNT_ATTR_RDONLY, clr: 0 });
    // /dev was a tmpfs of ours: the standard nodes are made in it, after every mount...
    let nodes: Vec<_> = calls.iter().filter_map(|c| if let Call::Mknod { path, .. } = c { Some(path.as_str()) } else { None }).collect();
    assert_eq!(nodes, ["/rootfs/dev/null", "/rootfs/dev/zero", "/rootfs/dev/full", "/rootfs/dev/random", "/rootfs/dev/urandom", "/rootfs/dev/tty"]);
    assert!(calls.iter().position(|c| matches!(c, Call::Mknod { .. })).unwrap() > vol);
    // ...then pivot_root(".", ".") from the rootfs, the old root detached, back to "/".
    let tail = &calls[calls.len() - 5..];
    assert_eq!(tail[0], Call::Fchdir { dir: "/rootfs".into() });
    assert_eq!(tail[1], Call::PivotRoot { new_root: ".".into(), put_old: ".".into() });
    assert_eq!(tail[3], Call::Umount { target: ".".into(), flags: MntFlags::MNT_DETACH });
    assert_eq!(tail[4], Call::Chdir { path: "/".into() });
    // Nothing of the kind a host-side fake cannot show went unrecorded.
    assert!(!calls.iter().any(|c| matches!(c, Call::Setns { .. } | Call::Unshare { .. } | Call::OpenTree { .. })));
}

#[test]
fn without_rootfs_propagation_the_tree_turns_private() {
    let t = Tmp::new("private");
    let spec: Spec = serde_json::from_value(serde_json::json!({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "mounts": []})).unwrap();
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    prepare(&sys, &plan(&rootfs, &spec, false)).unwrap();
    assert_eq!(sys.mounts()[0], mount(None, "/", None, MsFlags::MS_PRIVATE | MsFlags::MS_REC, None));
}

#[test]
fn standard_devices_and_links() {
    let t = Tmp::new("devices");
    let spec: Spec = serde_json::from_value(serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs"},
        "linux": {"devices": [
            {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o640, "uid": 0, "gid": 7},
            {"path": "/dev/loop0", "type": "b", "major": 7, "minor": 0},
            {"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600}
        ]}
    }))
    .unwrap();
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    prepare(&sys, &plan(&rootfs, &spec, false)).unwrap();
    let nodes: Vec<_> = sys.calls().into_iter().filter(|c| matches!(c, Call::Mknod { .. } | Call::Chown { .. })).collect();
    let chr = |p: &str, mode, ma, mi| Call::Mknod { path: p.into(), kind: SFlag::S_IFCHR, mode, dev: makedev(ma, mi) };
    assert_eq!(
        nodes,
        [
            chr("/rootfs/dev/null", 0o666, 1, 3),
            chr("/rootfs/dev/zero", 0o666, 1, 5),
            chr("/rootfs/dev/full", 0o666, 1, 7),
            chr("/rootfs/dev/random", 0o666, 1, 8),
            chr("/rootfs/dev/urandom", 0o666, 1, 9),
            chr("/rootfs/dev/tty", 0o666, 5, 0),
            // The config's devices come after the standard set, with their own modes and
            // owners; one that names a standard node replaces it.
            chr("/rootfs/dev/fuse", 0o640, 10, 229),
            Call::Chown { path: "/rootfs/dev/fuse".into(), uid: Some(0), gid: Some(7) },
            Call::Mknod { path: "/rootfs/dev/loop0".into(), kind: SFlag::S_IFBLK, mode: 0o666, dev: makedev(7, 0) },
            chr("/rootfs/dev/null", 0o600, 1, 3),
        ]
    );
    let link = |n: &str| std::fs::read_link(t.rootfs().join("dev").join(n)).unwrap();
    assert_eq!(link("fd"), Path::new("/proc/self/fd"));
    assert_eq!(link("stdin"), Path::new("/proc/self/fd/0"));
    assert_eq!(link("stdout"), Path::new("/proc/self/fd/1"));
    assert_eq!(link("stderr"), Path::new("/proc/self/fd/2"));
    // ptmx leads to the container's own devpts instance, never to the host's.
    assert_eq!(link("ptmx"), Path::new("pts/ptmx"));
}

#[test]
fn in_a_user_namespace_devices_are_bound_from_the_host() {
    let t = Tmp::new("userns");
    let spec: Spec = serde_json::from_value(serde_json::json!({"ociVersion": "1.0.2", "root": {"path": "rootfs"}})).unwrap();
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    prepare(&sys, &plan(&rootfs, &spec, true)).unwrap();
    assert!(!sys.calls().iter().any(|c| matches!(c, Call::Mknod { .. })), "mknod is not even tried in a user namespace");
    let binds: Vec<_> = sys.mounts().into_iter().filter(|c| matches!(c, Call::Mount { target, .. } if target.starts_with("/rootfs/dev/"))).collect();
    let names = ["null", "zero", "full", "random", "urandom", "tty"];
    assert_eq!(binds.len(), names.len());
    for (c, n) in binds.iter().zip(names) {
        let host = format!("/dev/{n}");
        assert_eq!(*c, mount(Some(&host), &format!("/rootfs{host}"), None, MsFlags::MS_BIND, None));
        // The mount point is an empty file with no access of its own.
        let md = std::fs::metadata(t.rootfs().join("dev").join(n)).unwrap();
        assert!(md.is_file() && md.len() == 0);
    }
}

#[test]
fn mknod_refused_falls_back_to_a_bind() {
    let t = Tmp::new("eperm");
    let spec: Spec = serde_json::from_value(serde_json::json!({"ociVersion": "1.0.2", "root": {"path": "rootfs"}})).unwrap();
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    sys.fail(|c| matches!(c, Call::Mknod { path, .. } if path == "/rootfs/dev/zero"), Errno::EPERM);
    prepare(&sys, &plan(&rootfs, &spec, false)).unwrap();
    let m = sys.mounts();
    assert!(m.contains(&mount(Some("/dev/zero"), "/rootfs/dev/zero", None, MsFlags::MS_BIND, None)));
    assert!(!m.iter().any(|c| matches!(c, Call::Mount { target, .. } if target == "/rootfs/dev/null")), "only the refused node is bound");
    // Any other mknod error is an error, not a bind.
    let t = Tmp::new("eio");
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    sys.fail(|c| matches!(c, Call::Mknod { .. }), Errno::EIO);
    let e = prepare(&sys, &plan(&rootfs, &spec, false)).unwrap_err();
    assert!(matches!(e, RootfsError::Path { what: "mknod", errno: Errno::EIO, .. }), "{e}");
    assert_eq!(e.kind(), Kind::Rootfs);
}

#[test]
fn a_bind_over_dev_leaves_dev_alone() {
    let t = Tmp::new("devbind");
    let spec: Spec = serde_json::from_value(serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs"},
        "mounts": [{"destination": "/dev", "type": "bind", "source": t.0.join("src/data"), "options": ["rbind"]}]
    }))
    .unwrap();
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    prepare(&sys, &plan(&rootfs, &spec, false)).unwrap();
    assert!(!sys.calls().iter().any(|c| matches!(c, Call::Mknod { .. })));
    assert!(!t.rootfs().join("dev/ptmx").exists());
}

#[test]
fn a_read_only_dev_tmpfs_is_filled_first_then_made_read_only() {
    // runc's suite "ro /dev mount": /dev/pts and the devices need a writable /dev.
    let t = Tmp::new("devro");
    let spec: Spec = serde_json::from_value(serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs"},
        "mounts": [
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "ro"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid"]}
        ]
    }))
    .unwrap();
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    prepare(&sys, &plan(&rootfs, &spec, false)).unwrap();
    // The console is bound in between (init.rs), then `finish` makes /dev read-only.
    finish_at(&sys, &spec, &rootfs).unwrap();
    let calls = sys.calls();
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME;
    let at = |c: &Call| calls.iter().position(|x| x == c).unwrap_or_else(|| panic!("{c:?} not in {calls:#?}"));
    let dev = at(&mount(Some("tmpfs"), "/rootfs/dev", Some("tmpfs"), flags, Some("mode=755")));
    let pts = at(&mount(Some("devpts"), "/rootfs/dev/pts", Some("devpts"), MsFlags::MS_NOSUID, None));
    let last_node = calls.iter().rposition(|c| matches!(c, Call::Mknod { .. })).unwrap();
    let ro = at(&mount(None, "/rootfs/dev", None, MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | flags | locked(&rootfs.join("dev")), None));
    let pivot = calls.iter().position(|c| matches!(c, Call::PivotRoot { .. })).unwrap();
    assert!(dev < pts && pts < last_node && last_node < pivot && pivot < ro, "{calls:#?}");
}

#[test]
fn sysfs_refused_falls_back_to_the_hosts() {
    let t = Tmp::new("sysfs");
    let spec: Spec = serde_json::from_value(serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs"},
        "mounts": [{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "ro"]}]
    }))
    .unwrap();
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    sys.fail(|c| matches!(c, Call::Mount { fstype: Some(f), .. } if f == "sysfs"), Errno::EPERM);
    prepare(&sys, &plan(&rootfs, &spec, false)).unwrap();
    let m = sys.mounts();
    let at = m.iter().position(|c| matches!(c, Call::Mount { fstype: Some(f), .. } if f == "sysfs")).unwrap();
    let sys_locked = locked(&t.rootfs().join("sys"));
    assert_eq!(m[at + 1], mount(Some("/sys"), "/rootfs/sys", None, MsFlags::MS_BIND | MsFlags::MS_REC, None));
    assert_eq!(
        m[at + 2],
        mount(None, "/rootfs/sys", None, MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_NOSUID | MsFlags::MS_RDONLY | MsFlags::MS_REC | sys_locked, None)
    );
}

#[test]
fn an_error_in_the_middle_stops_there_with_its_kind() {
    let t = Tmp::new("midway");
    let spec = typical(&t);
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    sys.fail(|c| matches!(c, Call::Mount { fstype: Some(f), .. } if f == "mqueue"), Errno::EPERM);
    let e = prepare(&sys, &plan(&rootfs, &spec, false)).unwrap_err();
    match &e {
        RootfsError::Mount { what, dest, errno } => assert_eq!((what.as_str(), dest.as_path(), *errno), ("mqueue", Path::new("/dev/mqueue"), Errno::EPERM)),
        e => panic!("unexpected {e}"),
    }
    assert_eq!(e.kind(), Kind::Mount);
    // Nothing after the failed mount was tried: no sysfs, no devices, no pivot.
    let last = sys.calls().pop().unwrap();
    assert!(matches!(&last, Call::Mount { fstype: Some(f), .. } if f == "mqueue"), "{last:?}");

    // A mount point that cannot be made (a file in the way) is a rootfs error...
    let t = Tmp::new("notdir");
    std::fs::write(t.rootfs().join("proc"), b"").unwrap();
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    let e = prepare(&sys, &plan(&rootfs, &spec, false)).unwrap_err();
    assert!(matches!(e, RootfsError::Path { what: "create mount point", errno: Errno::ENOTDIR, .. }), "{e}");
    assert_eq!(e.kind(), Kind::Rootfs);
    // ...and an option we cannot honour is the config's fault, refused before any mount.
    let bad: Spec = serde_json::from_value(serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs"},
        "mounts": [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]
    }))
    .unwrap();
    let sys = RecordingSys::new(&t.0);
    let e = prepare(&sys, &plan(&rootfs, &bad, false)).unwrap_err();
    assert_eq!(e.kind(), Kind::Config);
    assert!(!sys.mounts().iter().any(|c| matches!(c, Call::Mount { target, .. } if target == "/rootfs/tmp")));
}

#[test]
fn proc_is_not_mounted_through_a_symlink() {
    let t = Tmp::new("procsym");
    std::os::unix::fs::symlink("/etc", t.rootfs().join("proc")).unwrap();
    let spec: Spec = serde_json::from_value(serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs"},
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}]
    }))
    .unwrap();
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    let e = prepare(&sys, &plan(&rootfs, &spec, false)).unwrap_err();
    assert!(matches!(e, RootfsError::Path { errno: Errno::ELOOP, .. }), "{e}");
    assert!(!sys.mounts().iter().any(|c| matches!(c, Call::Mount { fstype: Some(f), .. } if f == "proc")));
}

#[test]
fn detached_bind_sources_are_moved_into_place() {
    let t = Tmp::new("detached");
    let spec = typical(&t);
    let sys = RecordingSys::new(&t.0);
    let trees = detach_bind_sources(&sys, &spec).unwrap();
    // One entry per mount: a tree for each bind, recursive as its rbind says.
    assert_eq!(trees.iter().map(Option::is_some).collect::<Vec<_>>(), [false, false, false, false, false, true, true, true]);
    assert_eq!(
        sys.calls(),
        [
            Call::OpenTree { path: "/src/data".into(), recursive: true },
            Call::OpenTree { path: "/src/hostname".into(), recursive: false },
            Call::OpenTree { path: "/src/data".into(), recursive: true },
        ]
    );
    let rootfs = t.rootfs();
    let sys = RecordingSys::new(&t.0);
    prepare(&sys, &Plan { bind_trees: &trees, ..plan(&rootfs, &spec, true) }).unwrap();
    let calls = sys.calls();
    let moves: Vec<_> = calls.iter().filter(|c| matches!(c, Call::MoveMount { .. })).collect();
    assert_eq!(moves.len(), 3);
    assert_eq!(*moves[0], Call::MoveMount { from: "/src/data".into(), to: "/rootfs/data".into() });
    // A moved tree is not bound again, but still gets its remount.
    assert!(!calls.iter().any(|c| matches!(c, Call::Mount { source: Some(s), .. } if s == "/src/data")));
    assert!(calls
        .iter()
        .any(|c| matches!(c, Call::Mount { target, flags, .. } if target == "/rootfs/data" && flags.contains(MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY))));
}

fn finish_spec(masked: &[PathBuf], readonly: &[PathBuf], ro_root: bool) -> Spec {
    serde_json::from_value(serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs", "readonly": ro_root},
        "linux": {"rootfsPropagation": "shared", "maskedPaths": masked, "readonlyPaths": readonly}
    }))
    .unwrap()
}

#[test]
fn masked_and_readonly_paths_then_the_readonly_root() {
    // The host's / plays the pivoted root here (mask_all insists on the real /dev/null): the
    // paths to mask are this test's own files, and nothing is mounted.
    let t = Tmp::new("finish");
    let (dir, file, ro) = (t.0.join("src/data"), t.0.join("src/hostname"), t.0.join("src/ro"));
    std::fs::create_dir(&ro).unwrap();
    let missing = t.0.join("src/missing");
    let spec = finish_spec(&[file.clone(), dir.clone(), missing.clone()], &[ro.clone(), missing], true);
    let sys = RecordingSys::new(Path::new("/"));
    finish_at(&sys, &spec, Path::new("/")).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let ro_locked = locked(&ro);
    let root_locked = locked(Path::new("/"));
    assert_eq!(
        sys.mounts(),
        [
            mount(None, "/", None, MsFlags::MS_SHARED, None),
            mount(Some(&s(&ro)), &s(&ro), None, MsFlags::MS_BIND | MsFlags::MS_REC, None),
            mount(None, &s(&ro), None, MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_REC | ro_locked, None),
            // A file is covered by /dev/null, a directory by an empty read-only tmpfs; a
            // missing path is skipped.
            mount(Some("/dev/null"), &s(&file), None, MsFlags::MS_BIND, None),
            mount(Some("tmpfs"), &s(&dir), Some("tmpfs"), MsFlags::MS_RDONLY, None),
            mount(None, "/", None, MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | root_locked, None),
        ]
    );
}

#[test]
fn masking_refuses_a_fake_null_device() {
    let t = Tmp::new("fakenull");
    std::fs::create_dir_all(t.rootfs().join("dev")).unwrap();
    std::fs::write(t.rootfs().join("dev/null"), b"secret").unwrap();
    std::fs::write(t.rootfs().join("kcore"), b"").unwrap();
    let spec = finish_spec(&[PathBuf::from("/kcore")], &[], false);
    let sys = RecordingSys::new(&t.0);
    let e = finish_at(&sys, &spec, &t.rootfs()).unwrap_err();
    assert!(matches!(e, RootfsError::NotNullDevice(_)), "{e}");
    assert_eq!(e.kind(), Kind::Rootfs);
    assert!(!sys.mounts().iter().any(|c| matches!(c, Call::Mount { target, .. } if target.ends_with("kcore"))));
}
