//! Decompression-bomb limits. A layer is hostile input: a few compressed megabytes may inflate
//! to terabytes, to millions of files, or to one tar member (a long name, a PAX header) that
//! the tar reader would hold in memory. Unpacking stops with an error that names the limit and
//! the variable that raises it, before the disk or the memory fills.
//!
//! Limits are per layer, read from the environment (like the CLI's other tunables) so that the
//! rootless unpacking helper, a child process, applies the same ones:
//! `TSC_BOX_LAYER_MAX_BYTES`, `TSC_BOX_LAYER_MAX_ENTRIES`, `TSC_BOX_LAYER_MAX_FILE_BYTES`
//! (sizes take a K, M, G or T suffix, powers of 1024).
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

pub const MAX_BYTES_VAR: &str = "TSC_BOX_LAYER_MAX_BYTES";
pub const MAX_ENTRIES_VAR: &str = "TSC_BOX_LAYER_MAX_ENTRIES";
pub const MAX_FILE_BYTES_VAR: &str = "TSC_BOX_LAYER_MAX_FILE_BYTES";

/// Tar metadata read between two members (headers, GNU long names, PAX records, sparse maps,
/// the end marker). Real ones are a few KiB; PAX xattrs are at most 64 KiB each.
pub const MAX_MEMBER_METADATA: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("the layer unpacks to more than {0} bytes; refused as a decompression bomb (raise {MAX_BYTES_VAR} if it is genuine)")]
    TooManyBytes(u64),
    #[error("the layer has more than {0} entries; refused as a decompression bomb (raise {MAX_ENTRIES_VAR} if it is genuine)")]
    TooManyEntries(u64),
    #[error("layer entry {0} is {1} bytes, more than the {2} allowed for one file (raise {MAX_FILE_BYTES_VAR} if it is genuine)")]
    FileTooLarge(String, u64, u64),
    #[error("the layer has more than {MAX_MEMBER_METADATA} bytes of tar metadata (headers, long names, PAX records) for one entry; refused")]
    MetadataTooLarge,
    #[error("the layer continues for more than {MAX_MEMBER_METADATA} bytes after the end of its tar archive; refused")]
    TrailingData,
    #[error("{0}={1:?} is not a number of bytes or entries (digits, optionally followed by K, M, G or T)")]
    BadSetting(&'static str, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sum of the sizes of the layer's files.
    pub max_bytes: u64,
    pub max_entries: u64,
    /// Size of any one file.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    /// Above the layers of real images (the largest public ones hold a few tens of GiB and a
    /// few hundred thousand files), below what fills a disk or an inode table by surprise; an
    /// exceptional image raises them.
    fn default() -> Self {
        Limits { max_bytes: 64 << 30, max_entries: 2_000_000, max_file_bytes: 32 << 30 }
    }
}

impl Limits {
    pub fn from_env() -> Result<Limits, LimitError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Limits, LimitError> {
        let d = Limits::default();
        let read = |var: &'static str, default: u64| match get(var) {
            None => Ok(default),
            Some(v) if v.trim().is_empty() => Ok(default),
            Some(v) => parse_amount(&v).ok_or(LimitError::BadSetting(var, v)),
        };
        Ok(Limits {
            max_bytes: read(MAX_BYTES_VAR, d.max_bytes)?,
            max_entries: read(MAX_ENTRIES_VAR, d.max_entries)?,
            max_file_bytes: read(MAX_FILE_BYTES_VAR, d.max_file_bytes)?,
        })
    }
}

/// "123", "64K", "10g": powers of 1024.
fn parse_amount(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, shift) = match s.as_bytes().last()?.to_ascii_lowercase() {
        b'k' => (&s[..s.len() - 1], 10),
        b'm' => (&s[..s.len() - 1], 20),
        b'g' => (&s[..s.len() - 1], 30),
        b't' => (&s[..s.len() - 1], 40),
        _ => (s, 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(1u64 << shift)
}

/// Counts what a layer's members claim, before any of their data is written.
pub struct Budget {
    limits: Limits,
    entries: u64,
    bytes: u64,
}

impl Budget {
    pub fn new(limits: Limits) -> Self {
        Budget { limits, entries: 0, bytes: 0 }
    }

    /// Admits one member of `size` data bytes named `path`.
    pub fn admit(&mut self, path: impl FnOnce() -> String, size: u64) -> Result<(), LimitError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(LimitError::TooManyEntries(self.limits.max_entries));
        }
        if size > self.limits.max_file_bytes {
            return Err(LimitError::FileTooLarge(path(), size, self.limits.max_file_bytes));
        }
        self.bytes = self.bytes.saturating_add(size);
        if self.bytes > self.limits.max_bytes {
            return Err(LimitError::TooManyBytes(self.limits.max_bytes));
        }
        Ok(())
    }
}

/// Wraps the plain tar stream. While the tar reader looks for the next member (`between`),
/// at most MAX_MEMBER_METADATA bytes may be read: the tar crate reads long names and PAX
/// headers whole into memory, whatever size their header claims.
pub struct Meter<R> {
    inner: R,
    gate: Gate,
}

