//! The container core of tsc-box: everything `tsc-box-runtime` needs to turn an OCI bundle
//! into a running, isolated process.
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod container;
pub mod kind;
pub mod layers;
pub mod monitor;
pub mod process;
pub mod rootfs;
pub mod security;
pub mod signal;
pub mod spec;
pub mod state;
pub mod sys;
pub mod terminal;
