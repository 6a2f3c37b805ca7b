//! Deep layers: a directory chain of thousands of levels unpacks in time linear in the
//! archive, in a bounded number of descriptors, with the deferred directory metadata applied
//! at every level; a chain past the depth limit is refused.
use super::tests::RawTar;
use super::*;
use crate::tree::DIR_FLAGS;
use nix::fcntl::openat;
use nix::sys::stat::{fstat, Mode};

/// Every level of a chain `d/d/d...` as its own entry (mode 0750), deepest last, then a file.
fn chain_tar(depth: usize) -> Vec<u8> {
    let mut t = RawTar::new();
    let mut path = String::new();
    for _ in 0..depth {
        path.push_str("d/");
        t = t.long(&path, b'5', b"");
    }
    t.long(&format!("{path}file"), b'0', b"bottom").finish()
}

/// Opens the chain level by level (no path is longer than PATH_MAX).
fn bottom(root: &Path, depth: usize) -> OwnedFd {
    let mut fd = nix::fcntl::open(root, DIR_FLAGS, Mode::empty()).unwrap();
    for _ in 0..depth {
        fd = openat(&fd, "d", DIR_FLAGS, Mode::empty()).unwrap();
    }
    fd
}

#[test]
fn a_chain_deeper_than_the_descriptor_limit_unpacks_with_every_level_complete() {
    let depth = 5000;
    let tar = chain_tar(depth);
    let tmp = tempfile::tempdir().unwrap();
    let fd: OwnedFd = std::fs::File::open(tmp.path()).unwrap().into();
    let (soft, hard) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    // Far fewer descriptors than levels: one per level would fail.
    nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, 256.min(soft), hard).unwrap();
    let mut applier = Applier::new(&fd, Privilege::None).unwrap();
    let r = apply_members_within(&mut applier, &tar[..], Limits::default(), 10_000).and_then(|()| applier.finish());
    nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, soft, hard).unwrap();
    r.unwrap();
    assert_eq!(applier.report.entries, depth as u64 + 1);
    let deepest = bottom(tmp.path(), depth);
    let f = openat(&deepest, "file", nix::fcntl::OFlag::O_RDONLY, Mode::empty()).unwrap();
    let mut content = String::new();
    std::io::Read::read_to_string(&mut std::fs::File::from(f), &mut content).unwrap();
    assert_eq!(content, "bottom");
    // The deferred mode and mtime reached the deepest level and the first.
    for fd in [bottom(tmp.path(), 1), deepest] {
        let st = fstat(&fd).unwrap();
        assert_eq!((st.st_mode & 0o7777, st.st_mtime), (0o755, 1_700_000_000));
    }
    // Each entry's directory was reached from the previous one: one directory opened per
    // entry, where walking every path from the root opened 12.5 million (quadratic).
    assert!(applier.cursor.steps <= depth as u64 + 1, "{}", applier.cursor.steps);
    crate::tree::remove_tree(tmp.path()).unwrap();
}

#[test]
fn an_entry_past_the_depth_limit_is_refused_before_anything_is_made_for_it() {
    let tar = chain_tar(30);
    let tmp = tempfile::tempdir().unwrap();
    let fd: OwnedFd = std::fs::File::open(tmp.path()).unwrap().into();
    let mut applier = Applier::new(&fd, Privilege::None).unwrap();
    let r = apply_members_within(&mut applier, &tar[..], Limits::default(), 20);
    match r {
        Err(UnpackError::Limit(LimitError::TooDeep(p, 21, 20))) => {
            assert!(p.starts_with("/d/d/d/d/...(13 more levels)..."), "{p}")
        }
        other => panic!("{other:?}"),
    }
    let st = fstat(bottom(tmp.path(), 20)).unwrap();
    assert!(crate::tree::is_dir(&st));
    assert!(openat(bottom(tmp.path(), 20), "d", DIR_FLAGS, Mode::empty()).is_err());
}

#[test]
fn replacing_a_directory_the_cursor_stands_in_moves_it_back_to_the_root() {
    // b/c/d is entered, then b is replaced by a file and b/.. is never climbed into.
    let tar = RawTar::new()
        .dir("a")
        .dir("a/b")
        .dir("a/b/c")
        .file("a/b/c/f", b"1")
        .file("a/b", b"now a file")
        .dir("a/x")
        .file("a/x/g", b"2")
        .hardlink("a/x/h", "a/x/g")
        .finish();
    let tmp = tempfile::tempdir().unwrap();
    let fd: OwnedFd = std::fs::File::open(tmp.path()).unwrap().into();
    apply_tar_as(&tar[..], &fd, Privilege::None).unwrap();
    assert_eq!(std::fs::read(tmp.path().join("a/b")).unwrap(), b"now a file");
    assert_eq!(std::fs::read(tmp.path().join("a/x/h")).unwrap(), b"2");
}

#[test]
fn the_implied_parents_of_one_deep_entry_are_made_in_linear_time() {
    // 20,000 missing levels: an error value (naming the whole path) made for each one that
    // did not exist yet cost 20,000 x 20,000 component copies.
    let depth = 20_000;
    let tar = RawTar::new().long(&format!("{}f", "d/".repeat(depth)), b'0', b"deep").finish();
    let tmp = tempfile::tempdir().unwrap();
    let fd: OwnedFd = std::fs::File::open(tmp.path()).unwrap().into();
    let start = thread_user_time();
    let mut applier = Applier::new(&fd, Privilege::None).unwrap();
    apply_members_within(&mut applier, &tar[..], Limits::default(), 30_000).and_then(|()| applier.finish()).unwrap();
    let cpu = thread_user_time() - start;
    assert!(openat(bottom(tmp.path(), depth), "f", nix::fcntl::OFlag::O_RDONLY, Mode::empty()).is_ok());
    assert_eq!(applier.cursor.steps, depth as u64);
    // Linear: well under a second of CPU even unoptimised; quadratic took minutes.
    assert!(cpu < std::time::Duration::from_secs(20), "{cpu:?}");
    crate::tree::remove_tree(tmp.path()).unwrap();
}

/// CPU time this thread spent in user space (not the disk's time, which other work shares).
fn thread_user_time() -> std::time::Duration {
    // SAFETY: rusage is a plain C struct of integers and timevals, for which all-zero bytes are a
    // valid value.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a live, writable rusage; getrusage fills exactly one and keeps no pointer.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) }, 0);
    std::time::Duration::new(u.ru_utime.tv_sec as u64, u.ru_utime.tv_usec as u32 * 1000)
}
