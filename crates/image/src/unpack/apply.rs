//! Applies one tar member to a layer directory. Whiteouts become overlayfs whiteouts (a 0/0
//! character device, or `trusted.overlay.opaque=y` on a directory) because unpacked layers
//! are stacked as overlayfs lower directories.
use super::fsops::{is_dir, lstat_at, open_dir_at, remove_at, set_xattr_fd, Cursor};
use super::path::CleanPath;
use super::privilege::Privilege;
use super::UnpackError;
use crate::tree::{self, id_of, Id};
use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::fstat;
use nix::sys::stat::{fchmod, futimens, makedev, mkdirat, mknodat, utimensat, Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchown, fchownat, linkat, mkfifoat, symlinkat, Gid, Uid};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

const WHITEOUT_PREFIX: &[u8] = b".wh.";
const OPAQUE: &[u8] = b".wh..wh..opq";

/// Member metadata, extracted from the header and its PAX extensions.
pub struct Member {
    pub path: CleanPath,
    pub kind: tar::EntryType,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: i64,
    pub size: u64,
    pub link: Option<Vec<u8>>,
    pub dev: (u32, u32),
    pub xattrs: Vec<(String, Vec<u8>)>,
}

/// What applying a layer did that the caller may want to report.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Report {
    pub entries: u64,
    /// Device nodes left out because we are not root (they could not be created anyway).
    pub skipped_devices: u64,
    /// xattrs outside the allowed namespaces (user.*, security.capability) that were dropped.
    pub dropped_xattrs: u64,
}

/// In a user namespace, an id outside its maps cannot be given (EINVAL): say which.
fn owner_err(m: &Member, e: Errno) -> UnpackError {
    match e {
        Errno::EINVAL => UnpackError::UnmappedOwner(m.path.display(), m.uid, m.gid),
        e => UnpackError::Fs(m.path.display(), e),
    }
}

/// Directory metadata (mode, mtime) is applied after all members, deepest first: a 0555
/// directory must stay writable while its children are created, and creating children changes
/// its mtime. It is kept by the directory's identity, not its path: paths of a deep layer
/// would take memory quadratic in its depth.
#[derive(Debug, Clone, Copy)]
pub struct DeferredDir {
    pub mode: u32,
    pub mtime: i64,
}

/// The owner an entry is given from the archive's (uid, gid).
pub type OwnerMap = Box<dyn Fn(u32, u32) -> (u32, u32) + Send>;

pub struct Applier<'a> {
    pub root: &'a OwnedFd,
    pub privilege: Privilege,
    pub report: Report,
    pub dirs: HashMap<Id, DeferredDir>,
    pub(crate) cursor: Cursor,
    /// `tsc-box cp` into an existing tree (see `for_copy`), not a layer into a fresh one.
    copy: bool,
    /// Directories the archive named, by path (copy mode only).
    dir_paths: Vec<(CleanPath, DeferredDir)>,
    owner: Option<OwnerMap>,
}

impl<'a> Applier<'a> {
    pub fn new(root: &'a OwnedFd, privilege: Privilege) -> Result<Self, UnpackError> {
        let cursor = Cursor::new(root).map_err(|e| UnpackError::Fs("/".into(), e))?;
        Ok(Applier { root, privilege, report: Report::default(), dirs: HashMap::new(), cursor, copy: false, dir_paths: Vec::new(), owner: None })
    }

    /// For `tsc-box cp`: the archive goes into a directory that already holds other files
    /// (a container's, or the caller's). `.wh.` names are plain names, a directory is never
    /// replaced by a non-directory nor the reverse (docker's rule), the root entry's metadata
    /// is not applied to the directory copied into, directory metadata is applied to the
    /// directories the archive named only (never a walk of everything below the root), and
    /// `owner` (when given) chooses each entry's owner.
    pub fn for_copy(root: &'a OwnedFd, privilege: Privilege, owner: Option<OwnerMap>) -> Result<Self, UnpackError> {
        let mut a = Applier::new(root, privilege)?;
        a.copy = true;
        a.owner = owner;
        Ok(a)
    }

    fn ids(&self, m: &Member) -> (u32, u32) {
        self.owner.as_ref().map_or((m.uid, m.gid), |f| f(m.uid, m.gid))
    }

