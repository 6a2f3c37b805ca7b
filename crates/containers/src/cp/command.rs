//! `tsc-box cp` for the store: which container, which of its roots, which way. Written once
//! for the runtime's native front door and the Node CLI (through the binding). A running
//! container is reached through its init (`/proc/PID/root`: its mounts and user namespace
//! included); a stopped one through its root filesystem directory, which the caller has
//! mounted (the Node CLI mounts a stopped container's overlay; the front door hands those to
//! it: `Place::Stopped`).

use std::path::PathBuf;

use super::{copy_in, copy_out, direction, ContainerRoot, CpError, CpOptions, Direction, Feed, Sink};
use crate::paths::Paths;
use crate::resolve::resolve_container;
use crate::view::ContainerView;
use crate::{Coded, ErrorCode};

/// Where a container's files are now.
pub enum Place {
    /// Its init's pid (the runtime's state: running or paused, detached or not).
    Running(i32),
    /// Its root filesystem directory (mounted or not).
    Stopped(PathBuf),
}

/// The init of `id` while the runtime holds it alive.
pub fn place(paths: &Paths, v: &ContainerView) -> Place {
    let state = tsc_box_core::state::StateDir::open_unlocked(&paths.runtime_root(), &v.id).and_then(|d| d.load());
    match state {
        Ok(rec) if rec.alive() => Place::Running(rec.pid),
        _ => Place::Stopped(PathBuf::from(&v.rootfs)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CpCommandError {
    #[error(transparent)]
    Resolve(#[from] crate::resolve::ResolveError),
    #[error(transparent)]
    Cp(#[from] CpError),
}

impl Coded for CpCommandError {
    fn code(&self) -> ErrorCode {
        match self {
            CpCommandError::Resolve(e) => e.code(),
            CpCommandError::Cp(e) => e.code(),
        }
    }
}

/// The container a `cp SRC DEST` names, and the direction.
pub fn target(paths: &Paths, src: &str, dest: &str) -> Result<(Direction, ContainerView), CpCommandError> {
    let d = direction(src, dest)?;
    let name = match &d {
        Direction::Out { container, .. } | Direction::In { container, .. } => container.clone(),
    };
    Ok((d, resolve_container(paths, &name)?))
}

/// Runs the copy against the container's files at `place`; `-` is this process's stdin or
/// stdout.
pub fn run(d: &Direction, place: &Place, o: CpOptions) -> Result<(), CpError> {
    let fs = |what: &str, e| CpError::Fs(what.into(), e);
    let root = match place {
        Place::Running(pid) => ContainerRoot::of_process(*pid).map_err(|e| fs("the container's root", e))?,
        Place::Stopped(dir) => ContainerRoot::at(dir).map_err(|e| fs(&dir.display().to_string(), e))?,
    };
    match d {
        Direction::Out { container, src, dest } if dest == "-" => {
            let mut out = std::io::stdout().lock();
            copy_out(&root, container, src, Sink::Stream(&mut out), o)
        }
        Direction::Out { container, src, dest } => copy_out(&root, container, src, Sink::Host(dest), o),
        Direction::In { src, container, dest } if src == "-" => {
            let mut input = std::io::stdin().lock();
            copy_in(&root, container, Feed::Stream(&mut input), dest, o)
        }
        Direction::In { src, container, dest } => copy_in(&root, container, Feed::Host(src), dest, o),
    }
}
