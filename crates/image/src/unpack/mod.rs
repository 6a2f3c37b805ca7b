//! Layer unpacking: a (gzip, zstd or plain) tar stream is applied to a fresh directory with
//! every path controlled by us, its uncompressed digest checked against the layer's diff_id
//! and its compressed digest against the blob's, and only then renamed to its final name.
mod apply;
mod durable;
mod follow;
mod fsops;
mod limits;
mod path;
mod pipeline;
mod privilege;

use crate::digest::Digest;
use apply::{Applier, Member};
pub use apply::{OwnerMap, Report};
pub use limits::{check_depth, max_depth_from_env, Budget, ImageTally, LimitError, Limits, IMAGE_BYTES_USED_VAR, IMAGE_MAX_BYTES_VAR};
use nix::errno::Errno;
pub use privilege::Privilege;
use std::io::{self, BufRead, Read};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("layer entry {0}: {1}")]
    BadPath(String, &'static str),
    #[error("layer entry {0} would be written through a symlink or a non-directory; refused")]
    ThroughNonDirectory(String),
    /// `tsc-box cp` never turns a directory into a file or a file into a directory.
    #[error("cannot overwrite {1} {0} with {2}")]
    Overwrite(String, &'static str, &'static str),
    #[error("layer entry {0} is a hard link to {1}, which is not a file earlier in the same layer")]
    BadLink(String, String),
    #[error("layer entry {0}: unsupported tar entry type {1}")]
    UnsupportedEntry(String, String),
    #[error("layer entry {0}: cannot create the overlayfs whiteout (needs root or a user namespace): {1}")]
    Whiteout(String, Errno),
    #[error("layer entry {0} belongs to {1}:{2}, an id outside the user namespace's maps (give the user a larger range in /etc/subuid and /etc/subgid)")]
    UnmappedOwner(String, u32, u32),
    #[error("layer entry {0} is truncated: the archive ends before its data does")]
    Truncated(String),
    #[error("layer entry {0}: {1}")]
    Fs(String, Errno),
    #[error("reading layer entry {0}: {1}")]
    Read(String, io::Error),
    // The tar reader's messages quote header fields (the member's name among them).
    #[error("the layer is not a valid tar archive: {}", crate::escape::escape_str(&.0.to_string()))]
    Tar(io::Error),
    #[error("the layer's content does not match its diff_id: expected {expected}, got {actual}")]
    DiffId { expected: Digest, actual: Digest },
    #[error("the layer blob does not match its descriptor: expected {expected} ({expected_size} bytes), got {actual} ({actual_size} bytes)")]
    Blob { expected: Digest, expected_size: u64, actual: Digest, actual_size: u64 },
    #[error("{0}")]
    Limit(#[from] limits::LimitError),
    #[error("{0}: {1}")]
    Io(PathBuf, io::Error),
    /// Reported by the rootless unpacking helper (store::helper), its message as it gave it.
    #[error("{0}")]
    Helper(String),
    /// The helper found that the content does not match its digests.
    #[error("{0}")]
    ContentMismatch(String),
    #[error("{0} (and its temporary directory could not be removed: {1})")]
    Cleanup(Box<UnpackError>, io::Error),
}

impl UnpackError {
    /// The content itself is wrong (not the disk, not the download): retrying will not help.
    pub fn is_content_mismatch(&self) -> bool {
        match self {
            UnpackError::Cleanup(inner, _) => inner.is_content_mismatch(),
            e => matches!(e, UnpackError::Blob { .. } | UnpackError::DiffId { .. } | UnpackError::ContentMismatch(_)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    /// bzip2 and xz: docker unpacks them for ADD and load (and as layers, which it also
    /// accepts); no OCI media type names them.
    Bzip2,
    Xz,
}

/// The most an xz block's decoder may allocate: a hostile header may ask for a 4 GiB
/// dictionary, and xz's own largest preset (-9) needs 64 MiB.
const XZ_MEMORY_LIMIT_KIB: u32 = 256 * 1024;

/// The compression is read from the content's magic bytes rather than trusted from a media
/// type: docker-archive layers carry none, and registries are known to mislabel.
pub fn detect(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else if head.starts_with(b"BZh") {
        Compression::Bzip2
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Compression::Xz
    } else {
        Compression::None
    }
}

pub fn decoder<'a, R: BufRead + 'a>(c: Compression, r: R) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match c {
        Compression::None => Box::new(r),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(r)?),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(r)),
        Compression::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(r, true, XZ_MEMORY_LIMIT_KIB)),
    })
}

