//! The CLI's container store (`<data root>/containers/<id>/`), shared by the napi binding (the
//! TypeScript commands) and the runtime's native front door (`tsc-box-runtime --cli exec|rm`):
//! one implementation of where things are, which container a reference means, what state a
//! container is in and who a `-u` user is inside it.

pub mod creation;
pub mod paths;
pub mod record;
pub mod remove;
pub mod resolve;
pub mod status;
pub mod user;
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
