//! Decompression-bomb limits. A layer is hostile input: a few compressed megabytes may inflate
//! to terabytes, to millions of files, or to one tar member (a long name, a PAX header) that
//! the tar reader would hold in memory. Unpacking stops with an error that names the limit and
//! the variable that raises it, before the disk or the memory fills.
//!
//! Limits are per layer, read from the environment (like the CLI's other tunables) so that the
//! rootless unpacking helper, a child process, applies the same ones:
//! `TSC_BOX_LAYER_MAX_BYTES`, `TSC_BOX_LAYER_MAX_ENTRIES`, `TSC_BOX_LAYER_MAX_FILE_BYTES`
//! (sizes take a K, M, G or T suffix, powers of 1024). One more caps a whole image,
//! `TSC_BOX_IMAGE_MAX_BYTES`: a bomb split over many layers each under the layer limit would
//! otherwise fill the disk layer by layer (see `ImageTally`). And `TSC_BOX_LAYER_MAX_RATIO`
//! bounds how much each compressed byte may inflate to (see `watching_blob`): many files each
//! within the size limits are a bomb only by that ratio.
use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub const MAX_BYTES_VAR: &str = "TSC_BOX_LAYER_MAX_BYTES";
pub const MAX_ENTRIES_VAR: &str = "TSC_BOX_LAYER_MAX_ENTRIES";
pub const MAX_FILE_BYTES_VAR: &str = "TSC_BOX_LAYER_MAX_FILE_BYTES";
pub const MAX_DEPTH_VAR: &str = "TSC_BOX_LAYER_MAX_DEPTH";

/// Default of `TSC_BOX_LAYER_MAX_DEPTH`, the components of any one entry's path. A path deeper
/// than 2048 levels is longer than PATH_MAX (4096 bytes) even with one-letter names, so no
/// program could open its files by name; real images stay below a hundred levels
/// (node_modules included). Deeper, a layer is a CPU and inode bomb (every level a directory).
pub const DEFAULT_MAX_DEPTH: u64 = 2048;
pub const MAX_RATIO_VAR: &str = "TSC_BOX_LAYER_MAX_RATIO";
pub const IMAGE_MAX_BYTES_VAR: &str = "TSC_BOX_IMAGE_MAX_BYTES";
/// Set by the store on the rootless unpacking helper: what the image's other layers already
/// hold, so that the helper's layer is counted against the same image total.
pub const IMAGE_BYTES_USED_VAR: &str = "TSC_BOX_IMAGE_BYTES_USED";

/// Default of `TSC_BOX_LAYER_MAX_RATIO`: real layers inflate 2 to 10 times (binaries, text,
/// gzip or zstd alike); a bomb inflates 1000 times and more (zstd turns 4 bytes into 128 KiB of
/// zeros). Only content that is almost all one byte (a large file of zeros) legitimately comes
/// near 100.
pub const DEFAULT_MAX_RATIO: u64 = 100;

/// Plain bytes any layer may inflate to before its ratio is checked: a small layer of zeros
/// harms nobody.
pub const RATIO_FREE_BYTES: u64 = 256 << 20;

/// The ratio is checked each time this many more plain bytes have been read.
const RATIO_CHECK_EVERY: u64 = 4 << 20;

