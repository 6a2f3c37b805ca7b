//! The parent/child protocol over a SOCK_SEQPACKET pair: one datagram per message.
//! The child's end is close-on-exec, so EOF after `Start` means execve succeeded.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::socket::{send, MsgFlags};

use crate::kind::Kind;
use crate::sys::fdpass::{recv_with_fd, send_fd};

pub enum Msg {
    /// Parent -> child: the ids are mapped, setup may begin.
    Go,
    /// Parent -> child: it is in its cgroup now (a cgroup namespace may be made). Separate
    /// from Go because on cgroup v1 the move costs an RCU grace period (milliseconds), which
    /// the child spends on its mounts instead of waiting.
    Placed,
    /// Parent -> child: exec now (`run`; `create` uses the exec fifo instead).
    Start,
    /// Child -> parent: set up, waiting for start.
    Ready,
    /// Child -> parent: the pty master.
    Pty(OwnedFd),
    /// Child -> parent: the setup or the execve failed.
    Error { kind: Kind, msg: String },
}

pub fn send_msg(sock: BorrowedFd<'_>, m: &Msg) -> Result<(), Errno> {
    let mut buf = Vec::with_capacity(16);
    match m {
        Msg::Go => buf.push(b'G'),
        Msg::Placed => buf.push(b'P'),
        Msg::Start => buf.push(b'S'),
        Msg::Ready => buf.push(b'R'),
        Msg::Pty(fd) => return send_fd(sock, b"T", fd.as_raw_fd()),
        Msg::Error { kind, msg } => {
            buf.push(b'E');
            buf.push(kind.to_u8());
            buf.extend_from_slice(&msg.as_bytes()[..msg.len().min(4000)]);
        }
    }
    // MSG_NOSIGNAL: a parent that went away must not kill the child with SIGPIPE.
    send(sock.as_raw_fd(), &buf, MsgFlags::MSG_NOSIGNAL).map(drop)
}

/// Sends `m` to a child that may have failed meanwhile: a peer already gone (EPIPE,
/// ECONNRESET) is not an error here, because the caller's next `recv_msg` reads why it went
/// (its `Error`, or EOF).
pub fn send_to_child(sock: BorrowedFd<'_>, m: &Msg) -> Result<(), Errno> {
    match send_msg(sock, m) {
        Err(Errno::EPIPE | Errno::ECONNRESET) => Ok(()),
        r => r,
    }
}

/// The next message, or None at EOF.
pub fn recv_msg(sock: BorrowedFd<'_>) -> Result<Option<Msg>, Errno> {
    let mut buf = [0u8; 4096];
    let (n, fd) = loop {
        match recv_with_fd(sock, &mut buf) {
            // ECONNRESET: the peer closed with a message of ours unread (a child that failed
            // before it read `Placed`). The kernel reports that error before the messages
            // still queued for us, and clears it on report: read again to get the child's
            // last word (its `Error`) or EOF.
            Err(Errno::EINTR | Errno::ECONNRESET) => continue,
            r => break r?,
        }
    };
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(match (buf[0], fd) {
        (b'G', _) => Msg::Go,
        (b'P', _) => Msg::Placed,
        (b'S', _) => Msg::Start,
        (b'R', _) => Msg::Ready,
        (b'T', Some(fd)) => Msg::Pty(fd),
        (b'E', _) if n >= 2 => Msg::Error { kind: Kind::from_u8(buf[1]), msg: String::from_utf8_lossy(&buf[2..n]).into_owned() },
        _ => return Err(Errno::EPROTO),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
    use std::os::fd::AsFd;

    #[test]
    fn a_child_that_fails_with_a_message_unread_still_has_its_error_read() {
        let (parent, child) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC).unwrap();
        send_msg(parent.as_fd(), &Msg::Go).unwrap();
        send_msg(child.as_fd(), &Msg::Error { kind: Kind::Process, msg: "no such file or directory".into() }).unwrap();
        // The child goes with `Go` unread: the parent's socket gets ECONNRESET first.
        drop(child);
        send_to_child(parent.as_fd(), &Msg::Placed).unwrap();
        match recv_msg(parent.as_fd()) {
            Ok(Some(Msg::Error { kind, msg })) => assert_eq!((kind, msg.as_str()), (Kind::Process, "no such file or directory")),
            _ => panic!("the child's error was lost"),
        }
        assert!(matches!(recv_msg(parent.as_fd()), Ok(None)));
    }

    #[test]
    fn messages_round_trip() {
        let (a, b) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC).unwrap();
        send_msg(a.as_fd(), &Msg::Ready).unwrap();
        send_msg(a.as_fd(), &Msg::Error { kind: Kind::NotFound, msg: "x: not found".into() }).unwrap();
        let devnull = std::fs::File::open("/dev/null").unwrap();
        send_msg(a.as_fd(), &Msg::Pty(devnull.into())).unwrap();
        assert!(matches!(recv_msg(b.as_fd()).unwrap(), Some(Msg::Ready)));
        match recv_msg(b.as_fd()).unwrap() {
            Some(Msg::Error { kind, msg }) => {
                assert_eq!(kind, Kind::NotFound);
                assert_eq!(msg, "x: not found");
            }
            _ => panic!("expected an error"),
        }
        assert!(matches!(recv_msg(b.as_fd()).unwrap(), Some(Msg::Pty(_))));
        drop(a);
        assert!(recv_msg(b.as_fd()).unwrap().is_none());
    }
}
