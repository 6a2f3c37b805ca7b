//! Making a layer from a container's overlay upper directory (what `tsc-box build` does after
//! each RUN or COPY), and assembling an image from layers and a config.
//!
//! The upper directory is hostile: a RUN step's processes wrote it, and may still have been
//! racing when it stopped. So the walk never follows a symlink (every open is `O_NOFOLLOW`
//! relative to the directory already open), checks that what it opens is what it listed
//! (device and inode), keeps at most three descriptors open whatever the depth (descending by
//! name, climbing by `..` with the same identity check as `tree::walk`), and counts entries,
//! bytes and depth against the same limits the unpacker applies: a layer this makes can always
//! be unpacked again.
//!
//! Overlay's marks become OCI's: a 0/0 character device (a deleted file) becomes a `.wh.NAME`
//! whiteout, a directory marked opaque (`trusted.overlay.opaque` or, in a user namespace,
//! `user.overlay.opaque`) is followed by `.wh..wh..opq`. Owners, modes, extended attributes
//! (other than overlay's own), hard links and modification times are kept. Entries are written
//! in byte order of their paths and, with an epoch (SOURCE_DATE_EPOCH), times are clamped to
//! it, so that the same tree gives the same layer digest.
mod archive;
mod assemble;
#[cfg(test)]
mod tests;

pub use archive::{is_archive, unpack_archive};
pub use assemble::{assemble, AssembleError, NewLayer};

use crate::digest::{Digest, HashingWriter};
use crate::store::{Store, StoreError};
use crate::tree::{id_of, is_dir, Id, DIR_FLAGS};
use crate::unpack::{check_depth, max_depth_from_env, Budget, LimitError, Limits};
use nix::errno::Errno;
use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fstat, fstatat, FileStat, Mode, SFlag};
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::{BufWriter, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("{}: {errno}", crate::escape::escape_str(path))]
    Walk { path: String, errno: Errno },
    #[error("{}: changed while the layer was being made", crate::escape::escape_str(.0))]
    Changed(String),
    #[error("{}: a name beginning with .wh. cannot go into a layer (OCI reserves it for deletions)", crate::escape::escape_str(.0))]
    ReservedName(String),
    #[error("{}: a directory renamed or copied up by metadata only (overlay redirect_dir or metacopy) cannot be turned into a layer", crate::escape::escape_str(.0))]
    Redirect(String),
    #[error("{0}")]
    Limit(#[from] LimitError),
    #[error("writing the layer {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The rootless helper failed (its message).
    #[error("{0}")]
    Helper(String),
}

#[derive(Debug, Clone, Default)]
pub struct LayerOptions {
    /// SOURCE_DATE_EPOCH: no time in the layer is later than this.
    pub epoch: Option<u64>,
    /// Paths (relative to the upper) left out when they are empty regular files or empty
    /// directories: the mount points the runtime made for /etc/hosts and the like, or for a
    /// RUN step's cache and bind mounts, which are no change of the step's.
    pub skip_empty: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct MadeLayer {
    /// The compressed blob's digest (already in the store).
    pub digest: Digest,
    pub size: u64,
    /// The uncompressed tar's digest.
    pub diff_id: Digest,
    /// Entries written (0: the upper held no change).
    pub entries: u64,
}

impl MadeLayer {
    /// One line, as the rootless helper prints it: `DIGEST SIZE DIFF_ID ENTRIES`.
    pub fn line(&self) -> String {
        format!("{} {} {} {}", self.digest, self.size, self.diff_id, self.entries)
    }

    pub fn parse_line(s: &str) -> Option<MadeLayer> {
        let mut f = s.split(' ');
        let m = MadeLayer {
            digest: Digest::parse(f.next()?).ok()?,
            size: f.next()?.parse().ok()?,
            diff_id: Digest::parse(f.next()?).ok()?,
            entries: f.next()?.parse().ok()?,
        };
        f.next().is_none().then_some(m)
    }
}

/// What the walk found at one path, with what the tar needs to say about it.
struct Found {
    st: FileStat,
    kind: SFlag,
}

fn kind_of(st: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits())
}