    /// Removes what is at `name` for a non-directory entry; in copy mode a directory there
    /// is an error instead.
    fn replace(&mut self, dir: &OwnedFd, name: &OsStr, whole: &CleanPath) -> Result<(), UnpackError> {
        if self.copy && lstat_at(dir, name).is_some_and(|st| is_dir(&st)) {
            return Err(UnpackError::Overwrite(whole.display(), "directory", "a non-directory"));
        }
        self.remove(dir, name, whole)
    }

    /// The directory `comps`, reached from where the previous entry was.
    fn dir(&mut self, comps: &[std::ffi::OsString], create: bool, whole: &CleanPath) -> Result<OwnedFd, UnpackError> {
        self.cursor.open(self.root, comps, create, whole)
    }

    /// Removes `name` in `dir` for a later entry; what was a directory there is forgotten.
    fn remove(&mut self, dir: &OwnedFd, name: &OsStr, whole: &CleanPath) -> Result<(), UnpackError> {
        let gone = remove_at(dir, name, whole)?;
        if !gone.is_empty() {
            for id in gone {
                self.dirs.remove(&id);
            }
            self.cursor.reset(self.root, whole)?;
        }
        Ok(())
    }

    fn defer(&mut self, fd: &OwnedFd, m: &Member) -> Result<(), UnpackError> {
        if self.copy {
            self.dir_paths.push((m.path.clone(), DeferredDir { mode: m.mode, mtime: m.mtime }));
            return Ok(());
        }
        let st = fstat(fd).map_err(|e| UnpackError::Fs(m.path.display(), e))?;
        self.dirs.insert(id_of(&st), DeferredDir { mode: m.mode, mtime: m.mtime });
        Ok(())
    }

    pub fn apply<R: Read>(&mut self, m: &Member, data: &mut R) -> Result<(), UnpackError> {
        self.report.entries += 1;
        let Some((parents, name)) = m.path.split_last() else {
            // The root itself: only its metadata (not in copy mode: the root is a directory
            // the caller chose, /tmp say, whose mode an archive must not change).
            if m.kind == tar::EntryType::Directory && !self.copy {
                let root = self.root;
                self.defer(root, m)?;
            }
            return Ok(());
        };
        if !self.copy {
            return self.apply_layer_marks(m, parents, name, data);
        }
        self.apply_entry(m, parents, name, data)
    }

    /// Overlay's whiteouts and opaque marks of a layer, then the entry itself.
    fn apply_layer_marks<R: Read>(&mut self, m: &Member, parents: &[std::ffi::OsString], name: &OsStr, data: &mut R) -> Result<(), UnpackError> {
        let bytes = name.as_bytes();
        if bytes == OPAQUE {
            let dir = self.dir(parents, true, &m.path)?;
            return set_xattr_fd(&dir, self.privilege.opaque_xattr(), b"y").map_err(|e| UnpackError::Whiteout(m.path.display(), e));
        }
        if let Some(target) = bytes.strip_prefix(WHITEOUT_PREFIX) {
            if target.starts_with(WHITEOUT_PREFIX) {
                // aufs bookkeeping (.wh..wh.plnk etc.): meaningless outside aufs.
                return Ok(());
            }
            if target.is_empty() || target == b"." || target == b".." {
                return Err(UnpackError::BadPath(m.path.display(), "is a whiteout of nothing, '.' or '..'"));
            }
            let dir = self.dir(parents, true, &m.path)?;
            let target = OsStr::from_bytes(target);
            self.remove(&dir, target, &m.path)?;
            return mknodat(&dir, target, SFlag::S_IFCHR, Mode::empty(), makedev(0, 0)).map_err(|e| UnpackError::Whiteout(m.path.display(), e));
        }
        self.apply_entry(m, parents, name, data)
    }

