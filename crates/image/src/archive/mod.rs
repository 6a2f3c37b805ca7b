//! Image archives: OCI image-layout tarballs and docker-archive tarballs (what `podman save`,
//! `docker save` and `skopeo copy ... oci-archive:` write), read into the store and written
//! from it. Every member of an archive is hostile: its content is hashed on the way into the
//! store, blobs must match their names, and images appear only through the verified import.
mod load;
mod save;

pub use load::{load, load_taking_over, Loaded};
pub use save::{save, save_to, Format, SaveImage};

use crate::digest::Digest;
use crate::escape::escape_str as esc;
use crate::manifest::ManifestError;
use crate::store::StoreError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    // Names and documents come from the archive: shown escaped (crate::escape).
    #[error("the archive is not a valid tar file: {}", esc(&.0.to_string()))]
    Tar(std::io::Error),
    #[error("archive member \"{}\" has an unsafe path: {}", esc(.0), .1)]
    BadPath(String, &'static str),
    #[error("archive blob {} does not match its name (its content is {actual})", esc(name))]
    BlobName { name: String, actual: Digest },
    #[error("the archive has neither index.json (OCI layout) nor manifest.json (docker-archive)")]
    UnknownFormat,
    #[error("the archive's {} is invalid: {}", .0, esc(.1))]
    BadDocument(&'static str, String),
    #[error("the archive names {}, which it does not contain", esc(.0))]
    MissingMember(String),
    #[error("the archive's index has no image for {0}")]
    NoPlatform(String),
    #[error("{0}")]
    Manifest(#[from] ManifestError),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A failure, and what could not be removed of what the failed load had written.
    #[error("{0} (and removing what it left failed: {1})")]
    Cleanup(Box<ArchiveError>, String),
}

impl ArchiveError {
    /// The error code (tsc-box-errors): one mapping for the binding and the native front door.
    pub fn code(&self) -> tsc_box_errors::ErrorCode {
        use tsc_box_errors::ErrorCode;
        match self {
            ArchiveError::Store(s) => s.code(),
            ArchiveError::Manifest(_) => ErrorCode::InvalidImage,
            ArchiveError::Io(_, _) => ErrorCode::ArchiveIo,
            ArchiveError::Cleanup(inner, _) => inner.code(),
            _ => ErrorCode::InvalidArchive,
        }
    }
}

#[cfg(test)]
mod tests;
