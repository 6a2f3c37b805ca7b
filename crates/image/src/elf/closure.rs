//! The transitive closure of what a set of host executables loads: interpreters (the ELF
//! PT_INTERP loader, or a script's `#!` interpreter) and DT_NEEDED libraries, searched in
//! ld.so's order: DT_RPATH (when there is no DT_RUNPATH), DT_RUNPATH, ld.so.conf, defaults.
use super::{inspect, ElfError, ElfInfo, SearchPaths};
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Closure {
    /// Host paths, as the loader would open them (symlinks not resolved), in discovery order.
    pub files: Vec<PathBuf>,
}

fn expand_origin(dir: &str, object: &Path) -> PathBuf {
    let real = std::fs::canonicalize(object).unwrap_or_else(|_| object.to_path_buf());
    let origin = real.parent().unwrap_or(Path::new("/")).to_string_lossy().into_owned();
    PathBuf::from(dir.replace("${ORIGIN}", &origin).replace("$ORIGIN", &origin))
}

fn compatible(candidate: &Path, want: &ElfInfo) -> bool {
    matches!(inspect(candidate), Ok(Some(i)) if i.is_64 == want.is_64 && i.machine == want.machine)
}

fn resolve(lib: &str, object: &Path, info: &ElfInfo, exe_rpath: &[PathBuf], search: &SearchPaths) -> Option<PathBuf> {
    if lib.contains('/') {
        let p = PathBuf::from(lib);
        return p.is_file().then_some(p);
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    if info.runpath.is_empty() {
        dirs.extend(info.rpath.iter().map(|d| expand_origin(d, object)));
        dirs.extend(exe_rpath.iter().cloned());
    }
    dirs.extend(info.runpath.iter().map(|d| expand_origin(d, object)));
    dirs.extend(search.dirs.iter().cloned());
    dirs.into_iter().map(|d| d.join(lib)).find(|c| c.is_file() && compatible(c, info))
}

fn shebang(path: &Path) -> Option<PathBuf> {
    use std::io::Read;
    let mut buf = [0u8; 256];
    let n = std::fs::File::open(path).ok()?.read(&mut buf).ok()?;
    let line = buf[..n].strip_prefix(b"#!")?;
    let line = &line[..line.iter().position(|b| *b == b'\n').unwrap_or(line.len())];
    let interp = std::str::from_utf8(line).ok()?.split_whitespace().next()?;
    interp.starts_with('/').then(|| PathBuf::from(interp))
}

pub fn closure(bins: &[PathBuf], search: &SearchPaths) -> Result<Closure, ElfError> {
    let mut out = Closure::default();
    let mut seen = HashSet::new();
    let mut todo: VecDeque<(PathBuf, Vec<PathBuf>)> = bins.iter().map(|b| (b.clone(), Vec::new())).collect();
    while let Some((path, parent_rpath)) = todo.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        out.files.push(path.clone());
        let Some(info) = inspect(&path)? else {
            if let Some(interp) = shebang(&path) {
                todo.push_back((interp, Vec::new()));
            }
            continue;
        };
        // Libraries loaded for an executable also search the executable's DT_RPATH.
        let exe_rpath = if parent_rpath.is_empty() && info.runpath.is_empty() {
            info.rpath.iter().map(|d| expand_origin(d, &path)).collect()
        } else {
            parent_rpath
        };
        if let Some(interp) = &info.interpreter {
            todo.push_back((PathBuf::from(interp), Vec::new()));
        }
        for lib in &info.needed {
            let found = resolve(lib, &path, &info, &exe_rpath, search).ok_or_else(|| ElfError::NotFound { lib: lib.clone(), by: path.clone() })?;
            todo.push_back((found, exe_rpath.clone()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_of_env_holds_libc_and_the_loader() {
        let c = closure(&[PathBuf::from("/usr/bin/env")], &SearchPaths::host()).unwrap();
        let names: Vec<String> = c.files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names[0], "env");
        assert!(names.iter().any(|n| n == "libc.so.6"), "{names:?}");
        assert!(names.iter().any(|n| n.starts_with("ld-linux")), "{names:?}");
    }

    #[test]
    fn a_script_brings_its_interpreter() {
        let tmp = tempfile::tempdir().unwrap();
        let script = tmp.path().join("s");
        std::fs::write(&script, "#!/bin/sh -e\necho hi\n").unwrap();
        let c = closure(&[script], &SearchPaths::host()).unwrap();
        assert!(c.files.contains(&PathBuf::from("/bin/sh")));
    }

    #[test]
    fn a_missing_library_is_named() {
        let search = SearchPaths { dirs: vec![PathBuf::from("/nonexistent")] };
        let err = closure(&[PathBuf::from("/usr/bin/env")], &search).unwrap_err();
        assert!(err.to_string().contains("libc.so.6"), "{err}");
    }
}
