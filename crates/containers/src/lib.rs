//! The CLI's container store (`<data root>/containers/<id>/`), shared by the napi binding (the
//! TypeScript commands) and the runtime's native front door (`tsc-box-runtime --cli exec|rm`):
//! its one owner. Where things are, ids, names and their claims, records, the creation of a
//! container, its `--userns=auto` block, its lifecycle settings, which container a reference
//! means, what state it is in, who a `-u` user is inside it, and its removal.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod creation;
pub mod id;
pub mod names;
pub mod paths;
pub mod record;
pub mod remove;
pub mod resolve;
pub mod status;
pub mod subid;
pub mod user;
pub mod userns;
pub mod view;

/// A failure the CLI reports as is: a stable code for `--json` and docker's exit status.
pub trait Coded: std::fmt::Display {
    fn code(&self) -> &'static str;
    fn exit_code(&self) -> i32;
}

/// docker's status for a failure of the engine (bad input included).
pub const EXIT_ENGINE: i32 = 125;

/// The 12-digit id docker shows in messages.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
