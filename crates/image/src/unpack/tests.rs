//! Hostile layers, built byte by byte (the tar crate's builder refuses to write most of them).
use super::*;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

pub(crate) struct RawTar(Vec<u8>);

impl RawTar {
    pub fn new() -> Self {
        RawTar(Vec::new())
    }

    pub fn entry(mut self, name: &str, kind: u8, data: &[u8], link: &str) -> Self {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let octal = |field: &mut [u8], v: u64| {
            let s = format!("{:0width$o}", v, width = field.len() - 1);
            field[..s.len()].copy_from_slice(s.as_bytes());
        };
        octal(&mut h[100..108], if kind == b'5' { 0o755 } else { 0o644 });
        octal(&mut h[108..116], 0);
        octal(&mut h[116..124], 0);
        octal(&mut h[124..136], if kind == b'0' { data.len() as u64 } else { 0 });
        octal(&mut h[136..148], 1_700_000_000);
        h[156] = kind;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| *b as u32).sum();
        let s = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(s.as_bytes());
        self.0.extend_from_slice(&h);
        if kind == b'0' {
            self.0.extend_from_slice(data);
            self.0.resize(self.0.len().div_ceil(512) * 512, 0);
        }
        self
    }
    pub fn file(self, name: &str, data: &[u8]) -> Self {
        self.entry(name, b'0', data, "")
    }
    pub fn dir(self, name: &str) -> Self {
        self.entry(name, b'5', b"", "")
    }
    pub fn symlink(self, name: &str, target: &str) -> Self {
        self.entry(name, b'2', b"", target)
    }
    pub fn hardlink(self, name: &str, target: &str) -> Self {
        self.entry(name, b'1', b"", target)
    }
    /// An entry whose name (any length) is in a PAX extended header before it.
    pub fn long(mut self, name: &str, kind: u8, data: &[u8]) -> Self {
        let body = format!(" path={name}\n");
        // The record's length counts its own digits.
        let mut len = body.len() + 1;
        while format!("{len}{body}").len() != len {
            len += 1;
        }
        let record = format!("{len}{body}");
        let start = self.0.len();
        self = self.entry("pax", b'0', record.as_bytes(), "");
        self.0[start + 156] = b'x';
        // The checksum covers the type byte.
        self.0[start + 148..start + 156].copy_from_slice(b"        ");
        let sum: u32 = self.0[start..start + 512].iter().map(|b| *b as u32).sum();
        self.0[start + 148..start + 156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        self.entry("placeholder", kind, data, "")
    }
    pub fn finish(mut self) -> Vec<u8> {
        self.0.extend_from_slice(&[0u8; 1024]);
        self.0
    }
}

/// A layer dir and, beside it, a directory that must never be touched.
struct Scene {
    _tmp: tempfile::TempDir,
    layer: PathBuf,
    outside: PathBuf,
}

impl Scene {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let layer = tmp.path().join("layer");
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&layer).unwrap();
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("victim"), b"original").unwrap();
        Scene { _tmp: tmp, layer, outside }
    }
    fn apply(&self, tar: &[u8], privileged: bool) -> Result<Report, UnpackError> {
        let fd: OwnedFd = std::fs::File::open(&self.layer).unwrap().into();
        apply_tar_as(tar, &fd, if privileged { Privilege::Host } else { Privilege::None })
    }
    fn assert_outside_untouched(&self) {
        let names: Vec<_> = std::fs::read_dir(&self.outside).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("victim")]);
        assert_eq!(std::fs::read(self.outside.join("victim")).unwrap(), b"original");
    }
}

fn root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[test]
fn dot_dot_entry_is_refused_and_nothing_outside_is_written() {
    let s = Scene::new();
    let tar = RawTar::new().file("../outside/victim", b"pwned").finish();
    assert!(matches!(s.apply(&tar, root()), Err(UnpackError::BadPath(_, _))));
    s.assert_outside_untouched();
}

#[test]
fn absolute_entry_is_clamped_into_the_layer() {
    let s = Scene::new();
    let abs = format!("{}/victim", s.outside.display());
    let tar = RawTar::new().file(&abs, b"inside").finish();
    s.apply(&tar, root()).unwrap();
    s.assert_outside_untouched();
    let clamped = s.layer.join(abs.trim_start_matches('/'));
    assert_eq!(std::fs::read(clamped).unwrap(), b"inside");
}

