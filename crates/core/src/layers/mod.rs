//! An image container's root filesystem as an overlay of the image's layers, mounted by the
//! runtime because only it can: inside the container's user namespace without root (a
//! rootless overlay), or over idmapped copies of the layers as root when the container has a
//! user namespace (overlayfs itself cannot be idmapped). The CLI asks for it with the
//! annotation `io.tsc-box.rootfs.overlay` (see `plan`); config.json is hostile input, so the
//! paths are checked before anything is mounted.

mod copy;
mod detached;
mod plan;
mod userns;

pub use copy::copy_layers;
pub use detached::detached_overlay;
pub use plan::{Layers, ANNOTATION};
pub use userns::mount_in_userns;

use std::path::PathBuf;

use nix::errno::Errno;

use crate::kind::Kind;

#[derive(Debug, thiserror::Error)]
pub enum LayersError {
    #[error("annotation {ANNOTATION}: {0}")]
    Invalid(String),
    #[error("annotation {ANNOTATION}: {0}: {1}")]
    BadPath(PathBuf, &'static str),
    #[error("overlay rootfs: {what}: {errno}")]
    Sys { what: String, errno: Errno },
    /// What the overlay helper (see `detached`) reported.
    #[error("{0}")]
    Helper(String),
    #[error("overlay rootfs: copying the layers into {0}: {1}")]
    Copy(PathBuf, String),
}

impl LayersError {
    pub fn kind(&self) -> Kind {
        match self {
            LayersError::Invalid(_) | LayersError::BadPath(..) => Kind::Config,
            LayersError::Sys { .. } | LayersError::Helper(_) | LayersError::Copy(..) => Kind::Rootfs,
        }
    }
}

fn sys(what: impl Into<String>) -> impl FnOnce(Errno) -> LayersError {
    let what = what.into();
    move |errno| LayersError::Sys { what, errno }
}
