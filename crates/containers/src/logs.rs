//! `tsc-box logs`: a container's output as the monitor wrote it (CRI lines: `TIME STREAM F|P
//! TEXT`, pieces of one line marked P joined), stdout to stdout and stderr to stderr, filtered
//! by time and count, and followed while the container is active. Written once for the
//! runtime's native front door and the Node CLI (through the binding).

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::Serialize;
use tsc_box_format::time::parse_rfc3339;

use crate::paths::Paths;
use crate::view::{by_id, ContainerView, State};
use crate::{Coded, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One `logs --json` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    pub time: String,
    pub stream: Stream,
    pub log: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    #[error("invalid --tail \"{0}\": a number or \"all\"")]
    Tail(String),
    #[error("invalid --since \"{0}\": use a time (2024-01-02T15:04:05Z), Unix seconds or a duration such as 10m")]
    Since(String),
}

impl Coded for LogsError {
    fn code(&self) -> ErrorCode {
        match self {
            LogsError::Tail(_) => ErrorCode::InvalidFlag,
            LogsError::Since(_) => ErrorCode::InvalidSince,
        }
    }
}

/// Complete CRI lines to entries; a trailing P piece waits for its continuation.
#[derive(Default)]
pub struct LogParser {
    pending: [Option<(String, String)>; 2],
}

impl LogParser {
    pub fn push(&mut self, text: &str) -> Vec<LogEntry> {
        let mut out = Vec::new();
        for line in text.split('\n') {
            let mut parts = line.splitn(4, ' ');
            let (Some(time), Some(stream), Some(tag), Some(body)) = (parts.next(), parts.next(), parts.next(), parts.next()) else { continue };
            let (stream, slot) = match stream {
                "stdout" => (Stream::Stdout, 0),
                "stderr" => (Stream::Stderr, 1),
                _ => continue,
            };
            if time.is_empty() || (tag != "F" && tag != "P") {
                continue;
            }
            let (t, mut text) = self.pending[slot].take().unwrap_or_else(|| (time.to_string(), String::new()));
            text.push_str(body);
            if tag == "P" {
                self.pending[slot] = Some((t, text));
                continue;
            }
            text.push('\n');
            out.push(LogEntry { time: t, stream, log: text });
        }
        out
    }

    /// Output that never got its newline (the container ended).
    pub fn flush(&mut self) -> Vec<LogEntry> {
        let mut out = Vec::new();
        for (slot, stream) in [(0, Stream::Stdout), (1, Stream::Stderr)] {
            if let Some((time, log)) = self.pending[slot].take() {
                out.push(LogEntry { time, stream, log });
            }
        }
        out
    }
}

/// --since: RFC 3339, Unix seconds, or a duration before now (10m, 1h30m, 45s); in ms.
pub fn parse_since(s: &str, now_ms: i64) -> Result<i64, LogsError> {
    let bad = || LogsError::Since(s.to_string());
    if !s.is_empty()
        && s.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && s.bytes().filter(|c| *c == b'.').count() <= 1
        && !s.starts_with('.')
        && !s.ends_with('.')
    {
        return s.parse::<f64>().map(|x| (x * 1000.0) as i64).map_err(|_| bad());
    }
    let mut rest = s;
    let mut secs = 0i64;
    let mut any = false;
    for (unit, mult) in [('h', 3600), ('m', 60), ('s', 1)] {
        if let Some(i) = rest.find(unit) {
            let n = &rest[..i];
            if n.is_empty() || !n.bytes().all(|c| c.is_ascii_digit()) {
                break;
            }
            secs += n.parse::<i64>().map_err(|_| bad())? * mult;
            rest = &rest[i + 1..];
            any = true;
        }
    }
    if any && rest.is_empty() {
        return Ok(now_ms - secs * 1000);
    }
    parse_rfc3339(s).ok_or_else(bad)
}

/// `logs`' flags.
#[derive(Debug, Clone, Default)]
pub struct LogsOptions {
    pub follow: bool,
    pub tail: String,
    pub since: Option<String>,
    pub timestamps: bool,
}

fn read_or_empty(p: &Path) -> String {
    std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

fn ino(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.ino()).unwrap_or(0)
}

/// The bytes of `p` from `offset` on.
fn read_from(p: &Path, offset: u64) -> Vec<u8> {
    let Ok(mut f) = std::fs::File::open(p) else { return Vec::new() };
    let mut buf = Vec::new();
    if f.seek(SeekFrom::Start(offset)).is_ok() {
        let _ = f.read_to_end(&mut buf);
    }
    buf
}