fn is_overlay_xattr(name: &[u8]) -> bool {
    name.starts_with(b"trusted.overlay.") || name.starts_with(b"user.overlay.")
}

/// The extended attributes of an open file, overlay's own left out, sorted by name.
/// Extended attributes: (name, value) pairs.
type Xattrs = Vec<(Vec<u8>, Vec<u8>)>;

fn xattrs(fd: &OwnedFd) -> Result<Xattrs, Errno> {
    let mut names = vec![0u8; 4096];
    let n = loop {
        // SAFETY: the buffer is valid for names.len() bytes, which flistxattr writes at most;
        // no pointer is kept.
        let n = unsafe { libc::flistxattr(fd.as_raw_fd(), names.as_mut_ptr().cast(), names.len()) };
        if n >= 0 {
            break n as usize;
        }
        match Errno::last() {
            Errno::ERANGE if names.len() < 1 << 20 => names.resize(names.len() * 4, 0),
            Errno::ENOTSUP => return Ok(Vec::new()),
            e => return Err(e),
        }
    };
    let mut out = Vec::new();
    for name in names[..n].split(|b| *b == 0).filter(|s| !s.is_empty()) {
        if is_overlay_xattr(name) {
            continue;
        }
        let c = std::ffi::CString::new(name).map_err(|_| Errno::EINVAL)?;
        let mut val = vec![0u8; 256];
        let len = loop {
            // SAFETY: `c` is NUL-terminated and alive; the buffer is valid for val.len() bytes,
            // which fgetxattr writes at most.
            let n = unsafe { libc::fgetxattr(fd.as_raw_fd(), c.as_ptr(), val.as_mut_ptr().cast(), val.len()) };
            if n >= 0 {
                break n as usize;
            }
            match Errno::last() {
                // A value is at most 64 KiB (XATTR_SIZE_MAX).
                Errno::ERANGE if val.len() < 1 << 17 => val.resize(val.len() * 4, 0),
                Errno::ENODATA => break usize::MAX,
                e => return Err(e),
            }
        };
        if len != usize::MAX {
            val.truncate(len);
            out.push((name.to_vec(), val));
        }
    }
    out.sort();
    Ok(out)
}

