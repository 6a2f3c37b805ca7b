//! `tsc-box wait`: blocks until a container has run and ended, and gives its exit status;
//! written once for the runtime's native front door and the Node CLI (through the binding).

use crate::paths::Paths;
use crate::view::{by_id, State};
use crate::{short_id, Coded, ErrorCode};

/// An exit nobody saw (its monitor was killed: `ps` says "Exited (unknown)"): containerd's
/// UnknownExitStatus, which docker reports too; never a made-up success.
pub const UNKNOWN_EXIT_STATUS: i32 = 255;

#[derive(Debug, thiserror::Error)]
#[error("container {0} was removed")]
pub struct Removed(pub String);

impl Coded for Removed {
    fn code(&self) -> ErrorCode {
        ErrorCode::NoSuchContainer
    }
}

/// The exit status of container `id` once it has ended. A created container has not run yet:
/// it is waited for to run and end, like docker.
pub fn wait_exit(paths: &Paths, id: &str) -> Result<i32, Removed> {
    loop {
        let Some(v) = by_id(paths, id) else { return Err(Removed(short_id(id).to_string())) };
        if !matches!(v.state, State::Running | State::Paused | State::Restarting | State::Created) {
            return Ok(v.exit_code.unwrap_or(UNKNOWN_EXIT_STATUS));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