#[test]
fn file_through_a_symlink_is_refused() {
    let s = Scene::new();
    for target in [s.outside.to_str().unwrap(), "../outside"] {
        let tar = RawTar::new().symlink("evil", target).file("evil/victim", b"pwned").finish();
        assert!(matches!(s.apply(&tar, root()), Err(UnpackError::ThroughNonDirectory(_))), "{target}");
        s.assert_outside_untouched();
    }
}

#[test]
fn symlink_replacing_a_directory_does_not_redirect_later_entries() {
    let s = Scene::new();
    let tar = RawTar::new().dir("d").symlink("d", s.outside.to_str().unwrap()).file("d/new", b"pwned").finish();
    assert!(matches!(s.apply(&tar, root()), Err(UnpackError::ThroughNonDirectory(_))));
    s.assert_outside_untouched();
}

#[test]
fn hardlink_out_of_the_root_is_refused() {
    let s = Scene::new();
    let tar = RawTar::new().hardlink("h", "../outside/victim").finish();
    assert!(matches!(s.apply(&tar, root()), Err(UnpackError::BadPath(_, _))));
    // An absolute target names a member of the layer, not a host file.
    let abs = format!("{}/victim", s.outside.display());
    let tar = RawTar::new().hardlink("h", &abs).finish();
    assert!(matches!(s.apply(&tar, root()), Err(UnpackError::BadLink(_, _))));
    // Nor through a symlink planted in the layer.
    let tar = RawTar::new().symlink("out", s.outside.to_str().unwrap()).hardlink("h2", "out/victim").finish();
    assert!(matches!(s.apply(&tar, root()), Err(UnpackError::BadLink(_, _))));
    s.assert_outside_untouched();
    assert_eq!(std::fs::metadata(s.outside.join("victim")).unwrap().nlink(), 1);
}

#[test]
fn hardlink_to_a_symlink_links_the_symlink_itself() {
    let s = Scene::new();
    let abs = format!("{}/victim", s.outside.display());
    let tar = RawTar::new().symlink("sym", &abs).hardlink("h", "sym").finish();
    s.apply(&tar, root()).unwrap();
    let meta = std::fs::symlink_metadata(s.layer.join("h")).unwrap();
    assert!(meta.file_type().is_symlink());
    assert_eq!(meta.nlink(), 2);
    s.assert_outside_untouched();
    assert_eq!(std::fs::metadata(s.outside.join("victim")).unwrap().nlink(), 1);
}

#[test]
fn device_nodes_are_skipped_when_not_privileged() {
    let s = Scene::new();
    let tar = RawTar::new().entry("dev/sda", b'4', b"", "").entry("dev/null", b'3', b"", "").finish();
    let report = s.apply(&tar, false).unwrap();
    assert_eq!(report.skipped_devices, 2);
    assert!(!s.layer.join("dev/sda").exists());
}

#[test]
fn whiteouts_become_overlayfs_whiteouts() {
    let s = Scene::new();
    let tar = RawTar::new().dir("etc").file("etc/.wh.gone", b"").dir("var").file("var/.wh..wh..opq", b"").finish();
    let result = s.apply(&tar, root());
    if !root() {
        assert!(matches!(result, Err(UnpackError::Whiteout(_, _))));
        return;
    }
    result.unwrap();
    let meta = std::fs::symlink_metadata(s.layer.join("etc/gone")).unwrap();
    assert!(meta.file_type().is_char_device());
    assert_eq!(meta.rdev(), 0);
    assert!(!s.layer.join("etc/.wh.gone").exists());
    let mut buf = [0u8; 8];
    let path = std::ffi::CString::new(s.layer.join("var").to_str().unwrap()).unwrap();
    // SAFETY: both names are NUL-terminated and alive for the call; 8 is buf's length, the most
    // lgetxattr writes into it.
    let n = unsafe { libc::lgetxattr(path.as_ptr(), c"trusted.overlay.opaque".as_ptr(), buf.as_mut_ptr().cast(), 8) };
    assert_eq!(&buf[..n as usize], b"y");
    assert!(!s.layer.join("var/.wh..wh..opq").exists());
}

