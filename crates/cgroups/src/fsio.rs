//! Reading and writing cgroup control files, with errors that name the file and the value.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {value:?} to {path}: {source}")]
    Write {
        path: String,
        value: String,
        #[source]
        source: std::io::Error,
    },
    #[error("unexpected content in {path}: {content:?}")]
    Parse { path: String, content: String },
}

impl FileError {
    /// The errno of the underlying failure, if any.
    pub fn errno(&self) -> Option<i32> {
        match self {
            FileError::Read { source, .. } | FileError::Write { source, .. } => source.raw_os_error(),
            FileError::Parse { .. } => None,
        }
    }
}

pub fn read(path: &Path) -> Result<String, FileError> {
    std::fs::read_to_string(path).map_err(|source| FileError::Read { path: path.display().to_string(), source })
}

/// Write with a single write(2): cgroup files act on each write call, so no buffering.
pub fn write(path: &Path, value: &str) -> Result<(), FileError> {
    crate::restore::note(path, value)?;
    let err = |source| FileError::Write { path: path.display().to_string(), value: value.to_string(), source };
    let mut f = std::fs::OpenOptions::new().write(true).truncate(true).open(path).map_err(err)?;
    f.write_all(value.as_bytes()).map_err(err)
}

pub fn read_u64(path: &Path) -> Result<u64, FileError> {
    let s = read(path)?;
    s.trim().parse().map_err(|_| FileError::Parse { path: path.display().to_string(), content: s })
}

/// A value that may be "max" (v2) — None means unlimited.
pub fn read_max(path: &Path) -> Result<Option<u64>, FileError> {
    let s = read(path)?;
    parse_max(s.trim()).ok_or_else(|| FileError::Parse { path: path.display().to_string(), content: s })
}

pub fn parse_max(s: &str) -> Option<Option<u64>> {
    if s == "max" {
        Some(None)
    } else {
        s.parse().ok().map(Some)
    }
}

/// Files of "key value" lines (cpu.stat, memory.stat, memory.events, cpuacct.stat...).
pub fn read_keyed(path: &Path) -> Result<BTreeMap<String, u64>, FileError> {
    Ok(parse_keyed(&read(path)?))
}

pub fn parse_keyed(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let k = it.next()?;
            let v = it.next()?.parse().ok()?;
            Some((k.to_string(), v))
        })
        .collect()
}

/// The pids listed in cgroup.procs.
pub fn read_pids(path: &Path) -> Result<Vec<i32>, FileError> {
    let s = read(path)?;
    s.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().parse().map_err(|_| FileError::Parse { path: path.display().to_string(), content: l.to_string() }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed() {
        let m = parse_keyed("usage_usec 100\nuser_usec 60\nbogus\nnr_throttled x\n");
        assert_eq!(m["usage_usec"], 100);
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn max_values() {
        assert_eq!(parse_max("max"), Some(None));
        assert_eq!(parse_max("42"), Some(Some(42)));
        assert_eq!(parse_max("x"), None);
    }
}
