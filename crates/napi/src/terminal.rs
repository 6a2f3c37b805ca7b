//! The caller's terminal, asked without Node's tty module (which loads `net`, ~3 ms).
use std::os::fd::BorrowedFd;

use napi_derive::napi;
use nix::unistd::isatty;

#[napi(object)]
pub struct TerminalSize {
    pub rows: u32,
    pub cols: u32,
}

fn borrow(fd: i32) -> Option<BorrowedFd<'static>> {
    // SAFETY: only used for isatty/ioctl during this call; an fd that is not open just fails.
    (fd >= 0).then(|| unsafe { BorrowedFd::borrow_raw(fd) })
}

/// Whether `fd` is a terminal.
#[napi]
pub fn is_terminal(fd: i32) -> bool {
    borrow(fd).is_some_and(|f| isatty(f).unwrap_or(false))
}

/// The window size of the terminal on `fd`, or null when `fd` is not a terminal.
#[napi]
pub fn terminal_size(fd: i32) -> Option<TerminalSize> {
    let f = borrow(fd)?;
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
    fn a_pipe_is_not_a_terminal_and_has_no_size() {
        let (r, _w) = nix::unistd::pipe().unwrap();
        assert!(!is_terminal(r.as_raw_fd()));
        assert!(terminal_size(r.as_raw_fd()).is_none());
        assert!(!is_terminal(-1));
    }

    #[test]
    fn a_pty_is_a_terminal_with_its_window_size() {
        let ws = libc::winsize { ws_row: 41, ws_col: 101, ws_xpixel: 0, ws_ypixel: 0 };
        let pty = nix::pty::openpty(Some(&ws), None).unwrap();
        assert!(is_terminal(pty.slave.as_raw_fd()));
        let size = terminal_size(pty.slave.as_raw_fd()).unwrap();
        assert_eq!((size.rows, size.cols), (41, 101));
    }
}
