//! The CLI's container store (`<data root>/containers/<id>/`), shared by the napi binding (the
//! TypeScript commands) and the runtime's native front door (`tsc-box-runtime --cli exec|rm`):
//! its one owner. Where things are, ids, names and their claims, records, the creation of a
//! container, its `--userns=auto` block, its lifecycle settings, which container a reference
//! means, what state it is in, who a `-u` user is inside it, and its removal.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod config;
pub mod cp;
pub mod creation;
pub mod id;
pub mod info;
pub mod inspect;
pub mod lifecycle;
pub mod logs;
pub mod names;
pub mod paths;
pub mod port;
pub mod ps;
pub mod record;
pub mod remove;
pub mod resolve;
pub mod start;
pub mod stats;
pub mod status;
pub mod subid;
pub mod top;
pub mod user;
pub mod userns;
pub mod view;
pub mod volumes;
pub mod wait;

pub use tsc_box_errors::{ErrorCode, EXIT_ENGINE};

/// A failure the CLI reports as is: its code (the one contract of tsc-box-errors, spelled the
/// same in `--json` from Node and from the runtime's front door) fixes docker's exit status.
pub trait Coded: std::fmt::Display {
    fn code(&self) -> ErrorCode;
    fn exit_code(&self) -> i32 {
        self.code().exit_status()
    }
}

/// The 12-digit id docker shows in messages.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
