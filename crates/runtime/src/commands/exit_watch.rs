//! `exit-watch --pidfd N`: holds the fds it inherited until the process behind the pidfd
//! exits (tsc_box_net::companion::watch): slirp4netns's --exit-fd hangs up then.

use std::os::fd::{FromRawFd, OwnedFd};

use clap::Args;
use tsc_box_core::kind::Kind;

use crate::error::CmdError;

#[derive(Args)]
pub struct ExitWatchArgs {
    #[arg(long)]
    pub pidfd: i32,
}

pub fn run(a: &ExitWatchArgs) -> Result<i32, CmdError> {
    if a.pidfd < 3 {
        return Err(CmdError::other(Kind::Config, format!("exit-watch: invalid --pidfd {}", a.pidfd)));
    }
    // Placed by companion::watch for this process alone.
    // SAFETY: companion::watch starts this process with the pidfd dup2'ed to this number (>= 3,
    // checked above) and open across the exec; nothing else in this process owns it, and it is
    // wrapped once.
    let pidfd = unsafe { OwnedFd::from_raw_fd(a.pidfd) };
    tsc_box_net::companion::wait_exit(&pidfd);
    Ok(0)
}