/// Default of `TSC_BOX_IMAGE_MAX_BYTES`: above the largest public images (CUDA and PyTorch
/// development images unpack to some 10 to 25 GiB), below what fills a disk by surprise.
pub const DEFAULT_IMAGE_MAX_BYTES: u64 = 32 << 30;

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
    #[error("layer entry {0} is {1} levels deep, more than the {2} allowed; refused (raise {MAX_DEPTH_VAR} if it is genuine)")]
    TooDeep(String, u64, u64),
    #[error("the layer inflates to more than {max} times its compressed size ({plain} bytes from the first {compressed}); refused as a decompression bomb (raise {MAX_RATIO_VAR}, or set it to 0 to turn this check off, if it is genuine)")]
    Ratio { plain: u64, compressed: u64, max: u64 },
    #[error("the image's layers unpack to more than {0} bytes in all; refused as a decompression bomb (raise {IMAGE_MAX_BYTES_VAR} if it is genuine)")]
    ImageTooLarge(u64),
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
    /// Above the layers of real images, below what fills a disk or an inode table by surprise;
    /// an exceptional image raises them. The largest public images (CUDA, PyTorch, TensorFlow
    /// development images) unpack to 10 to 25 GiB over tens of layers, their largest layers to
    /// a few GiB and their largest files (CUDA and torch libraries) to 1 or 2 GiB; a layer of
    /// a few hundred thousand files is already rare.
    fn default() -> Self {
        Limits { max_bytes: 8 << 30, max_entries: 2_000_000, max_file_bytes: 4 << 30 }
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

/// The depth limit: `TSC_BOX_LAYER_MAX_DEPTH` or its default.
pub fn max_depth_from_env() -> Result<u64, LimitError> {
    amount_var(|k| std::env::var(k).ok(), MAX_DEPTH_VAR, DEFAULT_MAX_DEPTH)
}

/// Refuses an entry `path` of `depth` components past `max`.
pub fn check_depth(path: impl FnOnce() -> String, depth: usize, max: u64) -> Result<(), LimitError> {
    if depth as u64 > max {
        return Err(LimitError::TooDeep(path(), depth as u64, max));
    }
    Ok(())
}

/// Reads one amount from the environment: unset or empty is `default`.
fn amount_var(get: impl Fn(&str) -> Option<String>, var: &'static str, default: u64) -> Result<u64, LimitError> {
    match get(var) {
        None => Ok(default),
        Some(v) if v.trim().is_empty() => Ok(default),
        Some(v) => parse_amount(&v).ok_or(LimitError::BadSetting(var, v)),
    }
}

/// The bytes all layers of one image unpack to, counted across the layers being unpacked at
/// the same time (a pull unpacks several while they download, each on its own thread) and
/// refused once past the image's limit, before the file that crosses it is written.
///
/// The store makes one per image and runs each layer's unpacking inside `counting`; the
/// member loop's `Budget` finds it there (a thread-local: the members of a layer are admitted
/// on the thread that called the unpacking). A layer unpacked outside any `counting` (the
/// rootless helper process, a direct caller) is counted alone, starting from
/// `TSC_BOX_IMAGE_BYTES_USED`.
#[derive(Clone, Debug)]
pub struct ImageTally {
    used: Arc<AtomicU64>,
    max: u64,
}

thread_local! {
    static COUNTING: RefCell<Option<ImageTally>> = const { RefCell::new(None) };
}

impl ImageTally {
    pub fn new(max: u64) -> Self {
        ImageTally { used: Arc::new(AtomicU64::new(0)), max }
    }

    /// The limit from `TSC_BOX_IMAGE_MAX_BYTES`, starting at `TSC_BOX_IMAGE_BYTES_USED`.
    pub fn from_env() -> Result<Self, LimitError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, LimitError> {
        let t = ImageTally::new(amount_var(&get, IMAGE_MAX_BYTES_VAR, DEFAULT_IMAGE_MAX_BYTES)?);
        t.used.store(amount_var(&get, IMAGE_BYTES_USED_VAR, 0)?, Ordering::Relaxed);
        Ok(t)
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Counts `n` more bytes of the image, refusing them past the limit.
    pub fn add(&self, n: u64) -> Result<(), LimitError> {
        let before = self.used.fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) > self.max {
            return Err(LimitError::ImageTooLarge(self.max));
        }
        Ok(())
    }

    /// Runs `f` (one layer's unpacking) with its members counted in this tally.
    pub fn counting<T>(&self, f: impl FnOnce() -> T) -> T {
        let outer = COUNTING.with(|c| c.replace(Some(self.clone())));
        // Restored even if `f` panics, so a reused thread does not count into a stale image.
        struct Restore(Option<ImageTally>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let outer = self.0.take();
                COUNTING.with(|c| *c.borrow_mut() = outer);
            }
        }
        let _restore = Restore(outer);
        f()
    }

    /// The tally the current thread counts into, if any.
    pub(crate) fn current() -> Option<ImageTally> {
        COUNTING.with(|c| c.borrow().clone())
    }
}

