//! `tsc-box cp`: files between a container and the caller, with docker's path rules (a file
//! or directory onto a new name, into an existing directory, `SRC/.` for a directory's
//! content, `-` for a tar stream on stdin or stdout, `-a` to keep owners, `-L` to follow the
//! source's symlink). Both directions are one pipeline: a tar of the source, written by the
//! walk that makes layers (`tsc_box_image::layer::copy_tar`: no symlink followed, every open
//! checked against what was listed), read by the unpacker of layers in its copy mode
//! (`tsc_box_image::unpack::extract_tar`: no `..`, nothing written through a symlink), the two
//! joined by a pipe between two threads. The container's side is found with `root` (every
//! lookup inside the container's root, see its header); the caller's side is trusted, and is
//! looked up the same way from the host's `/`.

pub mod command;
mod root;
#[cfg(test)]
mod tests;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use tsc_box_image::layer::{copy_tar, CopyFrom, LayerError};
use tsc_box_image::unpack::{extract_tar, OwnerMap, UnpackError};

pub use root::{is_dir, locate, ContainerRoot, CpPath, IdMap, Located};

use crate::{Coded, ErrorCode};

#[derive(Debug, Default, Clone, Copy)]
pub struct CpOptions {
    /// `-a`: owners as they are (the container's ids going out, the caller's files' ids
    /// going in); otherwise what is copied in belongs to the container's root, and what is
    /// copied out to the caller.
    pub archive: bool,
    /// `-L`: a symlink named as the source is followed (inside the container for a
    /// container's path).
    pub follow_link: bool,
}

/// Which way a `cp` goes, from its two arguments (docker's rules: `NAME:PATH` names a
/// container's path unless the argument starts with `/` or `.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direction {
    /// CONTAINER:SRC to DEST (a host path, or `-` for stdout).
    Out { container: String, src: String, dest: String },
    /// SRC (a host path, or `-` for stdin) to CONTAINER:DEST.
    In { src: String, container: String, dest: String },
}

fn split_arg(a: &str) -> Option<(&str, &str)> {
    if a.starts_with('/') || a.starts_with('.') {
        return None;
    }
    a.split_once(':').filter(|(c, _)| !c.is_empty())
}

