//! The container's log: one file, one line per line of output, in the CRI format that
//! kubelet and podman's k8s-file driver use:
//!   `<RFC 3339 nanosecond time> <stdout|stderr> <F|P> <text>`
//! F ends a line, P is a piece of a longer one (output without a newline yet, or a chunk
//! boundary): the reader joins P pieces to the next F. When the file passes its size limit
//! it becomes `<file>.1` (replacing the previous one) and a new file starts.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use super::{io, MonitorError};
use crate::state::now_rfc3339;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn tag(self) -> &'static [u8] {
        match self {
            Stream::Stdout => b"stdout",
            Stream::Stderr => b"stderr",
        }
    }
}

pub struct LogFile {
    path: PathBuf,
    file: File,
    size: u64,
    max: u64,
    /// Reused for every chunk: the output of one read is written with one write(2).
    out: Vec<u8>,
}

impl LogFile {
    /// Opens (appending) the log; `max` bytes before rotation, 0 for no limit.
    pub fn open(path: PathBuf, max: u64) -> Result<LogFile, MonitorError> {
        let file = OpenOptions::new().create(true).append(true).mode(0o640).open(&path).map_err(io("open log", &path))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(LogFile { path, file, size, max, out: Vec::new() })
    }

    /// Appends one chunk of a stream's output.
    pub fn write(&mut self, stream: Stream, data: &[u8]) -> Result<(), MonitorError> {
        if data.is_empty() {
            return Ok(());
        }
        self.out.clear();
        encode(&mut self.out, now_rfc3339().as_bytes(), stream, data);
        self.file.write_all(&self.out).map_err(io("write log", &self.path))?;
        self.size += self.out.len() as u64;
        // Keep the buffer from holding on to the largest chunk ever seen: it stays resident in
        // every idle monitor. 16 KiB holds a full read (8 KiB) of ordinary lines; a read of
        // very short lines (`yes`) encodes to 20 times its size and is let go at once.
        if self.out.capacity() > 16 * 1024 {
            self.out = Vec::new();
        }
        if self.max > 0 && self.size >= self.max {
            self.rotate()?;
        }
        Ok(())
    }

    fn rotate(&mut self) -> Result<(), MonitorError> {
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, &old).map_err(io("rotate log", &self.path))?;
        self.file = OpenOptions::new().create(true).append(true).mode(0o640).open(&self.path).map_err(io("open log", &self.path))?;
        self.size = 0;
        Ok(())
    }
}

/// Appends the CRI lines of one chunk to `out`.
pub fn encode(out: &mut Vec<u8>, time: &[u8], stream: Stream, data: &[u8]) {
    let mut rest = data;
    while !rest.is_empty() {
        let (line, full, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], true, &rest[i + 1..]),
            None => (rest, false, &rest[rest.len()..]),
        };
        out.extend_from_slice(time);
        out.push(b' ');
        out.extend_from_slice(stream.tag());
        out.extend_from_slice(if full { b" F " } else { b" P " });
        out.extend_from_slice(line);
        out.push(b'\n');
        rest = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_tagged_and_partial_pieces_marked() {
        let mut out = Vec::new();
        encode(&mut out, b"T", Stream::Stdout, b"a\nbc\nd");
        encode(&mut out, b"T", Stream::Stderr, b"e\n");
        assert_eq!(String::from_utf8(out).unwrap(), "T stdout F a\nT stdout F bc\nT stdout P d\nT stderr F e\n");
    }

    #[test]
    fn rotates_by_size() {
        let dir = std::env::temp_dir().join(format!("tscbox-log-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("c.log");
        let mut l = LogFile::open(p.clone(), 200).unwrap();
        for _ in 0..10 {
            l.write(Stream::Stdout, b"0123456789012345678901234567890123456789\n").unwrap();
        }
        let rotated = std::fs::read_to_string(dir.join("c.log.1")).unwrap();
        assert!(rotated.contains("stdout F 0123"));
        assert!(std::fs::metadata(&p).unwrap().len() < 200);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
