//! Durability of an unpacked layer: its directory is renamed to its final name (and the image
//! recorded) only after its files are on disk, so that a crash never leaves a layer that
//! looks complete but holds empty or short files. One syncfs covers a whole layer (one journal
//! commit instead of one per file); writeback of large files is started as soon as each is
//! written, so that the syncfs at the end finds little left to write.
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

/// Makes a rename or a new entry in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    Ok(nix::unistd::fsync(std::fs::File::open(dir)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncing_a_directory_and_its_filesystem_succeeds_and_a_missing_one_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let f = std::fs::File::create(tmp.path().join("f")).unwrap();
        start_writeback(&f);
        sync_filesystem(tmp.path()).unwrap();
        sync_dir(tmp.path()).unwrap();
        assert_eq!(sync_dir(&tmp.path().join("missing")).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
