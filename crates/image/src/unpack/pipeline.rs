//! The verified unpacking of one layer stream, on two cores: a thread reads the blob, hashes
//! it and inflates it, while the calling thread hashes the plain tar stream and writes the
//! files. Inflating is the single largest cost of a pull or a load (about 4 ns per output
//! byte with zlib-rs), and until it ran beside the file writing it was paid in full on top.
use super::{decoder, detect, limits, Compression, LayerSource, Report, UnpackError};
use crate::digest::{Digest, HashingReader};
use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Bytes per chunk handed between the threads, and chunks in flight: large enough that the
/// hand-over costs nothing, small enough to stay in cache.
const CHUNK: usize = 256 << 10;
const IN_FLIGHT: usize = 8;

/// Unpacks `reader` (the blob) into the directory `root`, checking the plain stream against
/// `src.diff_id` and the blob against `src.digest` and `src.size`.
/// `apply` writes the files of the plain stream it reads.
pub fn unpack_stream(
    reader: Box<dyn Read + Send + '_>,
    src: &LayerSource<'_>,
    apply: impl FnOnce(&mut dyn Read) -> Result<Report, UnpackError>,
) -> Result<Report, UnpackError> {
    let mut buffered = BufReader::with_capacity(1 << 18, reader);
    let head = buffered.fill_buf().map_err(|e| UnpackError::Io(src.blob.to_path_buf(), e))?;
    let compression = detect(head);
    let (full_tx, full_rx) = sync_channel(IN_FLIGHT);
    let (free_tx, free_rx) = sync_channel(IN_FLIGHT + 1);
    std::thread::scope(|s| {
        let inflater = s.spawn(move || inflate(compression, buffered, full_tx, free_rx));
        let outcome = (|| {
            let mut plain = HashingReader::new(Chunks { full: full_rx, free: free_tx, cur: Vec::new(), pos: 0 });
            let report = apply(&mut plain)?;
            // The tar end marker may be followed by padding; the diff_id covers the whole stream.
            limits::drain_trailer(&mut plain).map_err(super::tar_err)?;
            let (actual, _) = plain.finish();
            if &actual != src.diff_id {
                return Err(UnpackError::DiffId { expected: src.diff_id.clone(), actual });
            }
            Ok(report)
        })();
        // Dropping the receiver (inside `outcome`'s reader) stops the inflater at its next
        // chunk if we failed early; one following a download that stalls would wait for
        // bytes first, so it is told to stop following.
        if let (Err(_), Some(follow)) = (&outcome, src.follow) {
            follow.store(true, std::sync::atomic::Ordering::Release);
        }
        let blob = inflater.join().unwrap_or_else(|_| Err(io::Error::other("the inflating thread panicked")));
        let report = outcome?;
        let (actual, actual_size) = blob.map_err(|e| UnpackError::Io(src.blob.to_path_buf(), e))?;
        if &actual != src.digest || actual_size != src.size {
            return Err(UnpackError::Blob { expected: src.digest.clone(), expected_size: src.size, actual, actual_size });
        }
        Ok(report)
    })
}

/// The inflating side: sends the plain stream in chunks (an error in place of a chunk when
/// reading or inflating fails), and returns the blob's digest and size once it has read all
/// of it. Stops early when the other side has gone.
fn inflate<R: BufRead>(c: Compression, blob: R, full: SyncSender<io::Result<Vec<u8>>>, free: Receiver<Vec<u8>>) -> io::Result<(Digest, u64)> {
    let mut compressed = HashingReader::new(blob);
    {
        let mut dec = match decoder(c, BufReader::with_capacity(1 << 16, &mut compressed)) {
            Ok(d) => d,
            Err(e) => {
                let _ = full.send(Err(io::Error::new(e.kind(), e.to_string())));
                return Err(e);
            }
        };
        loop {
            let mut buf = free.try_recv().unwrap_or_else(|_| Vec::with_capacity(CHUNK));
            buf.resize(CHUNK, 0);
            // One read per chunk, sent at once: bytes of a download that then stalls still
            // reach the other side (which may refuse them and stop everything).
            let n = match dec.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // The reader gets the error itself (its kind tells an interrupted
                    // download from bad content); this side only stops.
                    let copy = io::Error::new(e.kind(), e.to_string());
                    let _ = full.send(Err(e));
                    return Err(copy);
                }
            };
            buf.truncate(n);
            if full.send(Ok(buf)).is_err() {
                return Err(io::Error::other("the unpacking stopped"));
            }
        }
    }
    // Whatever follows the compressed stream is part of the blob its digest covers.
    io::copy(&mut compressed, &mut io::sink())?;
    Ok(compressed.finish())
}

/// The plain stream as it arrives from the inflating thread; the end of the channel is the
/// end of the stream (the inflater sends an error before it stops on one).
struct Chunks {
    full: Receiver<io::Result<Vec<u8>>>,
    free: SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.cur.len() {
            match self.full.recv() {
                Ok(Ok(next)) => {
                    let done = std::mem::replace(&mut self.cur, next);
                    let _ = self.free.try_send(done);
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn chunks_of(parts: Vec<io::Result<Vec<u8>>>) -> Chunks {
        let (tx, rx) = sync_channel(parts.len());
        let (free, _keep) = sync_channel(parts.len() + 1);
        for p in parts {
            tx.send(p).unwrap();
        }
        Chunks { full: rx, free, cur: Vec::new(), pos: 0 }
    }

    #[test]
    fn chunks_read_in_order_and_end_with_the_channel() {
        let mut r = chunks_of(vec![Ok(b"ab".to_vec()), Ok(b"cde".to_vec())]);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abcde");
    }

    #[test]
    fn an_error_in_place_of_a_chunk_keeps_its_kind() {
        let mut r = chunks_of(vec![Ok(b"ab".to_vec()), Err(io::Error::new(io::ErrorKind::ConnectionAborted, "stopped"))]);
        let mut out = Vec::new();
        assert_eq!(r.read_to_end(&mut out).unwrap_err().kind(), io::ErrorKind::ConnectionAborted);
        assert_eq!(out, b"ab");
    }

    #[test]
    fn inflater_hashes_the_whole_blob_and_stops_when_the_reader_goes() {
        let plain = vec![42u8; 3 * CHUNK + 17];
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).unwrap();
        let blob = gz.finish().unwrap();
        let (full_tx, full_rx) = sync_channel(IN_FLIGHT);
        let (_free_tx, free_rx) = sync_channel(1);
        let t = std::thread::spawn({
            let blob = blob.clone();
            move || inflate(Compression::Gzip, &blob[..], full_tx, free_rx)
        });
        let mut got = Vec::new();
        while let Ok(c) = full_rx.recv() {
            got.extend(c.unwrap());
        }
        assert_eq!(got, plain);
        assert_eq!(t.join().unwrap().unwrap(), (Digest::of(&blob), blob.len() as u64));

        let (full_tx, full_rx) = sync_channel(1);
        let (_free_tx, free_rx) = sync_channel(1);
        drop(full_rx);
        assert!(inflate(Compression::Gzip, &blob[..], full_tx, free_rx).is_err());
    }
}
