//! rtnetlink over a plain NETLINK_ROUTE socket, synchronously: one request, one ack. Only
//! what container networking needs: bridges, veth pairs (one end created straight in another
//! network namespace), link state, addresses, routes.

mod msg;
mod ops;

use std::os::fd::{AsRawFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::socket::{bind, recv, send, socket, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType};

pub use ops::*;

#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    #[error("netlink socket: {0}")]
    Socket(Errno),
    #[error("{op}: {errno}")]
    Op { op: String, errno: Errno },
    #[error("no network interface named {0:?}")]
    NoLink(String),
    #[error("invalid interface name {0:?}: 1 to 15 characters, no '/', ':' or whitespace")]
    BadName(String),
    #[error("netlink: malformed reply to {0}")]
    Malformed(String),
}

/// A netlink route socket bound in the network namespace the calling thread is in when it
/// is opened (it stays there even if the thread moves on with setns).
pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
}

impl Netlink {
    pub fn open() -> Result<Netlink, NetlinkError> {
        let fd = socket(AddressFamily::Netlink, SockType::Raw, SockFlag::SOCK_CLOEXEC, SockProtocol::NetlinkRoute).map_err(NetlinkError::Socket)?;
        bind(fd.as_raw_fd(), &NetlinkAddr::new(0, 0)).map_err(NetlinkError::Socket)?;
        Ok(Netlink { fd, seq: 0 })
    }

    /// Sends one request built by `msg::Builder` and waits for its ack; `op` names it in errors.
    fn request(&mut self, mut m: msg::Builder, op: &dyn Fn() -> String) -> Result<(), NetlinkError> {
        self.seq = self.seq.wrapping_add(1);
        let bytes = m.finish(self.seq);
        send(self.fd.as_raw_fd(), &bytes, MsgFlags::empty()).map_err(|errno| NetlinkError::Op { op: op(), errno })?;
        let mut buf = vec![0u8; 16384];
        loop {
            let n = match recv(self.fd.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Err(Errno::EINTR) => continue,
                r => r.map_err(|errno| NetlinkError::Op { op: op(), errno })?,
            };
            for (ty, seq, payload) in msg::parse(&buf[..n]) {
                if seq != self.seq || ty != libc::NLMSG_ERROR as u16 {
                    continue;
                }
                let code = payload.get(..4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]])).ok_or_else(|| NetlinkError::Malformed(op()))?;
                return match code {
                    0 => Ok(()),
                    e => Err(NetlinkError::Op { op: op(), errno: Errno::from_raw(-e) }),
                };
            }
        }
    }
}

/// Interface names the kernel accepts (IFNAMSIZ 16 with the NUL).
pub fn check_name(name: &str) -> Result<(), NetlinkError> {
    let ok = !name.is_empty() && name.len() <= 15 && name != "." && name != ".." && name.bytes().all(|b| b.is_ascii_graphic() && b != b'/' && b != b':');
    if ok {
        Ok(())
    } else {
        Err(NetlinkError::BadName(name.to_string()))
    }
}

/// The index of an interface of the current network namespace.
pub fn link_index(name: &str) -> Result<u32, NetlinkError> {
    check_name(name)?;
    let c = std::ffi::CString::new(name).map_err(|_| NetlinkError::BadName(name.into()))?;
    // nix has if_nametoindex only with its "net" feature; this is the one call we need from it.
    // SAFETY: `c` is a NUL-terminated CString that outlives the call, and if_nametoindex only
    // reads the name up to its NUL.
    match unsafe { libc::if_nametoindex(c.as_ptr()) } {
        0 => Err(NetlinkError::NoLink(name.to_string())),
        i => Ok(i),
    }
}

pub fn link_exists(name: &str) -> bool {
    link_index(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names() {
        for good in ["eth0", "tsc0", "tsb-0123456789a", "br_x.1"] {
            check_name(good).unwrap();
        }
        for bad in ["", "a/b", "a:b", "a b", "0123456789abcdef", ".."] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(link_exists("lo"));
        assert!(matches!(link_index("nope-not-here"), Err(NetlinkError::NoLink(_))));
    }
}
