//! The image store of tsc-box: content-addressed, verified, immutable.
#![deny(clippy::undocumented_unsafe_blocks)]
pub mod archive;
pub mod digest;
pub mod elf;
pub mod escape;
pub mod fromhost;
pub mod inspect;
pub mod layer;
pub mod list;
pub mod manifest;
pub mod overlay;
pub mod reference;
pub mod select;
pub mod store;
pub mod tree;
pub mod unpack;

pub use digest::Digest;
pub use store::{ImageRecord, Store, StoreError};