/// A read error of the tar stream: a limit the Meter enforced, or a broken archive.
fn tar_err(e: io::Error) -> UnpackError {
    limits::take_limit(e).map_or_else(UnpackError::Tar, UnpackError::Limit)
}

fn member<R: Read>(e: &mut tar::Entry<'_, R>) -> Result<Member, UnpackError> {
    let raw = e.path_bytes().into_owned();
    let path = path::CleanPath::parse(&raw)?;
    let h = e.header();
    let kind = h.entry_type();
    let mut m = Member {
        kind,
        mode: h.mode().map_err(UnpackError::Tar)?,
        uid: h.uid().map_err(UnpackError::Tar)? as u32,
        gid: h.gid().map_err(UnpackError::Tar)? as u32,
        mtime: h.mtime().map_err(UnpackError::Tar)? as i64,
        size: e.size(),
        link: e.link_name_bytes().map(|l| l.into_owned()),
        dev: (h.device_major().ok().flatten().unwrap_or(0), h.device_minor().ok().flatten().unwrap_or(0)),
        xattrs: Vec::new(),
        path,
    };
    if let Ok(Some(exts)) = e.pax_extensions() {
        for ext in exts {
            let ext = ext.map_err(UnpackError::Tar)?;
            let Ok(key) = ext.key() else { continue };
            let num = || std::str::from_utf8(ext.value_bytes()).ok().and_then(|s| s.split('.').next()?.parse::<i64>().ok());
            match key {
                "uid" => m.uid = num().unwrap_or(m.uid as i64) as u32,
                "gid" => m.gid = num().unwrap_or(m.gid as i64) as u32,
                "mtime" => m.mtime = num().unwrap_or(m.mtime),
                k if k.starts_with("SCHILY.xattr.") => m.xattrs.push((k["SCHILY.xattr.".len()..].to_string(), ext.value_bytes().to_vec())),
                _ => {}
            }
        }
    }
    Ok(m)
}

/// Applies a plain tar stream to the directory `root`. Exposed for tests and for callers that
/// already decompressed.
pub fn apply_tar<R: Read>(reader: R, root: &OwnedFd) -> Result<Report, UnpackError> {
    apply_tar_as(reader, root, Privilege::current())
}

/// `privilege`: what of ownership, device nodes and overlay xattrs can be applied.
pub fn apply_tar_as<R: Read>(reader: R, root: &OwnedFd, privilege: Privilege) -> Result<Report, UnpackError> {
    let mut applier = Applier::new(root, privilege)?;
    apply_members(&mut applier, reader, Limits::from_env()?)?;
    applier.finish()?;
    Ok(applier.report)
}

/// `tsc-box cp`: applies a plain tar stream to the existing directory `dir` (see
/// `Applier::for_copy`), with the same refusals as a layer's (no `..`, nothing written
/// through a symlink or outside `dir`). No size limits: the caller chose what to copy; the
/// depth limit stays (it bounds memory).
pub fn extract_tar<R: Read>(reader: R, dir: &OwnedFd, owner: Option<OwnerMap>) -> Result<Report, UnpackError> {
    let mut applier = Applier::for_copy(dir, Privilege::current(), owner)?;
    let unlimited = Limits { max_bytes: u64::MAX, max_entries: u64::MAX, max_file_bytes: u64::MAX };
    apply_members(&mut applier, reader, unlimited)?;
    applier.finish()?;
    Ok(applier.report)
}

/// The member loop, within the decompression-bomb `limits`.
fn apply_members<R: Read>(applier: &mut Applier<'_>, reader: R, limits: Limits) -> Result<(), UnpackError> {
    apply_members_within(applier, reader, limits, limits::max_depth_from_env()?)
}

/// As `apply_members`, with entries at most `max_depth` components deep.
fn apply_members_within<R: Read>(applier: &mut Applier<'_>, reader: R, limits: Limits, max_depth: u64) -> Result<(), UnpackError> {
    let gate = limits::Gate::default();
    let mut budget = limits::Budget::new(limits);
    let mut ar = tar::Archive::new(limits::Meter::new(reader, gate.clone()));
    let mut entries = ar.entries().map_err(tar_err)?;
    loop {
        gate.between_members();
        let Some(entry) = entries.next() else { return Ok(()) };
        gate.in_member();
        let mut entry = entry.map_err(tar_err)?;
        let m = member(&mut entry)?;
        limits::check_depth(|| m.path.display(), m.path.0.len(), max_depth)?;
        budget.admit(|| m.path.display(), m.size)?;
        applier.apply(&m, &mut entry)?;
        // Data the applier left (a skipped device node's) is read here, not as the next header.
        io::copy(&mut entry, &mut io::sink()).map_err(|e| UnpackError::Read(m.path.display(), e))?;
    }
}