pub fn direction(src: &str, dest: &str) -> Result<Direction, CpError> {
    match (split_arg(src), split_arg(dest)) {
        (Some(_), Some(_)) => Err(CpError::Usage("copying between containers is not supported".into())),
        (None, None) => Err(CpError::Usage("must specify at least one container source".into())),
        (Some((c, p)), None) => Ok(Direction::Out { container: c.into(), src: p.into(), dest: dest.into() }),
        (None, Some((c, p))) => Ok(Direction::In { src: src.into(), container: c.into(), dest: p.into() }),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CpError {
    #[error("{0}")]
    Usage(String),
    #[error("Could not find the file {path} in container {container}")]
    NotInContainer { path: String, container: String },
    #[error("lstat {0}: no such file or directory")]
    NotOnHost(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Refused(#[from] UnpackError),
    #[error("{0}")]
    Walk(#[from] LayerError),
    #[error("{0}: {1}")]
    Fs(String, Errno),
}

impl Coded for CpError {
    fn code(&self) -> ErrorCode {
        match self {
            CpError::Usage(_) => ErrorCode::InvalidUsage,
            CpError::NotInContainer { .. } | CpError::NotOnHost(_) => ErrorCode::CpNoSuchPath,
            CpError::Invalid(_) => ErrorCode::CpInvalidPath,
            CpError::Refused(_) => ErrorCode::CpRefused,
            CpError::Walk(_) | CpError::Fs(..) => ErrorCode::CpFailed,
        }
    }
}

/// One side of a copy, for messages: a container's (by name) or the caller's.
#[derive(Clone, Copy)]
enum Side<'a> {
    Container(&'a str),
    Host,
}

impl Side<'_> {
    fn missing(self, path: &Path) -> CpError {
        match self {
            Side::Container(c) => CpError::NotInContainer { path: path.display().to_string(), container: c.into() },
            Side::Host => CpError::NotOnHost(path.display().to_string()),
        }
    }
}

/// The host's root, for the caller's paths (relative ones from the working directory).
fn host_root() -> Result<(OwnedFd, PathBuf), CpError> {
    let fd = nix::fcntl::open("/", root::DIR, nix::sys::stat::Mode::empty()).map_err(|e| CpError::Fs("/".into(), e))?;
    let cwd = std::env::current_dir().map_err(|e| CpError::Fs(".".into(), Errno::from_raw(e.raw_os_error().unwrap_or(0))))?;
    Ok((fd, cwd))
}

/// The source: what it names, which must exist.
struct Source {
    at: Located,
    /// Copy what is in the directory, not the directory (`SRC/.`, or the root itself).
    contents: bool,
    is_dir: bool,
}

fn source(root: &OwnedFd, p: &CpPath, follow: bool, side: Side<'_>) -> Result<Source, CpError> {
    // A trailing `/` or `/.` means the directory a symlink leads to, as in a shell.
    let at = locate(root, &p.path, follow || p.dir_only).map_err(|e| match e {
        Errno::ENOENT | Errno::ENOTDIR => side.missing(&p.path),
        e => CpError::Fs(p.path.display().to_string(), e),
    })?;
    let Some(st) = at.st else { return Err(side.missing(&p.path)) };
    let is_dir = is_dir(&st);
    if p.dir_only && !is_dir {
        return Err(CpError::Invalid(format!("{} is not a directory", p.path.display())));
    }
    Ok(Source { contents: is_dir && (p.contents || at.name.is_none()), at, is_dir })
}

/// Where the tar is unpacked, and under which name its top entry goes.
struct Target {
    into: OwnedFd,
    /// None: the source's content goes into `into` itself.
    as_name: Option<Vec<u8>>,
}

/// docker's destination rules, for a source that is (or is not) a directory.
fn target(root: &OwnedFd, p: &CpPath, src: &Source, src_name: &[u8], side: Side<'_>) -> Result<Target, CpError> {
    let fs = |e| CpError::Fs(p.path.display().to_string(), e);
    let at = locate(root, &p.path, true).map_err(|e| match e {
        Errno::ENOENT | Errno::ENOTDIR => side.missing(p.path.parent().unwrap_or(&p.path)),
        e => fs(e),
    })?;
    match &at.st {
        Some(st) if is_dir(st) => {
            let into = root::open_dir(&at).map_err(fs)?;
            Ok(Target { into, as_name: (!src.contents).then(|| src_name.to_vec()) })
        }
        Some(_) if src.is_dir => Err(CpError::Invalid(format!("cannot copy a directory onto the file {}", p.path.display()))),
        Some(_) if p.dir_only => Err(CpError::Invalid(format!("{} is not a directory", p.path.display()))),
        Some(_) => Ok(Target { as_name: at.name.as_ref().map(|n| n.as_bytes().to_vec()), into: at.dir }),
        None if p.dir_only && !src.is_dir => Err(CpError::Invalid(format!("the destination directory {} must exist", p.path.display()))),
        None => Ok(Target { as_name: at.name.as_ref().map(|n| n.as_bytes().to_vec()), into: at.dir }),
    }
}

/// Writes the tar of `src` to `w`: the entry itself named `as_name`, or (None) what is in
/// the directory.
fn write_tar<W: Write>(src: &Source, as_name: Option<&[u8]>, ids: Option<OwnerMap>, w: W) -> Result<W, CpError> {
    match (&src.at.name, as_name) {
        (Some(name), Some(as_name)) => Ok(copy_tar(CopyFrom::Entry { parent: &src.at.dir, name: name.as_os_str(), as_name }, ids, w)?.1),
        _ => {
            let dir = root::open_dir(&src.at).map_err(|e| CpError::Fs("the source directory".into(), e))?;
            Ok(copy_tar(CopyFrom::Contents(&dir), ids, w)?.1)
        }
    }
}

/// Runs `produce` (writing a tar) and `consume` (reading it) on two threads joined by a pipe.
/// The first error is the one reported: a consumer that stops (a refused entry) makes the
/// producer's next write fail, which says nothing new.
fn pipeline(
    produce: impl FnOnce(std::io::PipeWriter) -> Result<(), CpError> + Send,
    consume: impl FnOnce(std::io::PipeReader) -> Result<(), CpError>,
) -> Result<(), CpError> {
    let (r, w) = std::io::pipe().map_err(|e| CpError::Fs("pipe".into(), Errno::from_raw(e.raw_os_error().unwrap_or(0))))?;
    // 1 MiB instead of 64 KiB: fewer switches between the two threads (a failure only costs
    // speed).
    let _ = nix::fcntl::fcntl(&w, nix::fcntl::FcntlArg::F_SETPIPE_SZ(1 << 20));
    std::thread::scope(|s| {
        let producer = s.spawn(move || produce(w));
        let consumed = consume(r);
        let produced = producer.join().unwrap_or_else(|_| Err(CpError::Invalid("the copy's reader thread panicked".into())));
        match (consumed, produced) {
            (Err(e), _) => Err(e),
            (Ok(()), p) => p,
        }
    })
}

fn name_of(s: &Source, p: &CpPath) -> Vec<u8> {
    s.at.name.as_deref().or(p.base()).map_or_else(|| b".".to_vec(), |n: &OsStr| n.as_bytes().to_vec())
}

/// Where `cp` out of a container writes.
pub enum Sink<'a> {
    /// A path of the caller's (relative to the working directory).
    Host(&'a str),
    /// A tar stream (`-`: stdout).
    Stream(&'a mut dyn Write),
}

/// CONTAINER:SRC to the caller. `container` is its name, for messages.
pub fn copy_out(root: &ContainerRoot, container: &str, src: &str, to: Sink<'_>, o: CpOptions) -> Result<(), CpError> {
    let sp = CpPath::parse(src);
    let source = source(&root.fd, &sp, o.follow_link, Side::Container(container))?;
    let name = name_of(&source, &sp);
    // Owners in the tar are the container's ids, whatever the host's are.
    let (uids, gids) = (root.uids.clone(), root.gids.clone());
    let ids: Option<OwnerMap> =
        (!(uids.is_identity() && gids.is_identity())).then(|| Box::new(move |u, g| (uids.to_container(u), gids.to_container(g))) as OwnerMap);
    match to {
        Sink::Stream(w) => {
            let mut buf = std::io::BufWriter::with_capacity(1 << 18, w);
            write_tar(&source, (!source.contents).then_some(&name[..]), ids, &mut buf)?;
            buf.flush().map_err(|e| CpError::Fs("stdout".into(), Errno::from_raw(e.raw_os_error().unwrap_or(0))))
        }
        Sink::Host(dest) => {
            let (host, cwd) = host_root()?;
            let dp = CpPath::parse(dest);
            let dp = CpPath { path: cwd.join(&dp.path), ..dp };
            let t = target(&host, &dp, &source, &name, Side::Host)?;
            let me = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
            let owner: Option<OwnerMap> = if o.archive { None } else { Some(Box::new(move |_, _| me)) };
            run(&source, t, ids, owner)
        }
    }
}

/// Where `cp` into a container reads.
pub enum Feed<'a> {
    Host(&'a str),
    /// A tar stream (`-`: stdin), unpacked into the destination directory.
    Stream(&'a mut dyn Read),
}

/// The caller's SRC (or a tar) to CONTAINER:DEST.
pub fn copy_in(root: &ContainerRoot, container: &str, from: Feed<'_>, dest: &str, o: CpOptions) -> Result<(), CpError> {
    let dp = CpPath::parse(dest);
    let (uids, gids) = (root.uids.clone(), root.gids.clone());
    // Files copied in belong to the container's root unless -a keeps their owners (both
    // through the container's user namespace).
    let owner: OwnerMap = if o.archive {
        Box::new(move |u, g| (uids.to_host(u), gids.to_host(g)))
    } else {
        let root_ids = (uids.to_host(0), gids.to_host(0));
        Box::new(move |_, _| root_ids)
    };
    match from {
        Feed::Stream(r) => {
            let at = locate(&root.fd, &dp.path, true).map_err(|e| match e {
                Errno::ENOENT | Errno::ENOTDIR => Side::Container(container).missing(&dp.path),
                e => CpError::Fs(dp.path.display().to_string(), e),
            })?;
            match &at.st {
                Some(st) if is_dir(st) => {}
                Some(_) => return Err(CpError::Invalid(format!("destination \"{container}:{}\" must be a directory", dp.path.display()))),
                None => return Err(Side::Container(container).missing(&dp.path)),
            }
            let into = root::open_dir(&at).map_err(|e| CpError::Fs(dp.path.display().to_string(), e))?;
            extract_tar(std::io::BufReader::with_capacity(1 << 18, r), &into, Some(owner))?;
            Ok(())
        }
        Feed::Host(src) => {
            let (host, cwd) = host_root()?;
            let sp = CpPath::parse(src);
            let sp = CpPath { path: cwd.join(&sp.path), ..sp };
            let source = source(&host, &sp, o.follow_link, Side::Host)?;
            let name = name_of(&source, &sp);
            let t = target(&root.fd, &dp, &source, &name, Side::Container(container))?;
            run(&source, t, None, Some(owner))
        }
    }
}

fn run(source: &Source, t: Target, ids: Option<OwnerMap>, owner: Option<OwnerMap>) -> Result<(), CpError> {
    let (into, as_name) = match (t.as_name, &source.at.name) {
        // The root (or a path ending in `..`) onto a new name: that directory is made, and
        // the content goes into it.
        (Some(n), None) => {
            let name = OsStr::from_bytes(&n);
            let fs = |e| CpError::Fs(String::from_utf8_lossy(&n).into_owned(), e);
            nix::sys::stat::mkdirat(&t.into, name, nix::sys::stat::Mode::from_bits_truncate(0o755)).map_err(fs)?;
            (nix::fcntl::openat(&t.into, name, root::DIR, nix::sys::stat::Mode::empty()).map_err(fs)?, None)
        }
        (a, _) => (t.into, a),
    };
    pipeline(
        |w| {
            let w = write_tar(source, as_name.as_deref(), ids, std::io::BufWriter::with_capacity(1 << 18, w))?;
            w.into_inner().map(drop).map_err(|e| CpError::Fs("pipe".into(), Errno::from_raw(e.error().raw_os_error().unwrap_or(0))))
        },
        move |r| extract_tar(r, &into, owner).map(drop).map_err(CpError::from),
    )
}
