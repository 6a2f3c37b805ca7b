//! Passing one fd over a unix socket with SCM_RIGHTS (the pty master, to the parent or to a
//! `--console-socket` listener).

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};

pub fn send_fd(sock: BorrowedFd<'_>, payload: &[u8], fd: RawFd) -> Result<(), Errno> {
    let fds = [fd];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    let iov = [IoSlice::new(payload)];
    sendmsg::<()>(sock.as_raw_fd(), &iov, &cmsg, MsgFlags::MSG_NOSIGNAL, None).map(drop)
}

/// Receives a message and the first fd attached to it, if any.
pub fn recv_with_fd(sock: BorrowedFd<'_>, buf: &mut [u8]) -> Result<(usize, Option<OwnedFd>), Errno> {
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let mut iov = [IoSliceMut::new(buf)];
    let msg = recvmsg::<()>(sock.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC)?;
    let mut fd = None;
    for c in msg.cmsgs()? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            for (i, f) in fds.into_iter().enumerate() {
                // SAFETY: SCM_RIGHTS has just installed `f` in this process as a new fd (with
                // MSG_CMSG_CLOEXEC); nothing else owns it, and each is wrapped once, so that the
                // ones not returned are closed here.
                let owned = unsafe { OwnedFd::from_raw_fd(f) };
                if i == 0 && fd.is_none() {
                    fd = Some(owned);
                }
            }
        }
    }
    Ok((msg.bytes, fd))
}