/// The loop over members opens the gate around each search for the next member.
#[derive(Clone, Default)]
pub struct Gate(Rc<Cell<Option<u64>>>);

impl Gate {
    pub fn between_members(&self) {
        self.0.set(Some(0));
    }
    pub fn in_member(&self) {
        self.0.set(None);
    }
}

impl<R: Read> Meter<R> {
    pub fn new(inner: R, gate: Gate) -> Self {
        Meter { inner, gate }
    }
}

impl<R: Read> Read for Meter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(used) = self.gate.0.get() else { return self.inner.read(buf) };
        let left = MAX_MEMBER_METADATA.saturating_sub(used);
        if left == 0 {
            return Err(io::Error::other(LimitError::MetadataTooLarge));
        }
        let want = buf.len().min(left as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.gate.0.set(Some(used + n as u64));
        Ok(n)
    }
}

/// The limit error inside an io::Error that a Meter (through the tar reader) returned.
pub fn limit_of(e: &io::Error) -> Option<&LimitError> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<LimitError>())
}

/// The limit error a Meter (through the tar reader) returned, or the io::Error as it was.
pub fn take_limit(e: io::Error) -> Result<LimitError, io::Error> {
    if limit_of(&e).is_none() {
        return Err(e);
    }
    let kind = e.kind();
    match e.into_inner() {
        Some(inner) => inner.downcast::<LimitError>().map(|l| *l).map_err(|other| io::Error::new(kind, other)),
        None => Err(io::Error::from(kind)),
    }
}

/// Reads what follows the tar end marker (padding the digest covers), refusing more than
/// MAX_MEMBER_METADATA bytes of it.
pub fn drain_trailer<R: Read>(r: R) -> io::Result<()> {
    let n = io::copy(&mut r.take(MAX_MEMBER_METADATA + 1), &mut io::sink())?;
    if n > MAX_MEMBER_METADATA {
        return Err(io::Error::other(LimitError::TrailingData));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_take_binary_suffixes_and_nothing_else() {
        assert_eq!(parse_amount("123"), Some(123));
        assert_eq!(parse_amount("64K"), Some(64 << 10));
        assert_eq!(parse_amount(" 10g "), Some(10 << 30));
        assert_eq!(parse_amount("2T"), Some(2 << 40));
        for bad in ["", "k", "-1", "1.5G", "12 M", "1e9", "99999999999999999999T"] {
            assert_eq!(parse_amount(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn settings_come_from_the_environment_and_bad_ones_are_named() {
        let l = Limits::from_lookup(|k| (k == MAX_ENTRIES_VAR).then(|| "10".to_string())).unwrap();
        assert_eq!(l, Limits { max_entries: 10, ..Limits::default() });
        let e = Limits::from_lookup(|k| (k == MAX_BYTES_VAR).then(|| "lots".to_string())).unwrap_err();
        assert!(e.to_string().contains("TSC_BOX_LAYER_MAX_BYTES=\"lots\""), "{e}");
    }

    #[test]
    fn budget_refuses_the_member_that_crosses_a_limit() {
        let mut b = Budget::new(Limits { max_bytes: 100, max_entries: 3, max_file_bytes: 60 });
        b.admit(|| "/a".into(), 50).unwrap();
        assert!(matches!(b.admit(|| "/b".into(), 61), Err(LimitError::FileTooLarge(p, 61, 60)) if p == "/b"));
        let mut b = Budget::new(Limits { max_bytes: 100, max_entries: 3, max_file_bytes: 60 });
        b.admit(|| "/a".into(), 50).unwrap();
        assert!(matches!(b.admit(|| "/b".into(), 51), Err(LimitError::TooManyBytes(100))));
        let mut b = Budget::new(Limits { max_bytes: 100, max_entries: 2, max_file_bytes: 60 });
        b.admit(|| "/a".into(), 0).unwrap();
        b.admit(|| "/b".into(), 0).unwrap();
        assert!(matches!(b.admit(|| "/c".into(), 0), Err(LimitError::TooManyEntries(2))));
    }

    #[test]
    fn meter_caps_reads_between_members_only() {
        let data = vec![0u8; (MAX_MEMBER_METADATA * 3) as usize];
        let gate = Gate::default();
        let mut m = Meter::new(&data[..], gate.clone());
        gate.in_member();
        let mut buf = vec![0u8; (MAX_MEMBER_METADATA + 10) as usize];
        m.read_exact(&mut buf).unwrap();
        gate.between_members();
        let e = io::copy(&mut m, &mut io::sink()).unwrap_err();
        assert!(matches!(limit_of(&e), Some(LimitError::MetadataTooLarge)));
    }

    #[test]
    fn trailer_is_allowed_up_to_the_cap() {
        drain_trailer(&vec![0u8; MAX_MEMBER_METADATA as usize][..]).unwrap();
        let e = drain_trailer(&vec![0u8; MAX_MEMBER_METADATA as usize + 1][..]).unwrap_err();
        assert!(matches!(limit_of(&e), Some(LimitError::TrailingData)));
    }
}