/// One overlay mark on a directory: `y` means opaque; a redirect or metacopy cannot be told
/// in a layer.
fn dir_mark(fd: &OwnedFd, name: &std::ffi::CStr) -> Result<Option<u8>, Errno> {
    let mut buf = [0u8; 4];
    // SAFETY: `name` is NUL-terminated; buf is valid for 4 bytes, which fgetxattr writes at most.
    let n = unsafe { libc::fgetxattr(fd.as_raw_fd(), name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if n >= 0 {
        return Ok(Some(if n >= 1 { buf[0] } else { 0 }));
    }
    match Errno::last() {
        Errno::ENODATA | Errno::ENOTSUP => Ok(None),
        // Longer than a flag: a redirect path.
        Errno::ERANGE => Ok(Some(0)),
        e => Err(e),
    }
}

fn is_opaque(fd: &OwnedFd, path: &str) -> Result<bool, LayerError> {
    let walk = |errno| LayerError::Walk { path: path.to_string(), errno };
    for redirect in [c"trusted.overlay.redirect", c"user.overlay.redirect", c"trusted.overlay.metacopy", c"user.overlay.metacopy"] {
        if dir_mark(fd, redirect).map_err(walk)?.is_some() {
            return Err(LayerError::Redirect(path.to_string()));
        }
    }
    for opaque in [c"trusted.overlay.opaque", c"user.overlay.opaque"] {
        if dir_mark(fd, opaque).map_err(walk)? == Some(b'y') {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The names in a directory, sorted by bytes, without `.` and `..`.
/// Whether the directory `fd` (at `path`) holds only mount stubs: entries of `stubs` that are
/// empty regular files or directories holding only stubs in turn (a secret's
/// `/run/secrets/ID` leaves `/run/secrets` and `/run` behind, made only to mount it).
fn only_stubs(fd: &OwnedFd, path: &Path, stubs: &[PathBuf]) -> Result<bool, Errno> {
    for name in list(fd)? {
        let child = path.join(&name);
        if !stubs.contains(&child) {
            return Ok(false);
        }
        let st = fstatat(fd, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)?;
        match SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT {
            SFlag::S_IFREG if st.st_size == 0 => {}
            SFlag::S_IFDIR => {
                let sub = openat(fd, name.as_os_str(), DIR_FLAGS, Mode::empty())?;
                if !only_stubs(&sub, &child, stubs)? {
                    return Ok(false);
                }
            }
            _ => return Ok(false),
        }
    }
    Ok(true)
}

fn list(fd: &OwnedFd) -> Result<Vec<OsString>, Errno> {
    let mut d = nix::dir::Dir::openat(fd, ".", DIR_FLAGS, Mode::empty())?;
    let mut names = Vec::new();
    for e in d.iter() {
        let e = e?;
        let n = e.file_name().to_bytes();
        if n != b"." && n != b".." {
            names.push(OsStr::from_bytes(n).to_os_string());
        }
    }
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    Ok(names)
}

struct Frame {
    /// This directory's path in the layer (empty for the top), with a trailing '/' otherwise.
    prefix: Vec<u8>,
    id: Id,
    /// The names still to visit, in reverse order (popped from the end).
    pending: Vec<OsString>,
}

/// One change of an upper directory, as `tsc-box diff` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Relative to the root, without a leading `/`.
    pub path: PathBuf,
    /// A deletion (a whiteout), else an entry the upper holds.
    pub deleted: bool,
}

struct Writer<W: Write> {
    tar: tar::Builder<W>,
    /// Listing only (diff): entries recorded here, nothing read or written.
    listing: Option<Vec<Change>>,
    skip_empty: Vec<PathBuf>,
    epoch: Option<u64>,
    budget: Budget,
    max_depth: u64,
    /// (device, inode) of files with more than one link, to the first path written.
    links: HashMap<(u64, u64), PathBuf>,
    entries: u64,
    /// `tsc-box cp` (`copy_tar`): names and devices as they are (no overlay marks), and no
    /// descent into the kernel's pseudo filesystems (/proc, /sys) of a running container.
    copy: bool,
    /// The (uid, gid) written for an entry's owner.
    ids: Option<crate::unpack::OwnerMap>,
}

impl<W: Write> Writer<W> {
    fn time(&self, t: i64) -> u64 {
        let t = t.max(0) as u64;
        self.epoch.map_or(t, |e| t.min(e))
    }

    fn header(&self, kind: tar::EntryType, st: &FileStat, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(st.st_mode & 0o7777);
        let (uid, gid) = self.ids.as_ref().map_or((st.st_uid, st.st_gid), |f| f(st.st_uid, st.st_gid));
        h.set_uid(uid.into());
        h.set_gid(gid.into());
        h.set_mtime(self.time(st.st_mtime));
        h.set_size(size);
        h
    }

    fn io(&self, e: std::io::Error) -> LayerError {
        LayerError::Io(PathBuf::from("(layer)"), e)
    }

    fn pax(&mut self, attrs: &[(Vec<u8>, Vec<u8>)]) -> Result<(), LayerError> {
        if attrs.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = attrs.iter().map(|(k, _)| format!("SCHILY.xattr.{}", String::from_utf8_lossy(k))).collect();
        let r = self.tar.append_pax_extensions(keys.iter().map(String::as_str).zip(attrs.iter().map(|(_, v)| v.as_slice())));
        r.map_err(|e| self.io(e))
    }

    fn admit(&mut self, path: &str, size: u64) -> Result<(), LayerError> {
        self.entries += 1;
        let depth = path.trim_end_matches('/').split('/').count();
        check_depth(|| path.to_string(), depth, self.max_depth)?;
        Ok(self.budget.admit(|| path.to_string(), size)?)
    }

    /// A deletion: `.wh.NAME` beside where NAME was.
    fn whiteout(&mut self, prefix: &[u8], name: &OsStr, st: &FileStat) -> Result<(), LayerError> {
        let path = PathBuf::from(OsStr::from_bytes(&[prefix, b".wh.", name.as_bytes()].concat()));
        self.admit(&path.to_string_lossy(), 0)?;
        let mut h = self.header(tar::EntryType::Regular, st, 0);
        h.set_mode(0o644);
        self.tar.append_data(&mut h, &path, std::io::empty()).map_err(|e| self.io(e))
    }

    /// Writes the entry `name` of the directory `dir` (at `prefix`, called `as_name` there);
    /// returns the directory it opened when the entry is one, to descend into.
    fn entry(&mut self, dir: &OwnedFd, prefix: &[u8], name: &OsStr, as_name: &[u8]) -> Result<Option<(OwnedFd, Id, Vec<u8>)>, LayerError> {
        let bytes = as_name;
        // The name as the tar holds it: any bytes (the tar crate writes byte paths); shown
        // lossily in messages.
        let path = PathBuf::from(OsStr::from_bytes(&[prefix, bytes].concat()));
        let shown = path.to_string_lossy().into_owned();
        let walk = |errno| LayerError::Walk { path: shown.clone(), errno };
        let st = match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(e) => return Err(walk(e)),
        };
        let f = Found { kind: kind_of(&st), st };
        if let Some(list) = self.listing.as_mut() {
            let deleted = f.kind == SFlag::S_IFCHR && f.st.st_rdev == 0;
            list.push(Change { path: path.clone(), deleted });
            if f.kind != SFlag::S_IFDIR {
                return Ok(None);
            }
            let fd = openat(dir, name, DIR_FLAGS, Mode::empty()).map_err(walk)?;
            let now = fstat(&fd).map_err(walk)?;
            if id_of(&now) != id_of(&f.st) {
                return Err(LayerError::Changed(shown.clone()));
            }
            let dir_path = [path.as_os_str().as_bytes(), b"/"].concat();
            return Ok(Some((fd, id_of(&now), dir_path)));
        }
        if f.kind == SFlag::S_IFCHR && f.st.st_rdev == 0 && !self.copy {
            return self.whiteout(prefix, name, &f.st).map(|_| None);
        }
        if bytes.starts_with(b".wh.") && !self.copy {
            return Err(LayerError::ReservedName(shown.clone()));
        }
        match f.kind {
            SFlag::S_IFDIR => {
                let fd = openat(dir, name, DIR_FLAGS, Mode::empty()).map_err(walk)?;
                let now = fstat(&fd).map_err(walk)?;
                if id_of(&now) != id_of(&f.st) {
                    return Err(LayerError::Changed(shown.clone()));
                }
                if self.skip_empty.contains(&path) && only_stubs(&fd, &path, &self.skip_empty).map_err(walk)? {
                    return Ok(None);
                }
                let dir_path = [path.as_os_str().as_bytes(), b"/"].concat();
                self.admit(&shown, 0)?;
                let attrs = xattrs(&fd).map_err(walk)?;
                let opaque = !self.copy && is_opaque(&fd, &shown)?;
                self.pax(&attrs)?;
                let mut h = self.header(tar::EntryType::Directory, &f.st, 0);
                self.tar.append_data(&mut h, &path, std::io::empty()).map_err(|e| self.io(e))?;
                if opaque {
                    let opq = PathBuf::from(OsStr::from_bytes(&[&dir_path[..], b".wh..wh..opq"].concat()));
                    self.admit(&opq.to_string_lossy(), 0)?;
                    let mut h = self.header(tar::EntryType::Regular, &f.st, 0);
                    h.set_mode(0o644);
                    self.tar.append_data(&mut h, &opq, std::io::empty()).map_err(|e| self.io(e))?;
                }
                if self.copy && crate::tree::is_pseudo_fs(&fd) {
                    // Its entry, not its content: docker cp copies nothing of /proc or /sys.
                    return Ok(None);
                }
                let id = id_of(&now);
                return Ok(Some((fd, id, dir_path)));
            }
            SFlag::S_IFREG => {
                let size = f.st.st_size as u64;
                if size == 0 && self.skip_empty.contains(&path) {
                    return Ok(None);
                }
                self.admit(&shown, size)?;
                if f.st.st_nlink > 1 {
                    let key = (f.st.st_dev, f.st.st_ino);
                    if let Some(first) = self.links.get(&key).cloned() {
                        let mut h = self.header(tar::EntryType::Link, &f.st, 0);
                        return self.tar.append_link(&mut h, &path, first).map(|_| None).map_err(|e| self.io(e));
                    }
                    self.links.insert(key, path.clone());
                }
                // O_NONBLOCK: a FIFO swapped in meanwhile must not block the open.
                let flags = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
                let fd = openat(dir, name, flags, Mode::empty()).map_err(walk)?;
                let now = fstat(&fd).map_err(walk)?;
                if id_of(&now) != id_of(&f.st) || kind_of(&now) != SFlag::S_IFREG || now.st_size != f.st.st_size {
                    return Err(LayerError::Changed(shown.clone()));
                }
                let attrs = xattrs(&fd).map_err(walk)?;
                self.pax(&attrs)?;
                let mut h = self.header(tar::EntryType::Regular, &f.st, size);
                let file = std::fs::File::from(fd);
                // Exactly the size announced: a file that shrinks meanwhile is refused.
                let mut counted = Counted { inner: file.take(size), n: 0 };
                self.tar.append_data(&mut h, &path, &mut counted).map_err(|e| self.io(e))?;
                if counted.n != size {
                    return Err(LayerError::Changed(shown.clone()));
                }
            }
            SFlag::S_IFLNK => {
                self.admit(&shown, 0)?;
                let target = readlinkat(dir, name).map_err(walk)?;
                let mut h = self.header(tar::EntryType::Symlink, &f.st, 0);
                if target.as_bytes().len() <= 100 {
                    // As it is, byte for byte: append_link would write a target of `/` as `//`.
                    h.set_link_name_literal(target.as_bytes()).map_err(|e| self.io(e))?;
                    self.tar.append_data(&mut h, &path, std::io::empty()).map_err(|e| self.io(e))?;
                } else {
                    self.tar.append_link(&mut h, &path, Path::new(&target)).map_err(|e| self.io(e))?;
                }
            }
            SFlag::S_IFCHR | SFlag::S_IFBLK | SFlag::S_IFIFO => {
                self.admit(&shown, 0)?;
                let kind = match f.kind {
                    SFlag::S_IFCHR => tar::EntryType::Char,
                    SFlag::S_IFBLK => tar::EntryType::Block,
                    _ => tar::EntryType::Fifo,
                };
                let mut h = self.header(kind, &f.st, 0);
                if f.kind != SFlag::S_IFIFO {
                    h.set_device_major(nix::sys::stat::major(f.st.st_rdev) as u32).map_err(|e| self.io(e))?;
                    h.set_device_minor(nix::sys::stat::minor(f.st.st_rdev) as u32).map_err(|e| self.io(e))?;
                }
                self.tar.append_data(&mut h, &path, std::io::empty()).map_err(|e| self.io(e))?;
            }
            // Sockets live only while their process does; docker leaves them out too.
            _ => {}
        }
        Ok(None)
    }
}

/// Counts what a reader gave, to tell a file that shrank while it was read.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

/// Walks `upper` in path order, writing each entry to `w`; returns how many were written.
fn write_tar<W: Write>(upper: &Path, opts: &LayerOptions, limits: Limits, w: W) -> Result<(u64, W), LayerError> {
    walk_upper(upper, opts, limits, w, false).map(|(n, w, _)| (n, w))
}

fn walk_upper<W: Write>(upper: &Path, opts: &LayerOptions, limits: Limits, w: W, listing: bool) -> Result<(u64, W, Vec<Change>), LayerError> {
    let top = nix::fcntl::open(upper, DIR_FLAGS, Mode::empty()).map_err(|e| LayerError::Walk { path: upper.display().to_string(), errno: e })?;
    let top_st = fstat(&top).map_err(|e| LayerError::Walk { path: upper.display().to_string(), errno: e })?;
    if !is_dir(&top_st) {
        return Err(LayerError::Walk { path: upper.display().to_string(), errno: Errno::ENOTDIR });
    }
    let mut wr = Writer::new(w, limits, false, None)?;
    wr.listing = listing.then(Vec::new);
    wr.skip_empty = opts.skip_empty.clone();
    wr.epoch = opts.epoch;
    wr.walk(top, id_of(&top_st), Vec::new())?;
    let entries = wr.entries;
    let listing = wr.listing.take().unwrap_or_default();
    let w = wr.tar.into_inner().map_err(|e| LayerError::Io(upper.to_path_buf(), e))?;
    Ok((entries, w, listing))
}

impl<W: Write> Writer<W> {
    fn new(w: W, limits: Limits, copy: bool, ids: Option<crate::unpack::OwnerMap>) -> Result<Self, LayerError> {
        let mut tar = tar::Builder::new(w);
        tar.mode(tar::HeaderMode::Complete);
        Ok(Writer {
            tar,
            listing: None,
            skip_empty: Vec::new(),
            epoch: None,
            budget: Budget::new(limits),
            max_depth: max_depth_from_env()?,
            links: HashMap::new(),
            entries: 0,
            copy,
            ids,
        })
    }

    /// Writes what is below the directory `top` (at `prefix` in the tar), depth first in
    /// path order, in bounded descriptors.
    fn walk(&mut self, top: OwnedFd, top_id: Id, prefix: Vec<u8>) -> Result<(), LayerError> {
        let walk_err = |path: &[u8], errno| LayerError::Walk { path: String::from_utf8_lossy(path).into_owned(), errno };
        let mut pending = list(&top).map_err(|e| walk_err(if prefix.is_empty() { b"/" } else { &prefix }, e))?;
        pending.reverse();
        let mut stack = vec![Frame { prefix, id: top_id, pending }];
        let mut cur = top;
        loop {
            let frame = stack.last_mut().expect("the top is popped last");
            if let Some(name) = frame.pending.pop() {
                let prefix = frame.prefix.clone();
                if let Some((fd, id, dir_path)) = self.entry(&cur, &prefix, &name, name.as_bytes())? {
                    let mut pending = list(&fd).map_err(|e| walk_err(&dir_path, e))?;
                    pending.reverse();
                    stack.push(Frame { prefix: dir_path, id, pending });
                    cur = fd;
                }
                continue;
            }
            if stack.len() == 1 {
                return Ok(());
            }
            let done = stack.pop().expect("more than the top");
            let parent = openat(&cur, "..", DIR_FLAGS, Mode::empty()).map_err(|e| walk_err(&done.prefix, e))?;
            let parent_id = id_of(&fstat(&parent).map_err(|e| walk_err(&done.prefix, e))?);
            if parent_id != stack.last().expect("the top stays").id {
                // Moved while we were below it: climbing on would leave the tree.
                return Err(LayerError::Changed(String::from_utf8_lossy(&done.prefix).into_owned()));
            }
            cur = parent;
        }
    }
}

/// Where `copy_tar` starts.
pub enum CopyFrom<'a> {
    /// What is in this directory, without the directory itself (docker cp's `SRC/.`).
    Contents(&'a OwnedFd),
    /// The entry `name` of the directory `parent` (and all below it), named `as_name` in
    /// the tar.
    Entry { parent: &'a OwnedFd, name: &'a OsStr, as_name: &'a [u8] },
}

/// The tar `tsc-box cp` copies (a container's files, or the caller's): the same walk as a
/// layer's (never following a symlink, every open checked against what was listed), names
/// and devices as they are, `ids` choosing the owners written. Returns the entries written.
pub fn copy_tar<W: Write>(from: CopyFrom<'_>, ids: Option<crate::unpack::OwnerMap>, w: W) -> Result<(u64, W), LayerError> {
    let unlimited = Limits { max_bytes: u64::MAX, max_entries: u64::MAX, max_file_bytes: u64::MAX };
    let mut wr = Writer::new(w, unlimited, true, ids)?;
    match from {
        CopyFrom::Contents(dir) => {
            let walk = |errno| LayerError::Walk { path: "/".into(), errno };
            let top = openat(dir, ".", DIR_FLAGS, Mode::empty()).map_err(walk)?;
            let id = id_of(&fstat(&top).map_err(walk)?);
            wr.walk(top, id, Vec::new())?;
        }
        CopyFrom::Entry { parent, name, as_name } => {
            if let Some((fd, id, dir_path)) = wr.entry(parent, b"", name, as_name)? {
                wr.walk(fd, id, dir_path)?;
            }
        }
    }
    let entries = wr.entries;
    let w = wr.tar.into_inner().map_err(|e| LayerError::Io(PathBuf::from("(copy)"), e))?;
    Ok((entries, w))
}

/// The changes an upper directory holds (its entries and whiteouts), in path order, without
/// reading any file: what `tsc-box diff` compares with the image's layers.
pub fn changes(upper: &Path) -> Result<Vec<Change>, LayerError> {
    walk_upper(upper, &LayerOptions::default(), Limits::from_env()?, std::io::sink(), true).map(|(_, _, c)| c)
}

/// Writes the tar of the tree `dir` (a merged root filesystem: `tsc-box export`) to `out`.
pub fn tar_to(dir: &Path, out: &mut dyn Write) -> Result<u64, LayerError> {
    let mut buf = std::io::BufWriter::with_capacity(1 << 18, out);
    let (n, _) = write_tar(dir, &LayerOptions::default(), Limits::from_env()?, &mut buf)?;
    buf.flush().map_err(|e| LayerError::Io(dir.to_path_buf(), e))?;
    Ok(n)
}

/// Makes a gzip layer of the changes in `upper` and puts its blob into the store. A rootless
/// store's upper was written in a user namespace (a RUN step's container), so its files belong
/// on the host to the user and its subordinate ids: the layer is made by the store's helper in
/// a user namespace with the same maps, where they read as the container's own ids (uid 1000
/// inside is 1000 in the layer, the user's files are root's), and it can read them all.
pub fn from_upper(store: &Store, upper: &Path, opts: &LayerOptions) -> Result<MadeLayer, LayerError> {
    match store.helper() {
        Some(h) => h.layer_from_upper(store.root(), upper, opts),
        None => from_upper_here(store, upper, opts),
    }
}

fn from_upper_here(store: &Store, upper: &Path, opts: &LayerOptions) -> Result<MadeLayer, LayerError> {
    let _writer = store.writer_guard()?;
    let mut tmp = store.temp_file()?;
    let path = tmp.path.clone();
    let io = |e: std::io::Error| LayerError::Io(path.clone(), e);
    let file = tmp.file.as_ref().expect("fresh temp file");
    let compressed = HashingWriter::new(BufWriter::with_capacity(1 << 18, file));
    let gz = flate2::GzBuilder::new().mtime(0).write(compressed, flate2::Compression::new(6));
    let (entries, plain) = write_tar(upper, opts, Limits::from_env()?, HashingWriter::new(gz))?;
    let (gz, diff_id, _) = plain.finish();
    let compressed = gz.finish().map_err(io)?;
    let (mut buf, digest, size) = compressed.finish();
    buf.flush().map_err(io)?;
    drop(buf);
    if !store.has_blob(&digest, size) {
        store.persist(&mut tmp, &digest)?;
    }
    Ok(MadeLayer { digest, size, diff_id, entries })
}

/// The plain tar of `upper`'s changes (tests and `tsc-box diff`-like listings).
pub fn tar_of(upper: &Path, opts: &LayerOptions) -> Result<(u64, Vec<u8>), LayerError> {
    write_tar(upper, opts, Limits::from_env()?, Vec::new())
}
