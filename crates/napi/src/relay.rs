//! Pipes between a child and the caller's terminal, so that a container started without `-t`
//! never holds the user's tty (docker's behaviour: only `-t` gives the app a terminal). One
//! thread per stream copies bytes; the output threads are joined after the child exits so no
//! output is lost, the input thread is left to die with the process (it may sit in a read of
//! the terminal that nothing will complete).
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use nix::fcntl::OFlag;
use nix::unistd::pipe2;
use tsc_box_core::monitor::logfile::{LogFile, Stream};

/// Waits for the output copies of one child.
pub struct OutputRelays {
    done: Vec<mpsc::Receiver<()>>,
}

impl OutputRelays {
    pub fn none() -> OutputRelays {
        OutputRelays { done: Vec::new() }
    }

    /// Blocks until every output stream reached EOF, at most `limit` in total: a process that
    /// escaped the container's end and kept the pipe open must not hang the caller.
    pub fn finish(self, limit: Duration) {
        let deadline = std::time::Instant::now() + limit;
        for rx in self.done {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let _ = rx.recv_timeout(left);
        }
    }
}

/// The container's log a foreground `run` keeps (the detached monitor's format, written by
/// the same code: tsc_box_core::monitor::logfile), shared by the stdout and stderr relays.
pub type Log = Arc<Mutex<LogFile>>;

fn copy(from: File, to: File) {
    copy_logged(from, to, None)
}

/// Copies until EOF; each chunk goes to the log too. A caller that stopped reading (a closed
/// pipe) does not stop the log: the container's output is still recorded.
fn copy_logged(mut from: File, mut to: File, log: Option<(&Log, Stream)>) {
    let mut buf = [0u8; 16 * 1024];
    let mut caller_gone = false;
    loop {
        match from.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if let Some((log, stream)) = log {
                    // A log that cannot be written must not stop the output (as the monitor).
                    let _ = log.lock().unwrap_or_else(|e| e.into_inner()).write(stream, &buf[..n]);
                }
                if !caller_gone && to.write_all(&buf[..n]).is_err() {
                    if log.is_none() {
                        return;
                    }
                    caller_gone = true;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
    }
}

pub fn dup_own(fd: i32) -> std::io::Result<File> {
    // SAFETY: the callers pass 0, 1 or 2: this process's stdio, which Node keeps open for its
    // whole life; the borrow ends with the dup on the next line.
    let b = unsafe { BorrowedFd::borrow_raw(fd) };
    Ok(File::from(b.try_clone_to_owned()?))
}

/// A pipe whose write end the child gets as `own` (1 or 2); bytes go on to our `own`.
pub fn output(own: i32, relays: &mut OutputRelays) -> std::io::Result<OwnedFd> {
    let (r, w) = pipe2(OFlag::O_CLOEXEC)?;
    let target = dup_own(own)?;
    let (tx, rx) = mpsc::channel();
    thread::Builder::new().name(format!("tsc-box-relay-{own}")).spawn(move || {
        copy(File::from(r), target);
        let _ = tx.send(());
    })?;
    relays.done.push(rx);
    Ok(w)
}

/// As `output`, every chunk also appended to `log` as `stream`; the bytes go on to `target`
/// (the caller's own stream, or a pipe the SDK reads: `spawnProcess`'s stdoutFd/stderrFd).
pub fn output_logged(target: File, relays: &mut OutputRelays, log: Log, stream: Stream) -> std::io::Result<OwnedFd> {
    let (r, w) = pipe2(OFlag::O_CLOEXEC)?;
    let (tx, rx) = mpsc::channel();
    let name = if matches!(stream, Stream::Stdout) { "tsc-box-log-1" } else { "tsc-box-log-2" };
    thread::Builder::new().name(name.into()).spawn(move || {
        copy_logged(File::from(r), target, Some((&log, stream)));
        let _ = tx.send(());
    })?;
    relays.done.push(rx);
    Ok(w)
}

/// A pipe whose read end the child gets as stdin, fed from our stdin.
pub fn input() -> std::io::Result<OwnedFd> {
    let (r, w) = pipe2(OFlag::O_CLOEXEC)?;
    let source = dup_own(0)?;
    thread::Builder::new().name("tsc-box-relay-0".into()).spawn(move || copy(source, File::from(w)))?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_moves_every_byte_until_eof() {
        let (r1, w1) = pipe2(OFlag::O_CLOEXEC).unwrap();
        let (r2, w2) = pipe2(OFlag::O_CLOEXEC).unwrap();
        let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let writer = {
            let p = payload.clone();
            thread::spawn(move || File::from(w1).write_all(&p).unwrap())
        };
        let copier = thread::spawn(move || copy(File::from(r1), File::from(w2)));
        let mut got = Vec::new();
        File::from(r2).read_to_end(&mut got).unwrap();
        writer.join().unwrap();
        copier.join().unwrap();
        assert_eq!(got, payload);
    }

    #[test]
    fn finish_returns_after_the_limit_when_a_writer_keeps_the_pipe_open() {
        let (tx, rx) = mpsc::channel::<()>();
        let relays = OutputRelays { done: vec![rx] };
        let start = std::time::Instant::now();
        relays.finish(Duration::from_millis(50));
        assert!(start.elapsed() >= Duration::from_millis(50));
        drop(tx);
    }
}
