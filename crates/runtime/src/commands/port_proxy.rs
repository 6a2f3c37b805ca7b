//! `port-proxy --pidfd N --forward FD=ADDR:PORT...`: the relay net-attach starts for the
//! published ports nftables cannot redirect ([::1]); see tsc_box_net::proxy. Not for people:
//! the fds are inherited from net-attach.

use std::net::TcpListener;
use std::os::fd::{FromRawFd, OwnedFd};

use clap::Args;
use tsc_box_core::kind::Kind;
use tsc_box_net::proxy;

use crate::error::CmdError;

#[derive(Args)]
pub struct PortProxyArgs {
    /// A pidfd of the container's init: the relay ends when it exits.
    #[arg(long)]
    pub pidfd: i32,
    /// A listening socket's fd and the container's address and port.
    #[arg(long = "forward", required = true)]
    pub forwards: Vec<String>,
}

pub fn run(a: &PortProxyArgs) -> Result<i32, CmdError> {
    let bad = |e: proxy::ProxyError| CmdError::other(Kind::Config, e.to_string());
    let parsed = a.forwards.iter().map(|f| proxy::parse_forward(f)).collect::<Result<Vec<_>, _>>().map_err(bad)?;
    if a.pidfd < 3 || parsed.iter().any(|(fd, _)| *fd == a.pidfd) {
        return Err(CmdError::other(Kind::Config, format!("port-proxy: invalid --pidfd {}", a.pidfd)));
    }
    // The fds were placed by net-attach (companion::spawn) for this process alone.
    // SAFETY: companion::spawn dup2'ed the pidfd to this number (>= 3, no --forward fd: checked
    // above) open across the exec; nothing else in this process owns it, and it is wrapped once.
    let pidfd = unsafe { OwnedFd::from_raw_fd(a.pidfd) };
    // SAFETY: each --forward fd is a listening socket companion::spawn placed at that number
    // (>= 3: parse_forward; not the pidfd: checked above), open across the exec and owned by
    // nothing else here. That no two --forward name the same fd rests on net-attach, which
    // gives each listener its own number; it is not checked here.
    let listeners = parsed.into_iter().map(|(fd, to)| (unsafe { TcpListener::from_raw_fd(fd) }, to)).collect();
    proxy::serve(pidfd, listeners);
    Ok(0)
}