fn active(v: &ContainerView) -> bool {
    matches!(v.state, State::Running | State::Paused | State::Restarting)
}

/// Writes the log of `v` (each entry to its stream unless `json`) and returns what was written
/// before following (the --json answer).
pub fn logs(paths: &Paths, v: &ContainerView, o: &LogsOptions, json: bool, now_ms: i64) -> Result<Vec<LogEntry>, LogsError> {
    if o.tail != "all" && (o.tail.is_empty() || !o.tail.bytes().all(|c| c.is_ascii_digit())) {
        return Err(LogsError::Tail(o.tail.clone()));
    }
    let since = o.since.as_deref().map(|s| parse_since(s, now_ms)).transpose()?;
    let keep = |e: &LogEntry| since.is_none_or(|s| parse_rfc3339(&e.time).is_some_and(|t| t >= s));
    let emit = |e: &LogEntry| {
        if json {
            return;
        }
        let text = if o.timestamps { format!("{} {}", e.time, e.log) } else { e.log.clone() };
        // A closed pipe (logs | head) ends nothing here: the rest is simply not shown.
        // Flushed at once: in the Node CLI (the binding) nothing flushes Rust's stdout at exit,
        // and a followed log must show each line as it comes.
        let _ = match e.stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            Stream::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
        };
    };
    let log = v.dir.join("container.log");
    let rotated = v.dir.join("container.log.1");
    let mut parser = LogParser::default();
    let current = read_or_empty(&log);
    let mut entries: Vec<LogEntry> = parser.push(&(read_or_empty(&rotated) + &current)).into_iter().filter(|e| keep(e)).collect();
    if o.tail != "all" {
        let n: usize = o.tail.parse().unwrap_or(usize::MAX);
        entries.drain(..entries.len().saturating_sub(n));
    }
    entries.iter().for_each(emit);
    if !o.follow {
        let rest: Vec<LogEntry> = parser.flush().into_iter().filter(|e| keep(e)).collect();
        rest.iter().for_each(emit);
        entries.extend(rest);
        return Ok(entries);
    }
    let mut offset = current.len() as u64;
    let mut inode = ino(&log);
    loop {
        let is_active = by_id(paths, &v.id).is_some_and(|now| active(&now));
        let now_ino = ino(&log);
        if now_ino != inode {
            // Rotated: the rest of the old file is now .1, the new file starts at 0.
            let old = read_from(&rotated, offset);
            parser.push(&String::from_utf8_lossy(&old)).iter().filter(|e| keep(e)).for_each(emit);
            offset = 0;
            inode = now_ino;
        }
        let chunk = read_from(&log, offset);
        if let Some(end) = chunk.iter().rposition(|b| *b == b'\n').map(|i| i + 1) {
            parser.push(&String::from_utf8_lossy(&chunk[..end])).iter().filter(|e| keep(e)).for_each(emit);
            offset += end as u64;
        }
        if !is_active && chunk.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    parser.flush().iter().filter(|e| keep(e)).for_each(emit);
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cri_lines_and_pieces() {
        let mut p = LogParser::default();
        let got = p.push("t1 stdout P hel\nt2 stderr F oops\nt3 stdout F lo\nbad line\nt4 stdout P tail");
        assert_eq!(
            got,
            vec![
                LogEntry { time: "t2".into(), stream: Stream::Stderr, log: "oops\n".into() },
                LogEntry { time: "t1".into(), stream: Stream::Stdout, log: "hello\n".into() },
            ]
        );
        assert_eq!(p.flush(), vec![LogEntry { time: "t4".into(), stream: Stream::Stdout, log: "tail".into() }]);
        assert_eq!(p.push("t5 stdout F a b  c\n")[0].log, "a b  c\n");
    }

    #[test]
    fn since_values() {
        let now = 1_000_000_000;
        assert_eq!(parse_since("10m", now).unwrap(), now - 600_000);
        assert_eq!(parse_since("1h30m", now).unwrap(), now - 5_400_000);
        assert_eq!(parse_since("45s", now).unwrap(), now - 45_000);
        assert_eq!(parse_since("12.5", now).unwrap(), 12_500);
        assert_eq!(parse_since("1970-01-01T00:00:01Z", now).unwrap(), 1000);
        assert!(parse_since("yesterday", now).is_err());
        assert!(parse_since("", now).is_err());
    }
}