#[test]
fn whiteouts_of_dot_and_dot_dot_are_refused() {
    for bad in ["a/.wh..", "a/.wh...", "a/.wh."] {
        let s = Scene::new();
        let tar = RawTar::new().file(bad, b"").finish();
        assert!(matches!(s.apply(&tar, root()), Err(UnpackError::BadPath(_, _))), "{bad}");
        s.assert_outside_untouched();
    }
}

#[test]
fn truncated_tar_is_an_error() {
    let s = Scene::new();
    let tar = RawTar::new().file("big", &vec![1u8; 5000]).finish();
    let cut = &tar[..512 + 3000];
    assert!(matches!(s.apply(cut, root()), Err(UnpackError::Truncated(_))));
}

#[test]
fn trusted_xattrs_from_the_archive_are_dropped() {
    // PAX header carrying trusted.overlay.opaque: must not reach the filesystem.
    xattr_from_the_archive_is_dropped("44 SCHILY.xattr.trusted.overlay.opaque=y\n", c"trusted.overlay.opaque");
}

#[test]
fn user_overlay_xattrs_from_the_archive_are_dropped() {
    // A rootless overlay (userxattr) reads user.overlay.*: as forgeable as trusted.overlay.*.
    xattr_from_the_archive_is_dropped("41 SCHILY.xattr.user.overlay.opaque=y\n", c"user.overlay.opaque");
}

fn xattr_from_the_archive_is_dropped(record: &str, name: &std::ffi::CStr) {
    let rec = format!("{} {}", record.len(), &record[3..]);
    assert_eq!(rec.len(), record.len());
    let tar = RawTar::new().entry("d", b'x', b"", "");
    let mut bytes = tar.0;
    // Turn the 'x' header into one with data by patching its size and appending the record.
    let size = format!("{:011o}", rec.len());
    bytes[124..135].copy_from_slice(size.as_bytes());
    bytes[148..156].copy_from_slice(b"        ");
    let sum: u32 = bytes[..512].iter().map(|b| *b as u32).sum();
    bytes[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    bytes.extend_from_slice(rec.as_bytes());
    bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    let mut bytes = RawTar(bytes).dir("d").finish();
    bytes.truncate(bytes.len());
    let s = Scene::new();
    let report = s.apply(&bytes, root()).unwrap();
    assert_eq!(report.dropped_xattrs, 1);
    let path = std::ffi::CString::new(s.layer.join("d").to_str().unwrap()).unwrap();
    let mut buf = [0u8; 8];
    // SAFETY: `path` and `name` are NUL-terminated and alive for the call; 8 is buf's length, the
    // most lgetxattr writes into it.
    let n = unsafe { libc::lgetxattr(path.as_ptr(), name.as_ptr(), buf.as_mut_ptr().cast(), 8) };
    assert_eq!(n, -1);
}

fn layer_blob(tar: &[u8], compression: Compression) -> Vec<u8> {
    use std::io::Write;
    match compression {
        Compression::None => tar.to_vec(),
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(tar).unwrap();
            e.finish().unwrap()
        }
        Compression::Zstd => zstd::encode_all(tar, 3).unwrap(),
        Compression::Bzip2 => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(tar).unwrap();
            e.finish().unwrap()
        }
        Compression::Xz => {
            let mut e = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
            e.write_all(tar).unwrap();
            e.finish().unwrap()
        }
    }
}

#[test]
fn gzip_zstd_bzip2_xz_and_plain_layers_unpack_and_verify() {
    let tar = RawTar::new().dir("bin").file("bin/hello", b"hi\n").symlink("bin/sh", "hello").finish();
    for c in [Compression::None, Compression::Gzip, Compression::Zstd, Compression::Bzip2, Compression::Xz] {
        let tmp = tempfile::tempdir().unwrap();
        let blob = layer_blob(&tar, c);
        assert_eq!(detect(&blob), c);
        let path = tmp.path().join("blob");
        std::fs::write(&path, &blob).unwrap();
        let src = LayerSource { blob: &path, digest: &Digest::of(&blob), size: blob.len() as u64, diff_id: &Digest::of(&tar), follow: None };
        let dest = tmp.path().join("layer");
        unpack_layer(&src, &dest).unwrap();
        assert_eq!(std::fs::read(dest.join("bin/hello")).unwrap(), b"hi\n");
        assert_eq!(std::fs::read_link(dest.join("bin/sh")).unwrap(), PathBuf::from("hello"));
    }
}