    fn apply_entry<R: Read>(&mut self, m: &Member, parents: &[std::ffi::OsString], name: &OsStr, data: &mut R) -> Result<(), UnpackError> {
        let dir = self.dir(parents, true, &m.path)?;
        use tar::EntryType as T;
        match m.kind {
            T::Directory => {
                match lstat_at(&dir, name) {
                    Some(st) if is_dir(&st) => {}
                    Some(_) if self.copy => return Err(UnpackError::Overwrite(m.path.display(), "non-directory", "a directory")),
                    Some(_) => {
                        self.remove(&dir, name, &m.path)?;
                        self.mkdir(&dir, name, &m.path)?;
                    }
                    None => self.mkdir(&dir, name, &m.path)?,
                }
                let fd = open_dir_at(&dir, name, &m.path)?;
                self.owner(&fd, m)?;
                self.xattrs(&fd, m)?;
                self.defer(&fd, m)?;
            }
            T::Regular | T::Continuous => {
                self.replace(&dir, name, &m.path)?;
                let fd = openat(
                    &dir,
                    name,
                    OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(|e| UnpackError::Fs(m.path.display(), e))?;
                let mut file = std::fs::File::from(fd);
                // Large writes (io::copy fills a BufWriter's buffer directly): 8 KiB ones cost
                // a syscall per 8 KiB.
                let mut w = std::io::BufWriter::with_capacity((m.size as usize).clamp(8 << 10, 1 << 18), &mut file);
                let n =
                    std::io::copy(data, &mut w).and_then(|n| std::io::Write::flush(&mut w).map(|()| n)).map_err(|e| UnpackError::Read(m.path.display(), e))?;
                drop(w);
                if n != m.size {
                    return Err(UnpackError::Truncated(m.path.display()));
                }
                // A layer is made durable before it is used; a copy is not (as cp's).
                if n >= super::durable::EARLY_WRITEBACK && !self.copy {
                    super::durable::start_writeback(&file);
                }
                self.owner(&file, m)?;
                // After chown, which clears set-id bits.
                fchmod(&file, Mode::from_bits_truncate(m.mode & 0o7777)).map_err(|e| UnpackError::Fs(m.path.display(), e))?;
                self.xattrs(&file, m)?;
                let t = TimeSpec::new(m.mtime, 0);
                futimens(&file, &t, &t).map_err(|e| UnpackError::Fs(m.path.display(), e))?;
            }
            T::Symlink => {
                let target = m.link.as_deref().ok_or_else(|| UnpackError::BadPath(m.path.display(), "is a symlink without a target"))?;
                self.replace(&dir, name, &m.path)?;
                // The target is stored verbatim: it is never followed while unpacking, and
                // inside the container it resolves within the container's root.
                symlinkat(OsStr::from_bytes(target), &dir, name).map_err(|e| UnpackError::Fs(m.path.display(), e))?;
                if self.privilege.chown() {
                    let (uid, gid) = self.ids(m);
                    fchownat(&dir, name, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)), AtFlags::AT_SYMLINK_NOFOLLOW).map_err(|e| owner_err(m, e))?;
                }
                let t = TimeSpec::new(m.mtime, 0);
                utimensat(&dir, name, &t, &t, UtimensatFlags::NoFollowSymlink).map_err(|e| UnpackError::Fs(m.path.display(), e))?;
            }
            T::Link => {
                let raw = m.link.as_deref().ok_or_else(|| UnpackError::BadPath(m.path.display(), "is a hard link without a target"))?;
                let target = CleanPath::parse(raw)?;
                let Some((tparents, tname)) = target.split_last() else {
                    return Err(UnpackError::BadPath(m.path.display(), "is a hard link to the layer root"));
                };
                let tdir = self.dir(tparents, false, &target).map_err(|_| UnpackError::BadLink(m.path.display(), target.display()))?;
                match lstat_at(&tdir, tname) {
                    None => return Err(UnpackError::BadLink(m.path.display(), target.display())),
                    Some(st) if is_dir(&st) => return Err(UnpackError::BadLink(m.path.display(), target.display())),
                    Some(_) => {}
                }
                if target == m.path {
                    return Ok(());
                }
                self.replace(&dir, name, &m.path)?;
                // flags 0: a link to a symlink links the symlink itself, never what it points to.
                linkat(&tdir, tname, &dir, name, AtFlags::empty()).map_err(|e| UnpackError::Fs(m.path.display(), e))?;
            }
            T::Char | T::Block | T::Fifo => {
                if m.kind != T::Fifo && !self.privilege.devices() {
                    self.report.skipped_devices += 1;
                    return Ok(());
                }
                self.replace(&dir, name, &m.path)?;
                let perm = Mode::from_bits_truncate(m.mode & 0o7777);
                let r = match m.kind {
                    T::Fifo => mkfifoat(&dir, name, perm),
                    T::Char => mknodat(&dir, name, SFlag::S_IFCHR, perm, makedev(m.dev.0.into(), m.dev.1.into())),
                    _ => mknodat(&dir, name, SFlag::S_IFBLK, perm, makedev(m.dev.0.into(), m.dev.1.into())),
                };
                r.map_err(|e| UnpackError::Fs(m.path.display(), e))?;
                if self.privilege.chown() {
                    let (uid, gid) = self.ids(m);
                    fchownat(&dir, name, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)), AtFlags::AT_SYMLINK_NOFOLLOW).map_err(|e| owner_err(m, e))?;
                }
            }
            other => return Err(UnpackError::UnsupportedEntry(m.path.display(), format!("{other:?}"))),
        }
        Ok(())
    }

    fn mkdir(&self, dir: &OwnedFd, name: &OsStr, path: &CleanPath) -> Result<(), UnpackError> {
        mkdirat(dir, name, Mode::from_bits_truncate(0o755)).map_err(|e| UnpackError::Fs(path.display(), e))
    }

    fn owner<Fd: AsFd>(&self, fd: Fd, m: &Member) -> Result<(), UnpackError> {
        if !self.privilege.chown() {
            return Ok(());
        }
        let (uid, gid) = self.ids(m);
        fchown(fd, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid))).map_err(|e| owner_err(m, e))
    }

    /// Only user.* and file capabilities are kept: trusted.overlay.* (and user.overlay.*, which
    /// a rootless overlay reads instead) from an archive could forge whiteouts or redirects,
    /// and security labels belong to the host's policy.
    fn xattrs<Fd: AsFd>(&mut self, fd: Fd, m: &Member) -> Result<(), UnpackError> {
        for (k, v) in &m.xattrs {
            if (k.starts_with("user.") && !k.starts_with("user.overlay.")) || k == "security.capability" {
                match set_xattr_fd(fd.as_fd(), k, v) {
                    Ok(()) => {}
                    Err(Errno::EOPNOTSUPP) => self.report.dropped_xattrs += 1,
                    Err(e) => return Err(UnpackError::Fs(m.path.display(), e)),
                }
            } else {
                self.report.dropped_xattrs += 1;
            }
        }
        Ok(())
    }

    /// Applies the deferred directory modes and mtimes, children before parents, in one walk
    /// of the layer (bounded descriptors, linear in its size, whatever its depth).
    pub fn finish(&mut self) -> Result<(), UnpackError> {
        if self.copy {
            // Deepest first, each reached again from the root without following a symlink.
            let mut dirs = std::mem::take(&mut self.dir_paths);
            dirs.sort_by_key(|(p, _)| std::cmp::Reverse(p.0.len()));
            for (path, meta) in dirs {
                let fd = self.dir(&path.0, false, &path)?;
                apply_meta(&fd, Some(&meta)).map_err(|e| UnpackError::Fs(path.display(), e))?;
            }
            return Ok(());
        }
        if self.dirs.is_empty() {
            return Ok(());
        }
        struct Meta<'m>(&'m HashMap<Id, DeferredDir>);
        impl tree::Visitor for Meta<'_> {
            fn leaf(&mut self, _: std::os::fd::BorrowedFd<'_>, _: &OsStr) -> Result<(), Errno> {
                Ok(())
            }
            fn dir_done(&mut self, _: std::os::fd::BorrowedFd<'_>, _: &OsStr, fd: OwnedFd, id: Id) -> Result<(), Errno> {
                apply_meta(&fd, self.0.get(&id))
            }
        }
        let dirs = std::mem::take(&mut self.dirs);
        tree::walk(self.root, &mut Meta(&dirs)).map_err(|e| UnpackError::Fs(format!("/{}", tree::shorten(&e.path)), e.errno))?;
        let root_id = id_of(&fstat(self.root).map_err(|e| UnpackError::Fs("/".into(), e))?);
        apply_meta(self.root, dirs.get(&root_id)).map_err(|e| UnpackError::Fs("/".into(), e))
    }
}

fn apply_meta<Fd: AsFd>(fd: Fd, meta: Option<&DeferredDir>) -> Result<(), Errno> {
    let Some(d) = meta else { return Ok(()) };
    fchmod(fd.as_fd(), Mode::from_bits_truncate(d.mode & 0o7777))?;
    let t = TimeSpec::new(d.mtime, 0);
    futimens(fd, &t, &t)
}
