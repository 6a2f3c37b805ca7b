//! Finding args[0] on the container's PATH (its env, not ours) and the final execve.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::unistd::{access, AccessFlags};

use super::ProcessError;

pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The value of `name` in a NAME=VALUE list.
pub fn env_get<'a>(env: &'a [String], name: &str) -> Option<&'a str> {
    env.iter().rev().find_map(|e| e.strip_prefix(name)?.strip_prefix('='))
}

/// Resolves `arg0` like execvp: a name with a slash is used as is, anything else is looked
/// up on `path`. A file that exists but cannot be executed is reported as such, not skipped
/// silently, so the caller can answer 126 rather than 127.
pub fn lookup(arg0: &str, path: &str) -> Result<PathBuf, ProcessError> {
    if arg0.contains('/') {
        let p = PathBuf::from(arg0);
        return check(&p).map(|_| p);
    }
    let mut denied = None;
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let p = Path::new(dir).join(arg0);
        match check(&p) {
            Ok(()) => return Ok(p),
            Err(ProcessError::NotExecutable { errno: Errno::ENOENT | Errno::ENOTDIR, .. }) => continue,
            Err(e) => {
                denied.get_or_insert(e);
            }
        }
    }
    Err(denied.unwrap_or_else(|| ProcessError::NotFound(arg0.to_string())))
}

/// Whether `p` is a file this process may execute (access(2) asks for the real uid: after
/// the privilege drop, the user's).
pub fn check(p: &Path) -> Result<(), ProcessError> {
    let err = |errno| ProcessError::NotExecutable { path: p.to_path_buf(), errno };
    let md = std::fs::metadata(p).map_err(|e| err(Errno::from_raw(e.raw_os_error().unwrap_or(libc::ENOENT))))?;
    if md.is_dir() {
        return Err(err(Errno::EISDIR));
    }
    access(p, AccessFlags::X_OK).map_err(|e| if e == Errno::ENOENT { err(Errno::ENOENT) } else { err(e) })?;
    use std::os::unix::fs::PermissionsExt;
    // Root passes access(X_OK) for any file with one x bit; a file with none cannot run.
    if md.permissions().mode() & 0o111 == 0 {
        return Err(err(Errno::EACCES));
    }
    Ok(())
}

/// Argument and environment vectors, built before the last steps so execve needs nothing.
pub struct Prepared {
    pub path: CString,
    pub args: Vec<CString>,
    pub env: Vec<CString>,
}

pub fn prepare(path: &Path, args: &[String], env: &[String]) -> Prepared {
    let c = |s: &str| CString::new(s).unwrap_or_default();
    Prepared {
        path: CString::new(path.as_os_str().as_bytes()).unwrap_or_default(),
        args: args.iter().map(|s| c(s)).collect(),
        env: env.iter().map(|s| c(s)).collect(),
    }
}

/// Only returns on failure.
pub fn exec(p: &Prepared) -> Errno {
    match nix::unistd::execve(&p.path, &p.args, &p.env) {
        Err(e) => e,
        Ok(i) => match i {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn env_lookup_takes_the_last_value() {
        let env = vec!["PATH=/a".to_string(), "X=1".into(), "PATH=/b".into(), "PATHX=no".into()];
        assert_eq!(env_get(&env, "PATH"), Some("/b"));
        assert_eq!(env_get(&env, "HOME"), None);
    }

    #[test]
    fn finds_executables_on_path_and_reports_others() {
        let d = std::env::temp_dir().join(format!("tscbox-exec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("bin")).unwrap();
        std::fs::create_dir_all(d.join("data")).unwrap();
        std::fs::write(d.join("bin/tool"), b"#!/bin/sh\n").unwrap();
        std::fs::set_permissions(d.join("bin/tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(d.join("data/plain"), b"").unwrap();
        std::fs::set_permissions(d.join("data/plain"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let path = format!("/nonexistent:{}", d.join("bin").display());
        assert_eq!(lookup("tool", &path).unwrap(), d.join("bin/tool"));
        assert!(matches!(lookup("nope", &path), Err(ProcessError::NotFound(_))));
        let e = lookup(d.join("data/plain").to_str().unwrap(), &path).unwrap_err();
        assert_eq!(e.kind(), crate::kind::Kind::Permission);
        let e = lookup(d.join("data").to_str().unwrap(), &path).unwrap_err();
        assert_eq!(e.kind(), crate::kind::Kind::Permission);
        let e = lookup("/nonexistent/x", &path).unwrap_err();
        assert_eq!(e.kind(), crate::kind::Kind::NotFound);
        std::fs::remove_dir_all(d).unwrap();
    }
}
