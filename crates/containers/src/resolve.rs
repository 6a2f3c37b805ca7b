//! Finds a container by what the user typed: its full id, its name, or any unique prefix of
//! its id (docker's order). An ambiguous prefix is an error, never a guess.

use crate::paths::Paths;
use crate::record;
use crate::view::{self, ContainerView};
use crate::{Coded, ErrorCode};

/// docker answers a missing container with status 1.
pub use tsc_box_errors::EXIT_NO_SUCH;

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("no such container: {0}")]
    NoSuch(String),
    #[error("the id prefix \"{prefix}\" matches {count} containers: give more of the id or use the name")]
    Ambiguous { prefix: String, count: usize },
}

impl Coded for ResolveError {
    fn code(&self) -> ErrorCode {
        match self {
            ResolveError::NoSuch(_) => ErrorCode::NoSuchContainer,
            ResolveError::Ambiguous { .. } => ErrorCode::AmbiguousId,
        }
    }
}

pub fn resolve_id(paths: &Paths, reference: &str) -> Result<String, ResolveError> {
    let no_such = || ResolveError::NoSuch(reference.to_string());
    if reference.is_empty() || reference.contains('/') || reference.starts_with('.') || reference.contains('\0') {
        return Err(no_such());
    }
    let ids: Vec<String> =
        std::fs::read_dir(paths.containers_dir()).map(|rd| rd.flatten().filter_map(|e| e.file_name().into_string().ok()).collect()).unwrap_or_default();
    if ids.iter().any(|i| i == reference) {
        return Ok(reference.to_string());
    }
    if let Ok(named) = std::fs::read_to_string(paths.names_dir().join(reference)) {
        let id = named.trim();
        if ids.iter().any(|i| i == id) {
            return Ok(id.to_string());
        }
    }
    if reference.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        let matches: Vec<&String> = ids.iter().filter(|i| i.starts_with(reference)).collect();
        match matches.len() {
            1 => return Ok(matches[0].clone()),
            0 => {}
            count => return Err(ResolveError::Ambiguous { prefix: reference.to_string(), count }),
        }
    }
    // A name nobody holds: the one container whose record has it, a `run` killed before it
    // claimed the name (`ps -a` shows it under that name, so `rm NAME` must find it).
    let mut named = ids.iter().filter(|i| !i.starts_with('.') && record::read(&paths.container_dir(i)).is_some_and(|r| r.name == reference));
    if let (Some(id), None) = (named.next(), named.next()) {
        return Ok(id.clone());
    }
    Err(no_such())
}

pub fn resolve_container(paths: &Paths, reference: &str) -> Result<ContainerView, ResolveError> {
    let id = resolve_id(paths, reference)?;
    view::by_id(paths, &id).ok_or_else(|| ResolveError::NoSuch(reference.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn ids_names_and_prefixes() {
        let root = std::env::temp_dir().join(format!("tsc-box-resolve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let paths = Paths { data_root: root.clone(), run_dir: PathBuf::from("/nonexistent") };
        for id in ["abc111", "abc222", "def333"] {
            std::fs::create_dir_all(paths.container_dir(id)).unwrap();
        }
        std::fs::create_dir_all(paths.names_dir()).unwrap();
        std::fs::write(paths.names_dir().join("web"), "def333\n").unwrap();
        std::fs::write(paths.names_dir().join("stale"), "fff000\n").unwrap();
        assert_eq!(resolve_id(&paths, "abc111").unwrap(), "abc111");
        assert_eq!(resolve_id(&paths, "web").unwrap(), "def333");
        assert_eq!(resolve_id(&paths, "d").unwrap(), "def333");
        let e = resolve_id(&paths, "abc").unwrap_err();
        assert_eq!((e.code().as_str(), e.exit_code()), ("ambiguous_id", 1));
        assert_eq!(e.to_string(), "the id prefix \"abc\" matches 2 containers: give more of the id or use the name");
        for bad in ["", "stale", "../x", ".", "zzz"] {
            let e = resolve_id(&paths, bad).unwrap_err();
            assert_eq!(e.to_string(), format!("no such container: {bad}"));
            assert_eq!(e.code().as_str(), "no_such_container");
        }
        // A directory without a record is not a container.
        assert!(resolve_container(&paths, "web").is_err());
        // A record's name that no claim holds (its run was killed before claiming it) finds
        // the one container with that name, never one of two.
        let rec =
            |name: &str| format!(r#"{{"id":"x","name":"{name}","created":"","rootfs":"","command":[],"status":"creating","exitCode":null,"oomKilled":false}}"#);
        std::fs::write(paths.container_dir("abc111").join("record.json"), rec("half")).unwrap();
        assert_eq!(resolve_id(&paths, "half").unwrap(), "abc111");
        std::fs::write(paths.container_dir("abc222").join("record.json"), rec("half")).unwrap();
        assert_eq!(resolve_id(&paths, "half").unwrap_err().code().as_str(), "no_such_container");
        // A claimed name still wins over a record's.
        std::fs::write(paths.container_dir("abc222").join("record.json"), rec("web")).unwrap();
        assert_eq!(resolve_id(&paths, "web").unwrap(), "def333");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
