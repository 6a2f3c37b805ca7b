//! A new network namespace starts with its loopback down; bring it up so 127.0.0.1 works.

use std::os::fd::AsRawFd;

use nix::sys::socket::{socket, AddressFamily, SockFlag, SockType};

use super::ProcessError;

pub fn loopback_up() -> Result<(), ProcessError> {
    let s = socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None).map_err(ProcessError::sys("socket"))?;
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, b) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *d = *b as libc::c_char;
    }
    // nix has no interface-flag ioctls.
    let rc = unsafe { libc::ioctl(s.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) };
    nix::errno::Errno::result(rc).map_err(ProcessError::sys("SIOCGIFFLAGS lo"))?;
    unsafe { req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short };
    let rc = unsafe { libc::ioctl(s.as_raw_fd(), libc::SIOCSIFFLAGS, &req) };
    nix::errno::Errno::result(rc).map_err(ProcessError::sys("SIOCSIFFLAGS lo")).map(drop)
}
