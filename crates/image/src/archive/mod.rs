//! Image archives: OCI image-layout tarballs and docker-archive tarballs (what `podman save`,
//! `docker save` and `skopeo copy ... oci-archive:` write), read into the store and written
//! from it. Every member of an archive is hostile: its content is hashed on the way into the
//! store, blobs must match their names, and images appear only through the verified import.
mod load;
mod save;

pub use load::{load, Loaded};
pub use save::{save, Format, SaveImage};

use crate::digest::Digest;
use crate::manifest::ManifestError;
use crate::store::StoreError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("the archive is not a valid tar file: {0}")]
    Tar(std::io::Error),
    #[error("archive member {0:?} has an unsafe path: {1}")]
    BadPath(String, &'static str),
    #[error("archive blob {name} does not match its name (its content is {actual})")]
    BlobName { name: String, actual: Digest },
    #[error("the archive has neither index.json (OCI layout) nor manifest.json (docker-archive)")]
    UnknownFormat,
    #[error("the archive's {0} is invalid: {1}")]
    BadDocument(&'static str, String),
    #[error("the archive names {0}, which it does not contain")]
    MissingMember(String),
    #[error("the archive's index has no image for {0}")]
    NoPlatform(String),
    #[error("{0}")]
    Manifest(#[from] ManifestError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests;
