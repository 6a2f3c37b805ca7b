//! Giving back memory before the monitor sleeps.
//!
//! The monitor's RSS is mostly this binary's own file pages: the kernel maps whole page-cache
//! folios and fault-around windows of the code and read-only data that start-up touched,
//! though the wait loop runs a few kilobytes of it. Dropping the clean, file-backed mappings
//! from the page tables (MADV_DONTNEED; the data stays in the page cache) just before the
//! loop blocks leaves resident only what the next wake-up refaults. Writable or relocated
//! (RELRO) mappings are never touched: discarding them would lose their contents.

use std::path::Path;
use std::time::{Duration, Instant};

/// At most this often: a chatty container would otherwise refault its code at every line.
/// A release skipped for that reason is only put off (`release` says until when): the last
/// wake-up of a burst of output must still end in a release, or the monitor would sleep on
/// everything the burst touched (measured: 0.7 MiB resident before a container wrote 10 MB,
/// 2.2 MiB after, when the release right after the burst was skipped).
const EVERY: Duration = Duration::from_secs(1);

pub struct Trimmer {
    ranges: [(usize, usize); 4],
    n: usize,
    last: Option<Instant>,
}

impl Trimmer {
    /// Finds the clean mappings of `exe` (read once from /proc/self/maps).
    pub fn new(exe: &Path) -> Trimmer {
        let mut t = Trimmer { ranges: [(0, 0); 4], n: 0, last: None };
        let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return t };
        let exe = exe.to_string_lossy();
        for line in maps.lines() {
            let mut f = line.split_ascii_whitespace();
            let (Some(range), Some(perms), Some(offset)) = (f.next(), f.next(), f.next()) else { continue };
            if f.nth(2).unwrap_or("") != exe || t.n == t.ranges.len() {
                continue;
            }
            // The text (r-x), and the first read-only segment (headers, relocation records,
            // rodata): offset 0. A read-only segment further in is RELRO, written at start-up.
            if !(perms == "r-xp" || (perms == "r--p" && offset.trim_start_matches('0').is_empty())) {
                continue;
            }
            let Some((a, b)) = range.split_once('-') else { continue };
            let (Ok(a), Ok(b)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16)) else { continue };
            t.ranges[t.n] = (a, b);
            t.n += 1;
        }
        t
    }

    /// Drops the clean mappings and returns free heap to the kernel (the log's chunk buffer
    /// grows past glibc's trim threshold with long bursts). None when done; Some(wait) when it
    /// was done less than EVERY ago: the caller must come back after `wait` (as a poll timeout)
    /// if it would sleep otherwise.
    // Inlined into the wait loop: the code that runs between the madvise and the poll that
    // sleeps is refaulted at once, so the fewer places it spans, the less stays resident.
    #[inline(always)]
    pub fn release(&mut self) -> Option<Duration> {
        let now = Instant::now();
        if let Some(l) = self.last {
            let since = now.duration_since(l);
            if since < EVERY {
                return Some(EVERY - since);
            }
        }
        #[cfg(target_env = "gnu")]
        // SAFETY: malloc_trim takes an integer and only returns free heap of glibc's own
        // allocator (which Rust's global allocator is here) to the kernel, under its lock.
        unsafe {
            libc::malloc_trim(0);
        }
        self.last = Some(now);
        for &(a, b) in &self.ranges[..self.n] {
            // SAFETY: [a, b) is a page-aligned range /proc/self/maps listed as a private,
            // read-only (r-xp, or r--p at offset 0) mapping of our own executable, which stays
            // mapped for the life of the process and which no one writes; MADV_DONTNEED only
            // drops its pages from the page tables, and they refault with the same file contents.
            unsafe { libc::madvise(a as *mut libc::c_void, b - a, libc::MADV_DONTNEED) };
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_our_own_test_binary_keeps_it_running() {
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let mut t = Trimmer::new(&exe);
        assert!(t.n >= 1, "the test binary's text is found");
        assert_eq!(t.release(), None);
        // Still alive, running code and reading constants after the drop.
        assert_eq!(format!("{}", 40 + 2), "42");
        // Right after a release the next one is put off, never dropped: the caller learns when.
        let wait = t.release().expect("too soon: put off");
        assert!(wait > Duration::ZERO && wait <= EVERY, "{wait:?}");
        t.last = t.last.map(|l| l - EVERY);
        assert_eq!(t.release(), None);
    }
}