/// The descriptor of the blob to unpack: its digest and size, and the diff_id the image
/// config promises for its uncompressed content.
pub struct LayerSource<'a> {
    pub blob: &'a Path,
    pub digest: &'a Digest,
    pub size: u64,
    pub diff_id: &'a Digest,
    /// The blob is still being written (a download): follow it until `size` bytes, failing
    /// when this flag is set.
    pub follow: Option<&'a std::sync::atomic::AtomicBool>,
}

/// The temporary directory of one unpacking: unique within this process too, as a program
/// embedding the engine (the SDK) may unpack the same layer twice at once.
fn temp_name(diff_hex: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(".tmp-{diff_hex}-{}-{n}", std::process::id())
}

/// Unpacks the layer into `dest` (which must not exist) through a temporary sibling directory
/// that is removed on any failure; `dest` appears only complete and verified.
pub fn unpack_layer(src: &LayerSource<'_>, dest: &Path) -> Result<Report, UnpackError> {
    let file = std::fs::File::open(src.blob).map_err(|e| UnpackError::Io(src.blob.to_path_buf(), e))?;
    unpack_layer_file(file, src, dest)
}

/// As `unpack_layer`, from a blob file already open (it may be renamed meanwhile).
pub fn unpack_layer_file(file: std::fs::File, src: &LayerSource<'_>, dest: &Path) -> Result<Report, UnpackError> {
    let parent = dest.parent().unwrap_or(Path::new("/"));
    let tmp = parent.join(temp_name(&src.diff_id.hex()));
    // A leftover of a killed unpacking of ours (same pid: a recycled one).
    crate::tree::remove_tree(&tmp).map_err(|e| UnpackError::Io(tmp.clone(), e))?;
    std::fs::create_dir(&tmp).map_err(|e| UnpackError::Io(tmp.clone(), e))?;
    let result = unpack_into(file, src, &tmp).and_then(|report| {
        durable::sync_layer(&tmp, report.entries, src.size).map_err(|e| UnpackError::Io(tmp.clone(), e))?;
        match std::fs::rename(&tmp, dest) {
            // Its name is made durable by the store, with every other new one, before an
            // index names it (store::records' write_index).
            Ok(()) => Ok(report),
            // Someone else unpacked the same diff_id meanwhile: theirs is as good as ours.
            Err(_) if dest.is_dir() => crate::tree::remove_tree(&tmp).map(|_| report).map_err(|e| UnpackError::Io(tmp.clone(), e)),
            Err(e) => Err(UnpackError::Io(dest.to_path_buf(), e)),
        }
    });
    match result {
        // The unpacking's own error is what the user must see; a failure to remove what it
        // left is said beside it (gc removes it later).
        Err(e) => match crate::tree::remove_tree(&tmp) {
            Ok(_) => Err(e),
            Err(r) => Err(UnpackError::Cleanup(Box::new(e), r)),
        },
        ok => ok,
    }
}

fn unpack_into(file: std::fs::File, src: &LayerSource<'_>, dir: &Path) -> Result<Report, UnpackError> {
    let root: OwnedFd = std::fs::File::open(dir).map_err(|e| UnpackError::Io(dir.to_path_buf(), e))?.into();
    // A second descriptor of the blob shares its file offset: how far the inflater has read.
    let max_ratio = limits::max_ratio_from_env()?;
    let watch = file.try_clone().map_err(|e| UnpackError::Io(src.blob.to_path_buf(), e))?;
    let reader: Box<dyn Read + Send> = match src.follow {
        Some(abort) => Box::new(follow::FollowReader::new(file, src.size, abort)),
        None => Box::new(file),
    };
    limits::watching_blob(watch, max_ratio, || pipeline::unpack_stream(reader, src, |plain| apply_tar(plain, &root)))
}

#[cfg(test)]
mod bomb_tests;
#[cfg(test)]
mod deep_tests;
#[cfg(test)]
pub(crate) mod tests;
