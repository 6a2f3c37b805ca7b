//! Durability of an unpacked layer: its directory is renamed to its final name (and the image
//! recorded) only after its files are on disk, so that a crash never leaves a layer that
//! looks complete but holds empty or short files. A small layer fsyncs its own files and
//! directories, in parallel ([`sync_layer`]); a large one is covered by one syncfs (one journal
//! commit instead of one per file), whose cost is then in proportion. Writeback of large files
//! is started as soon as each is written, so that the syncfs at the end finds little left.
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;

/// Files at least this large start their writeback when written.
pub const EARLY_WRITEBACK: u64 = 256 << 10;

/// Starts (does not wait for) the writeback of a file's data.
pub fn start_writeback<Fd: AsFd>(fd: Fd) {
    // nix has no sync_file_range. A failure only means the final syncfs does the work.
    // SAFETY: integers only: `fd` is borrowed, open for the call; no memory is passed.
    let _ = unsafe { libc::sync_file_range(fd.as_fd().as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
}

/// Flushes the filesystem holding `dir` (every file written under it included).
pub fn sync_filesystem(dir: &Path) -> io::Result<()> {
    Ok(nix::unistd::syncfs(std::fs::File::open(dir)?)?)
}

/// A layer of at most this many entries, from a blob of at most `SMALL_LAYER_BLOB` bytes, is
/// flushed file by file ([`sync_tree`]); a larger one with one syncfs.
pub const SMALL_LAYER_ENTRIES: u64 = 2048;
pub const SMALL_LAYER_BLOB: u64 = 16 << 20;

/// Threads that fsync a small layer's files: concurrent fsyncs share the journal's commits.
const SYNC_THREADS: usize = 4;

/// Flushes an unpacked layer in proportion to its size: syncfs waits for every dirty page of
/// the filesystem (whatever else the machine is writing), so a small layer fsyncs its own
/// files and directories instead, in parallel. Any failure of that path falls back to syncfs.
pub fn sync_layer(dir: &Path, entries: u64, blob_size: u64) -> io::Result<()> {
    if entries <= SMALL_LAYER_ENTRIES && blob_size <= SMALL_LAYER_BLOB && sync_tree(dir).is_ok() {
        return Ok(());
    }
    sync_filesystem(dir)
}

/// fsyncs every regular file and directory under `dir` (`dir` included): their data, inodes
/// and entries (a symlink, device or FIFO is an entry of its directory and an inode committed
/// with it). Directories are read one at a time, so at most one is open while walking.
pub fn sync_tree(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < dirs.len() {
        let entries: Vec<_> = std::fs::read_dir(&dirs[i])?.collect::<Result<_, _>>()?;
        for e in entries {
            let t = e.file_type()?;
            if t.is_dir() {
                dirs.push(e.path());
            } else if t.is_file() {
                files.push(e.path());
            }
        }
        i += 1;
    }
    // Files first, then their directories: an entry is made durable after what it names.
    for group in [files, dirs] {
        let chunk = group.len().div_ceil(SYNC_THREADS).max(1);
        std::thread::scope(|s| {
            let workers: Vec<_> = group
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || -> io::Result<()> {
                        for p in part {
                            let f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(p)?;
                            nix::unistd::fsync(&f)?;
                        }
                        Ok(())
                    })
                })
                .collect();
            workers.into_iter().try_for_each(|w| w.join().unwrap_or_else(|_| Err(io::Error::other("an fsync thread panicked"))))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncing_a_tree_and_its_filesystem_succeeds_and_a_missing_one_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let f = std::fs::File::create(tmp.path().join("f")).unwrap();
        start_writeback(&f);
        sync_filesystem(tmp.path()).unwrap();
        std::fs::create_dir_all(tmp.path().join("a/b")).unwrap();
        std::fs::write(tmp.path().join("a/b/c"), b"x").unwrap();
        std::os::unix::fs::symlink("c", tmp.path().join("a/b/l")).unwrap();
        nix::unistd::mkfifo(&tmp.path().join("a/p"), nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        sync_tree(tmp.path()).unwrap();
        sync_layer(tmp.path(), 4, 1).unwrap();
        sync_layer(tmp.path(), SMALL_LAYER_ENTRIES + 1, 1).unwrap();
        assert!(sync_tree(&tmp.path().join("missing")).is_err());
        assert_eq!(sync_filesystem(&tmp.path().join("missing")).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