#[test]
fn lying_digests_leave_no_layer_behind() {
    let tar = RawTar::new().file("f", b"data").finish();
    let blob = layer_blob(&tar, Compression::Gzip);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("blob");
    std::fs::write(&path, &blob).unwrap();
    let dest = tmp.path().join("layer");
    let wrong = Digest::of(b"something else");
    let bad_diff = LayerSource { blob: &path, digest: &Digest::of(&blob), size: blob.len() as u64, diff_id: &wrong, follow: None };
    assert!(matches!(unpack_layer(&bad_diff, &dest), Err(UnpackError::DiffId { .. })));
    let bad_blob = LayerSource { blob: &path, digest: &wrong, size: blob.len() as u64, diff_id: &Digest::of(&tar), follow: None };
    assert!(matches!(unpack_layer(&bad_blob, &dest), Err(UnpackError::Blob { .. })));
    let bad_size = LayerSource { blob: &path, digest: &Digest::of(&blob), size: 3, diff_id: &Digest::of(&tar), follow: None };
    assert!(matches!(unpack_layer(&bad_size, &dest), Err(UnpackError::Blob { .. })));
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("blob")]);
}

#[test]
fn one_process_unpacking_the_same_layer_twice_at_once_gets_it_once() {
    // The SDK runs containers concurrently in one process: both unpackings of one layer must
    // succeed, each in its own temporary directory, and leave one complete layer.
    let mut tar = RawTar::new().dir("d");
    for i in 0..200 {
        tar = tar.file(&format!("d/f{i}"), &[b'x'; 4096]);
    }
    let tar = tar.finish();
    let blob = layer_blob(&tar, Compression::Gzip);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("blob");
    std::fs::write(&path, &blob).unwrap();
    let (digest, diff_id) = (Digest::of(&blob), Digest::of(&tar));
    let dest = tmp.path().join("layer");
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let src = LayerSource { blob: &path, digest: &digest, size: blob.len() as u64, diff_id: &diff_id, follow: None };
                    unpack_layer(&src, &dest)
                })
            })
            .collect();
        for r in runs {
            r.join().unwrap().unwrap();
        }
    });
    assert_eq!(std::fs::read_dir(dest.join("d")).unwrap().count(), 200);
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

/// `tsc-box cp -`'s unpacking (extract_tar): the same refusals as a layer's, into a directory
/// that already holds files, whose `.wh.` names are plain names and whose directories are never
/// replaced by files.
#[test]
fn a_copy_refuses_what_a_layer_refuses_and_never_replaces_a_directory() {
    let s = Scene::new();
    let fd = || -> OwnedFd { std::fs::File::open(&s.layer).unwrap().into() };
    let outside = s.outside.to_str().unwrap();
    let through = RawTar::new().symlink("esc", outside).file("esc/pwned", b"x").finish();
    assert!(matches!(extract_tar(&through[..], &fd(), None), Err(UnpackError::ThroughNonDirectory(_))));
    let up = RawTar::new().file("../escape", b"x").finish();
    assert!(matches!(extract_tar(&up[..], &fd(), None), Err(UnpackError::BadPath(..))));
    s.assert_outside_untouched();
    let ok = RawTar::new().dir("ok").file("ok/f", b"fine").file(".wh.plain", b"kept").finish();
    extract_tar(&ok[..], &fd(), Some(Box::new(|_, _| (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw())))).unwrap();
    assert_eq!(std::fs::read(s.layer.join("ok/f")).unwrap(), b"fine");
    assert_eq!(std::fs::read(s.layer.join(".wh.plain")).unwrap(), b"kept");
    let over = RawTar::new().file("ok", b"x").finish();
    assert!(matches!(extract_tar(&over[..], &fd(), None), Err(UnpackError::Overwrite(..))));
    assert!(s.layer.join("ok/f").is_file());
}
