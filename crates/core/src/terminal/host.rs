//! Parent side: the host terminal in raw mode while proxying, and window sizes.

use std::os::fd::{AsRawFd, BorrowedFd};

use nix::errno::Errno;
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg, Termios};

/// Puts a terminal in raw mode and restores it when dropped.
pub struct RawMode<'a> {
    fd: BorrowedFd<'a>,
    saved: Termios,
}

impl<'a> RawMode<'a> {
    pub fn enter(fd: BorrowedFd<'a>) -> Result<RawMode<'a>, Errno> {
        let saved = tcgetattr(fd)?;
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        tcsetattr(fd, SetArg::TCSANOW, &raw)?;
        Ok(RawMode { fd, saved })
    }
}

impl Drop for RawMode<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.fd, SetArg::TCSANOW, &self.saved);
    }
}

pub fn set_winsize(fd: BorrowedFd<'_>, rows: u16, cols: u16) -> Result<(), Errno> {
    let ws = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    // nix has no TIOCSWINSZ wrapper.
    // SAFETY: `fd` is borrowed, open for the call; TIOCSWINSZ reads one struct winsize, which
    // &ws points at, initialised and alive through the call.
    Errno::result(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) }).map(drop)
}

/// Copies the window size of `from` (the user's terminal) to `to` (the pty master).
pub fn copy_winsize(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno> {
    let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: `from` is borrowed, open for the call; TIOCGWINSZ writes one struct winsize, and
    // &mut ws points at one that lives through the call.
    Errno::result(unsafe { libc::ioctl(from.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) })?;
    // SAFETY: `to` is borrowed, open for the call; TIOCSWINSZ reads the struct winsize &ws
    // points at, which TIOCGWINSZ has just filled.
    Errno::result(unsafe { libc::ioctl(to.as_raw_fd(), libc::TIOCSWINSZ, &ws) }).map(drop)
}
