//! The transitive closure of what a set of host executables loads: interpreters (the ELF
//! PT_INTERP loader, or a script's `#!` interpreter) and DT_NEEDED libraries, searched in
//! ld.so's order: DT_RPATH (when there is no DT_RUNPATH), DT_RUNPATH, ld.so.conf, defaults.
use super::dst::{expand, Tokens};
use super::{inspect, ElfError, ElfInfo, SearchPaths, View};
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Closure {
    /// Host paths, as the loader would open them (symlinks not resolved), in discovery order.
    pub files: Vec<PathBuf>,
}

fn compatible(candidate: &Path, want: &ElfInfo) -> bool {
    matches!(inspect(candidate), Ok(Some(i)) if i.is_64 == want.is_64 && i.machine == want.machine)
}

#[cfg(test)]
fn resolve(lib: &str, info: &ElfInfo, tokens: &Tokens, exe_rpath: &[PathBuf], search: &SearchPaths) -> Option<PathBuf> {
    resolve_in(&View::Host, lib, info, tokens, exe_rpath, search)
}

fn resolve_in(view: &View, lib: &str, info: &ElfInfo, tokens: &Tokens, exe_rpath: &[PathBuf], search: &SearchPaths) -> Option<PathBuf> {
    if lib.contains('/') {
        // A DT_NEEDED path: ld.so expands the same tokens in it.
        let p = expand(lib, tokens);
        return view.host(&p).is_file().then_some(p);
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    if info.runpath.is_empty() {
        dirs.extend(info.rpath.iter().map(|d| expand(d, tokens)));
        dirs.extend(exe_rpath.iter().cloned());
    }
    dirs.extend(info.runpath.iter().map(|d| expand(d, tokens)));
    dirs.extend(search.dirs.iter().cloned());
    // glibc's loader also searches the directories it was built for (its slibdir and libdir:
    // /lib/x86_64-linux-gnu and /usr/lib/x86_64-linux-gnu on Debian), with no ld.so.conf
    // entry: a minimal root (a from-host image) has none. On the host, ld.so.conf names them.
    if view.is_root() {
        if let Some(l) = &tokens.lib {
            dirs.push(Path::new("/").join(l));
            dirs.push(Path::new("/usr").join(l));
        }
    }
    dirs.into_iter().map(|d| d.join(lib)).find(|c| {
        let h = view.host(c);
        h.is_file() && compatible(&h, info)
    })
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
    closure_in(&View::Host, bins, search)
}

/// The closure of `bins` (paths in `view`), every file looked up in `view`: for a root, as
/// that root's own loader would find it. The files are paths in the view.
pub fn closure_in(view: &View, bins: &[PathBuf], search: &SearchPaths) -> Result<Closure, ElfError> {
    let mut out = Closure::default();
    let mut seen = HashSet::new();
    // Each object with the executable's DT_RPATH and the loader that loads it (whose
    // directory is $LIB).
    let mut todo: VecDeque<(PathBuf, Vec<PathBuf>, Option<PathBuf>)> = bins.iter().map(|b| (b.clone(), Vec::new(), None)).collect();
    while let Some((path, parent_rpath, parent_loader)) = todo.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        out.files.push(path.clone());
        let host = view.host(&path);
        let Some(info) = inspect(&host)? else {
            if let Some(interp) = shebang(&host) {
                todo.push_back((interp, Vec::new(), None));
            }
            continue;
        };
        let loader = info.interpreter.as_ref().map(PathBuf::from).or(parent_loader);
        let tokens = Tokens::of_in(view, &path, loader.as_deref(), info.machine);
        // Libraries loaded for an executable also search the executable's DT_RPATH.
        let exe_rpath = if parent_rpath.is_empty() && info.runpath.is_empty() { info.rpath.iter().map(|d| expand(d, &tokens)).collect() } else { parent_rpath };
        if let Some(interp) = &info.interpreter {
            todo.push_back((PathBuf::from(interp), Vec::new(), None));
        }
        for lib in &info.needed {
            let found = resolve_in(view, lib, &info, &tokens, &exe_rpath, search).ok_or_else(|| ElfError::NotFound { lib: lib.clone(), by: path.clone() })?;
            todo.push_back((found, exe_rpath.clone(), loader.clone()));
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

    /// An application tree whose program finds libc through `runpath` (relative to bin/).
    fn app_finding_libc_through(runpath: &str, lib_dir: &str) -> Option<PathBuf> {
        let env = inspect(Path::new("/usr/bin/env")).unwrap().unwrap();
        let loader = PathBuf::from(env.interpreter.clone().unwrap());
        let tmp = tempfile::tempdir().unwrap();
        let prog = tmp.path().join("app/bin/prog");
        std::fs::create_dir_all(prog.parent().unwrap()).unwrap();
        std::fs::copy("/usr/bin/env", &prog).unwrap();
        let dir = tmp.path().join("app").join(lib_dir);
        std::fs::create_dir_all(&dir).unwrap();
        let libc = closure(&[PathBuf::from("/usr/bin/env")], &SearchPaths::host()).unwrap().files.into_iter().find(|f| f.ends_with("libc.so.6")).unwrap();
        std::fs::copy(libc, dir.join("libc.so.6")).unwrap();
        let info = ElfInfo { runpath: vec![runpath.to_string()], ..env };
        let tokens = Tokens::of(&prog, Some(&loader), info.machine);
        let found = resolve("libc.so.6", &info, &tokens, &[], &SearchPaths { dirs: vec![] });
        found.map(|f| f.strip_prefix(tmp.path()).unwrap().to_path_buf())
    }

    #[test]
    fn runpath_tokens_origin_lib_and_platform_find_the_application_s_libraries() {
        let lib = crate::elf::dst::lib_of_loader(Path::new(&inspect(Path::new("/usr/bin/env")).unwrap().unwrap().interpreter.unwrap())).unwrap();
        assert_eq!(app_finding_libc_through("$ORIGIN/../lib", "lib"), Some(PathBuf::from("app/bin/../lib/libc.so.6")));
        assert_eq!(app_finding_libc_through("$ORIGIN/../$LIB", &lib), Some(PathBuf::from(format!("app/bin/../{lib}/libc.so.6"))));
        // $PLATFORM as the host's loader names it (x86_64, or glibc's own "haswell").
        let env = inspect(Path::new("/usr/bin/env")).unwrap().unwrap();
        let loader = PathBuf::from(env.interpreter.clone().unwrap());
        if let Some(plat) = Tokens::of(Path::new("/usr/bin/env"), Some(&loader), env.machine).platform {
            let dir = format!("plat/{plat}");
            assert_eq!(app_finding_libc_through("${ORIGIN}/../plat/$PLATFORM", &dir), Some(PathBuf::from(format!("app/bin/../{dir}/libc.so.6"))));
        }
        assert_eq!(app_finding_libc_through("$ORIGIN/../$LIB", "elsewhere"), None);
    }

    #[test]
    fn a_needed_path_with_origin_is_expanded() {
        let env = inspect(Path::new("/usr/bin/env")).unwrap().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("bin")).unwrap();
        std::fs::create_dir_all(tmp.path().join("lib")).unwrap();
        std::fs::write(tmp.path().join("lib/libq.so"), b"q").unwrap();
        let tokens = Tokens::of(&tmp.path().join("bin/prog"), None, env.machine);
        let found = resolve("$ORIGIN/../lib/libq.so", &env, &tokens, &[], &SearchPaths { dirs: vec![] });
        assert_eq!(found, Some(tmp.path().join("bin/../lib/libq.so")));
    }

    #[test]
    fn a_missing_library_is_named() {
        let search = SearchPaths { dirs: vec![PathBuf::from("/nonexistent")] };
        let err = closure(&[PathBuf::from("/usr/bin/env")], &search).unwrap_err();
        assert!(err.to_string().contains("libc.so.6"), "{err}");
    }
}

#[cfg(test)]
mod root_tests {
    use super::*;

    /// A root holding the host closure of env at the same paths, its loader reached through an
    /// absolute symlink as on Debian (/lib64/ld-linux-x86-64.so.2 -> /lib/...).
    fn root_with_env() -> (tempfile::TempDir, Closure) {
        let host = closure(&[PathBuf::from("/usr/bin/env")], &SearchPaths::host()).unwrap();
        let t = tempfile::tempdir().unwrap();
        // The root's own loader configuration: the host's, as a root built like it has.
        std::fs::create_dir_all(t.path().join("etc")).unwrap();
        let _ = std::fs::copy("/etc/ld.so.conf", t.path().join("etc/ld.so.conf"));
        if let Ok(rd) = std::fs::read_dir("/etc/ld.so.conf.d") {
            std::fs::create_dir_all(t.path().join("etc/ld.so.conf.d")).unwrap();
            for e in rd.flatten() {
                let _ = std::fs::copy(e.path(), t.path().join("etc/ld.so.conf.d").join(e.file_name()));
            }
        }
        for f in &host.files {
            let real = std::fs::canonicalize(f).unwrap();
            let dest = t.path().join(real.strip_prefix("/").unwrap());
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&real, &dest).unwrap();
            if real != *f {
                let link = t.path().join(f.strip_prefix("/").unwrap());
                if std::fs::symlink_metadata(&link).is_err() {
                    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
                    std::os::unix::fs::symlink(&real, &link).unwrap();
                }
            }
        }
        (t, host)
    }

    #[test]
    fn a_root_s_closure_is_found_inside_it_as_its_loader_would() {
        let (t, host) = root_with_env();
        let view = View::Root(t.path().to_path_buf());
        let c = closure_in(&view, &[PathBuf::from("/usr/bin/env")], &SearchPaths::in_root(&view)).unwrap();
        let names = |c: &Closure| c.files.iter().map(|p| p.file_name().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(names(&c), names(&host));
        // Paths in the root, never the host's.
        for f in &c.files {
            assert!(view.host(f).starts_with(t.path()), "{f:?}");
        }
    }

    #[test]
    fn a_library_missing_from_the_root_is_not_taken_from_the_host() {
        let (t, _) = root_with_env();
        let view = View::Root(t.path().to_path_buf());
        let libc = closure_in(&view, &[PathBuf::from("/usr/bin/env")], &SearchPaths::in_root(&view))
            .unwrap()
            .files
            .into_iter()
            .find(|f| f.ends_with("libc.so.6"))
            .unwrap();
        std::fs::remove_file(view.host(&libc)).unwrap();
        let err = closure_in(&view, &[PathBuf::from("/usr/bin/env")], &SearchPaths::in_root(&view)).unwrap_err();
        assert!(matches!(err, ElfError::NotFound { .. }), "{err}");
    }
}
