//! The caller's terminal, asked without Node's tty module (which loads `net`, ~3 ms).
use std::os::fd::BorrowedFd;

use napi_derive::napi;

#[napi(object)]
pub struct TerminalSize {
    pub rows: u32,
    pub cols: u32,
}

fn borrow(fd: i32) -> Option<BorrowedFd<'static>> {
    // SAFETY: the 'static borrow never outlives the synchronous napi call that makes it (the
    // callers use it for one ioctl and drop it), during which the JS thread that owns `fd`
    // cannot close it; an fd that is not open only makes the ioctl fail with EBADF.
    (fd >= 0).then(|| unsafe { BorrowedFd::borrow_raw(fd) })
}

/// The window size of the terminal on `fd`, or null when `fd` is not a terminal.
#[napi]
pub fn terminal_size(fd: i32) -> Option<TerminalSize> {
    let f = borrow(fd)?;
    // SAFETY: winsize is four c_ushort: all-zero bytes are a valid value.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into `ws`.
    let rc = unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&f), libc::TIOCGWINSZ, &mut ws) };
    (rc == 0 && ws.ws_row > 0 && ws.ws_col > 0).then(|| TerminalSize { rows: ws.ws_row.into(), cols: ws.ws_col.into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_pipe_has_no_terminal_size() {
        let (r, _w) = nix::unistd::pipe().unwrap();
        assert!(terminal_size(r.as_raw_fd()).is_none());
        assert!(terminal_size(-1).is_none());
    }

    #[test]
    fn a_pty_has_its_window_size() {
        let ws = libc::winsize { ws_row: 41, ws_col: 101, ws_xpixel: 0, ws_ypixel: 0 };
        let pty = nix::pty::openpty(Some(&ws), None).unwrap();
        let size = terminal_size(pty.slave.as_raw_fd()).unwrap();
        assert_eq!((size.rows, size.cols), (41, 101));
    }
}
