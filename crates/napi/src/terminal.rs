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
