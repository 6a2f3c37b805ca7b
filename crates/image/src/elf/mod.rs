//! ELF dependency scanning: what a host binary needs at run time (its dynamic loader and the
//! transitive closure of DT_NEEDED libraries), resolved the way the host's ld.so would.
mod closure;
mod dst;
mod ldconf;
mod view;

pub use closure::{closure, closure_in, Closure};
pub use ldconf::SearchPaths;
pub use view::{Link, View};

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} is not an ELF file the host can run: {1}")]
    NotElf(PathBuf, String),
    #[error("{lib} (needed by {by}) was not found in its RPATH/RUNPATH, the ld.so.conf paths or the default directories")]
    NotFound { lib: String, by: PathBuf },
}

/// What the dynamic section and program headers of one ELF object say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub is_64: bool,
    pub machine: u16,
    pub interpreter: Option<String>,
    pub needed: Vec<String>,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
}

/// Reads just enough of `path` to decide whether it is ELF, then parses it.
pub fn inspect(path: &Path) -> Result<Option<ElfInfo>, ElfError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| ElfError::Io(path.to_path_buf(), e))?;
    let mut magic = [0u8; 4];
    if f.read_exact(&mut magic).is_err() || &magic != b"\x7fELF" {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|e| ElfError::Io(path.to_path_buf(), e))?;
    parse(&bytes).map(Some).map_err(|e| ElfError::NotElf(path.to_path_buf(), e))
}

pub fn parse(bytes: &[u8]) -> Result<ElfInfo, String> {
    let elf = goblin::elf::Elf::parse(bytes).map_err(|e| e.to_string())?;
    let split = |v: &[&str]| v.iter().flat_map(|s| s.split(':')).filter(|s| !s.is_empty()).map(String::from).collect();
    Ok(ElfInfo {
        is_64: elf.is_64,
        machine: elf.header.e_machine,
        interpreter: elf.interpreter.map(String::from),
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        rpath: split(&elf.rpaths),
        runpath: split(&elf.runpaths),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_env_needs_libc_and_a_loader() {
        let info = inspect(Path::new("/usr/bin/env")).unwrap().expect("env is ELF");
        assert!(info.needed.iter().any(|l| l.starts_with("libc.so")), "{info:?}");
        assert!(info.interpreter.is_some());
    }

    #[test]
    fn a_script_is_not_elf() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), b"#!/bin/sh\necho hi\n").unwrap();
        assert_eq!(inspect(tmp.path()).unwrap(), None);
    }

    #[test]
    fn garbage_with_an_elf_magic_is_an_error_not_a_panic() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), b"\x7fELF\x02\x01\x01garbage").unwrap();
        assert!(matches!(inspect(tmp.path()), Err(ElfError::NotElf(_, _))));
    }
}
