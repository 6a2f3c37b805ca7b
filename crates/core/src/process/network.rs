//! A new network namespace starts with its loopback down; bring it up so 127.0.0.1 works.

use std::os::fd::AsRawFd;

use nix::sys::socket::{socket, AddressFamily, SockFlag, SockType};

use super::ProcessError;

pub fn loopback_up() -> Result<(), ProcessError> {
    let s = socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None).map_err(ProcessError::sys("socket"))?;
    // SAFETY: ifreq is a C struct of integers, integer arrays and a union of such and raw
    // pointers, for all of which all-zero bytes are a valid value (null for the pointers).
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, b) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *d = *b as libc::c_char;
    }
    // nix has no interface-flag ioctls.
    // SAFETY: `s` is our open socket; SIOCGIFFLAGS takes a struct ifreq, and &mut req points at
    // one that lives through the call, its name NUL-terminated ("lo\0"); the kernel writes only
    // ifr_flags within it.
    let rc = unsafe { libc::ioctl(s.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) };
    nix::errno::Errno::result(rc).map_err(ProcessError::sys("SIOCGIFFLAGS lo"))?;
    // SAFETY: reading the union as ifru_flags is what SIOCGIFFLAGS has just written (and any
    // c_short bit pattern is valid).
    unsafe { req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short };
    // SAFETY: `s` is our open socket; SIOCSIFFLAGS reads the struct ifreq &req points at,
    // alive through the call, its name NUL-terminated and its flags set just above.
    let rc = unsafe { libc::ioctl(s.as_raw_fd(), libc::SIOCSIFFLAGS, &req) };
    nix::errno::Errno::result(rc).map_err(ProcessError::sys("SIOCSIFFLAGS lo")).map(drop)
}