/// `TSC_BOX_LAYER_MAX_RATIO` or its default; 0 turns the check off.
pub fn max_ratio_from_env() -> Result<u64, LimitError> {
    amount_var(|k| std::env::var(k).ok(), MAX_RATIO_VAR, DEFAULT_MAX_RATIO)
}

/// The compressed blob of the layer being unpacked on this thread: a descriptor sharing the
/// file offset of the one the inflating thread reads, so that its position is how much of the
/// blob has been consumed. The `Meter` compares the plain bytes with it.
struct BlobWatch {
    file: std::fs::File,
    max_ratio: u64,
}

thread_local! {
    static BLOB: RefCell<Option<BlobWatch>> = const { RefCell::new(None) };
}

/// Runs `f` (the unpacking of one layer, whose plain stream is read on this thread) with the
/// ratio of its plain bytes to the compressed bytes of `blob` (a clone of the descriptor the
/// blob is read through) held within `max_ratio`.
pub fn watching_blob<T>(blob: std::fs::File, max_ratio: u64, f: impl FnOnce() -> T) -> T {
    let outer = BLOB.with(|b| b.replace(Some(BlobWatch { file: blob, max_ratio })));
    struct Restore(Option<BlobWatch>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            BLOB.with(|b| *b.borrow_mut() = outer);
        }
    }
    let _restore = Restore(outer);
    f()
}

/// Refuses `plain` bytes inflated from what the watched blob has given so far, past the
/// ratio. Outside `watching_blob`, or with the check turned off, nothing is refused.
fn check_ratio(plain: u64) -> io::Result<()> {
    BLOB.with(|b| {
        let b = b.borrow();
        let Some(w) = b.as_ref().filter(|w| w.max_ratio > 0) else { return Ok(()) };
        use std::io::Seek;
        // Read ahead of the plain stream (buffers, chunks in flight): never less than what
        // these plain bytes came from, so a genuine layer is never refused for it.
        let compressed = (&w.file).stream_position()?;
        if plain > RATIO_FREE_BYTES && plain > compressed.saturating_mul(w.max_ratio) {
            return Err(io::Error::other(LimitError::Ratio { plain, compressed, max: w.max_ratio }));
        }
        Ok(())
    })
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
    /// The image this layer belongs to, when the store unpacks it as part of one.
    image: Option<ImageTally>,
}

impl Budget {
    pub fn new(limits: Limits) -> Self {
        Budget { limits, entries: 0, bytes: 0, image: ImageTally::current() }
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
        if let Some(image) = &self.image {
            image.add(size)?;
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
    /// Plain bytes read so far, and when to compare them with the compressed ones next.
    plain: u64,
    next_ratio_check: u64,
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
        Meter { inner, gate, plain: 0, next_ratio_check: RATIO_FREE_BYTES }
    }

    fn count(&mut self, n: usize) -> io::Result<usize> {
        self.plain += n as u64;
        if self.plain > self.next_ratio_check {
            self.next_ratio_check = self.plain + RATIO_CHECK_EVERY;
            check_ratio(self.plain)?;
        }
        Ok(n)
    }
}

impl<R: Read> Read for Meter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(used) = self.gate.0.get() else {
            let n = self.inner.read(buf)?;
            return self.count(n);
        };
        let left = MAX_MEMBER_METADATA.saturating_sub(used);
        if left == 0 {
            return Err(io::Error::other(LimitError::MetadataTooLarge));
        }
        let want = buf.len().min(left as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.gate.0.set(Some(used + n as u64));
        self.count(n)
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
    fn the_image_tally_counts_the_layers_of_one_image_across_threads() {
        let limits = Limits { max_bytes: 100, max_entries: 100, max_file_bytes: 100 };
        let image = ImageTally::new(150);
        // Two layers at once, each within the layer limit, on threads of their own.
        let results: Vec<_> = std::thread::scope(|s| {
            let layers: Vec<_> = (0..2)
                .map(|_| {
                    let image = image.clone();
                    s.spawn(move || image.counting(|| Budget::new(limits).admit(|| "/f".into(), 80)))
                })
                .collect();
            layers.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(LimitError::ImageTooLarge(150)))));
        // Outside `counting` a layer is not counted into the image (the store counts it).
        Budget::new(limits).admit(|| "/g".into(), 80).unwrap();
        assert_eq!(image.used(), 160);
    }

