//! The error code (tsc-box-errors) of each store failure: one mapping for the binding and the
//! runtime's native front door.

use tsc_box_errors::ErrorCode;

use super::StoreError;

impl StoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::NoSuchImage(_) => ErrorCode::ImageNotFound,
            StoreError::Ambiguous(_) => ErrorCode::ImageAmbiguous,
            StoreError::BadReference(_, _) => ErrorCode::InvalidReference,
            StoreError::BlobMismatch { .. } | StoreError::BlobTooLarge(_, _) => ErrorCode::BlobMismatch,
            StoreError::MissingBlob(_) => ErrorCode::BlobMissing,
            StoreError::Manifest(_) | StoreError::Digest(_) => ErrorCode::InvalidImage,
            StoreError::Unpack(_, _) => ErrorCode::LayerRejected,
            StoreError::CorruptIndex(_, _) => ErrorCode::StoreCorrupt,
            StoreError::Io(_, _) | StoreError::Lock(_, _) => ErrorCode::StoreIo,
            // The failure's own code: the leftover is said in the message.
            StoreError::Cleanup(inner, _) => inner.code(),
        }
    }
}
