//! Reading a blob while it is still being downloaded: the layer is unpacked as its bytes
//! arrive instead of after, and the download and the unpacking overlap.
use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Reads `file` up to `size` bytes, waiting at its current end for the writer to append more,
/// until `abort` is set (the download failed): then reading fails.
pub struct FollowReader<'a> {
    file: File,
    size: u64,
    pos: u64,
    abort: &'a AtomicBool,
}

impl<'a> FollowReader<'a> {
    pub fn new(file: File, size: u64, abort: &'a AtomicBool) -> Self {
        FollowReader { file, size, pos: 0, abort }
    }
}

impl Read for FollowReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.size - self.pos;
        if left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(left as usize);
        loop {
            let n = self.file.read(&mut buf[..want])?;
            if n > 0 {
                self.pos += n as u64;
                return Ok(n);
            }
            // Checked after a read found nothing, so bytes written before the abort are read.
            // Not ErrorKind::Interrupted: readers retry that forever.
            if self.abort.load(Ordering::Acquire) {
                return Err(io::Error::new(io::ErrorKind::ConnectionAborted, "the download of this layer stopped before its end"));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::Arc;

    #[test]
    fn reads_what_a_writer_appends_until_the_announced_size() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let path = tmp.path().to_path_buf();
        let abort = Arc::new(AtomicBool::new(false));
        let writer = std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
            for i in 0..10u8 {
                f.write_all(&[i; 1000]).unwrap();
                std::thread::sleep(Duration::from_millis(3));
            }
        });
        let mut r = FollowReader::new(File::open(tmp.path()).unwrap(), 10_000, &abort);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        writer.join().unwrap();
        assert_eq!(out.len(), 10_000);
        assert_eq!(out[9_999], 9);
    }

    #[test]
    fn an_abort_ends_the_wait_with_an_error() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), b"partial").unwrap();
        let abort = AtomicBool::new(true);
        let mut r = FollowReader::new(File::open(tmp.path()).unwrap(), 100, &abort);
        let mut out = Vec::new();
        assert_eq!(r.read_to_end(&mut out).unwrap_err().kind(), io::ErrorKind::ConnectionAborted);
        assert_eq!(out, b"partial");
    }
}