    #[test]
    fn the_image_limit_and_what_is_used_come_from_the_environment() {
        assert_eq!(ImageTally::from_lookup(|_| None).unwrap().max(), DEFAULT_IMAGE_MAX_BYTES);
        let t = ImageTally::from_lookup(|k| match k {
            IMAGE_MAX_BYTES_VAR => Some("1K".into()),
            IMAGE_BYTES_USED_VAR => Some("1000".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!((t.max(), t.used()), (1024, 1000));
        assert!(matches!(t.add(25), Err(LimitError::ImageTooLarge(1024))));
        let e = ImageTally::from_lookup(|k| (k == IMAGE_MAX_BYTES_VAR).then(|| "big".into())).unwrap_err();
        assert!(e.to_string().contains("TSC_BOX_IMAGE_MAX_BYTES=\"big\""), "{e}");
    }

    #[test]
    fn entries_deeper_than_the_depth_limit_are_refused_and_named() {
        check_depth(|| unreachable!(), 2048, DEFAULT_MAX_DEPTH).unwrap();
        let e = check_depth(|| "/a/b/c".into(), 3, 2).unwrap_err();
        assert!(matches!(&e, LimitError::TooDeep(p, 3, 2) if p == "/a/b/c"));
        assert!(e.to_string().contains("3 levels deep, more than the 2 allowed; refused (raise TSC_BOX_LAYER_MAX_DEPTH"), "{e}");
        assert_eq!(amount_var(|_| Some("100000".into()), MAX_DEPTH_VAR, DEFAULT_MAX_DEPTH).unwrap(), 100_000);
        assert!(matches!(amount_var(|_| Some("deep".into()), MAX_DEPTH_VAR, 1), Err(LimitError::BadSetting(MAX_DEPTH_VAR, _))));
    }

    /// A file whose offset stands at `at`, as the inflater's descriptor would after `at` bytes.
    fn blob_read_up_to(at: u64) -> std::fs::File {
        use std::io::{Seek, SeekFrom};
        let mut f = tempfile::tempfile().unwrap();
        f.seek(SeekFrom::Start(at)).unwrap();
        f
    }

    #[test]
    fn the_ratio_of_plain_to_compressed_bytes_is_checked_past_the_free_allowance() {
        let free = RATIO_FREE_BYTES;
        // 300 MiB of plain bytes from 1 MiB of blob: 300 times.
        let bomb = || watching_blob(blob_read_up_to(1 << 20), 100, || check_ratio(300 << 20));
        assert!(matches!(limit_of(&bomb().unwrap_err()), Some(LimitError::Ratio { plain, compressed: 1048576, max: 100 }) if *plain == 300 << 20));
        // Within the ratio, within the free allowance, turned off, or outside any unpacking.
        watching_blob(blob_read_up_to(4 << 20), 100, || check_ratio(300 << 20)).unwrap();
        watching_blob(blob_read_up_to(1), 100, || check_ratio(free)).unwrap();
        watching_blob(blob_read_up_to(1), 0, || check_ratio(300 << 20)).unwrap();
        check_ratio(300 << 20).unwrap();
    }

    #[test]
    fn the_meter_stops_a_stream_that_inflates_past_the_ratio() {
        let gate = Gate::default();
        gate.in_member();
        let zeros = io::repeat(0).take(RATIO_FREE_BYTES + 64 * RATIO_CHECK_EVERY);
        let e = watching_blob(blob_read_up_to(1 << 20), 100, || io::copy(&mut Meter::new(zeros, gate), &mut io::sink())).unwrap_err();
        match limit_of(&e) {
            Some(LimitError::Ratio { plain, .. }) => {
                assert!(*plain > RATIO_FREE_BYTES && *plain <= RATIO_FREE_BYTES + 2 * RATIO_CHECK_EVERY + (1 << 20), "{plain}")
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("raise TSC_BOX_LAYER_MAX_RATIO, or set it to 0"), "{e}");
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
