//! Where tsc-box keeps its data (records, bundles) and its volatile state (runtime state,
//! locks): a data root that survives reboots and a run directory that does not.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

use crate::{Coded, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Persistent data: containers/<id>/ and names/<name>.
    pub data_root: PathBuf,
    /// Volatile state; the runtime keeps its state under runtime/.
    pub run_dir: PathBuf,
}

/// What the defaults depend on, passed in so that tests need no real user.
#[derive(Debug, Clone)]
pub struct PathEnv {
    pub uid: u32,
    pub home: String,
    pub xdg_data_home: Option<String>,
    pub xdg_runtime_dir: Option<String>,
    /// The working directory a relative --root is taken from.
    pub cwd: PathBuf,
}

impl PathEnv {
    pub fn current() -> PathEnv {
        PathEnv {
            uid: nix::unistd::getuid().as_raw(),
            home: std::env::var("HOME").unwrap_or_else(|_| "/".into()),
            xdg_data_home: std::env::var("XDG_DATA_HOME").ok(),
            xdg_runtime_dir: std::env::var("XDG_RUNTIME_DIR").ok(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error("the run directory {base} must be a directory owned by uid {uid} with mode 0700 (found {found}): remove it or set XDG_RUNTIME_DIR")]
    UnsafeRunDir { base: String, uid: u32, found: String },
    #[error("the run directory {0}: {1}")]
    Io(String, std::io::Error),
}

impl Coded for PathsError {
    fn code(&self) -> ErrorCode {
        match self {
            PathsError::UnsafeRunDir { .. } => ErrorCode::UnsafeRunDir,
            PathsError::Io(..) => ErrorCode::Internal,
        }
    }
}

fn absolute(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|v| v.starts_with('/'))
}

fn default_data_root(p: &PathEnv) -> PathBuf {
    if p.uid == 0 {
        return PathBuf::from("/var/lib/tsc-box");
    }
    match absolute(&p.xdg_data_home) {
        Some(x) => Path::new(x).join("tsc-box"),
        None => Path::new(&p.home).join(".local/share/tsc-box"),
    }
}

fn default_run_dir(p: &PathEnv) -> PathBuf {
    if p.uid == 0 {
        return PathBuf::from("/run/tsc-box");
    }
    match absolute(&p.xdg_runtime_dir) {
        Some(x) => Path::new(x).join("tsc-box"),
        None => PathBuf::from(format!("/tmp/tsc-box-{}", p.uid)),
    }
}

/// Node's path.resolve: absolute, `.` and `..` folded, no trailing slash. The run directory's
/// tag is a digest of this string, so both languages must agree on it to the byte.
pub fn normalize(cwd: &Path, p: &str) -> PathBuf {
    let joined = if p.starts_with('/') { PathBuf::from(p) } else { cwd.join(p) };
    let mut out = PathBuf::from("/");
    for c in joined.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// A 64-bit FNV-1a digest as 16 hex digits: a stable short tag, not a security boundary.
pub fn fnv1a64(s: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// `root` is the --root flag (or TSC_BOX_ROOT). A chosen data root gets its own run directory,
/// derived from the root's path, so that parallel users of different roots (tests) never share
/// runtime state or names; it stays short because the runtime puts sockets under it.
pub fn resolve(root: Option<&str>, p: &PathEnv) -> Paths {
    match root.filter(|r| !r.is_empty()) {
        None => Paths { data_root: default_data_root(p), run_dir: default_run_dir(p) },
        Some(r) => {
            let data_root = normalize(&p.cwd, r);
            let tag = fnv1a64(&data_root.to_string_lossy());
            Paths { run_dir: default_run_dir(p).join("r").join(tag), data_root }
        }
    }
}

impl Paths {
    /// Where tsc-box keeps the runtime's state (the `--root` it gives the runtime).
    pub fn runtime_root(&self) -> PathBuf {
        self.run_dir.join("runtime")
    }
    pub fn containers_dir(&self) -> PathBuf {
        self.data_root.join("containers")
    }
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.containers_dir().join(id)
    }
    pub fn names_dir(&self) -> PathBuf {
        self.data_root.join("names")
    }
}

/// Without root the run directory may be /tmp/tsc-box-<uid>, in a directory every user can
/// write: whoever made it first would own our state and sockets. Make it 0700 if absent, and
/// refuse one that is not ours or that others may enter.
pub fn ensure_own_run_dir(run_dir: &Path, uid: u32) -> Result<(), PathsError> {
    let base = PathBuf::from(format!("/tmp/tsc-box-{uid}"));
    // XDG_RUNTIME_DIR is the user's own 0700 directory already.
    if uid == 0 || !run_dir.starts_with(&base) {
        return Ok(());
    }
    let shown = base.display().to_string();
    match std::fs::DirBuilder::new().mode(0o700).create(&base) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(PathsError::Io(shown, e)),
    }
    let st = std::fs::symlink_metadata(&base).map_err(|e| PathsError::Io(shown.clone(), e))?;
    let mode = st.mode() & 0o7777;
    if !st.is_dir() || st.uid() != uid || mode & 0o077 != 0 {
        let found = if st.is_dir() { format!("uid {}, mode {mode:o}", st.uid()) } else { "not a directory".into() };
        return Err(PathsError::UnsafeRunDir { base: shown, uid, found });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(uid: u32) -> PathEnv {
        PathEnv { uid, home: "/home/u".into(), xdg_data_home: None, xdg_runtime_dir: None, cwd: PathBuf::from("/work") }
    }

    #[test]
    fn defaults_for_root_and_users() {
        assert_eq!(resolve(None, &env(0)), Paths { data_root: "/var/lib/tsc-box".into(), run_dir: "/run/tsc-box".into() });
        assert_eq!(resolve(Some(""), &env(1000)).data_root, PathBuf::from("/home/u/.local/share/tsc-box"));
        assert_eq!(resolve(None, &env(1000)).run_dir, PathBuf::from("/tmp/tsc-box-1000"));
        let mut e = env(1000);
        e.xdg_data_home = Some("relative".into());
        e.xdg_runtime_dir = Some("/run/user/1000".into());
        let p = resolve(None, &e);
        assert_eq!(p.data_root, PathBuf::from("/home/u/.local/share/tsc-box"));
        assert_eq!(p.run_dir, PathBuf::from("/run/user/1000/tsc-box"));
    }

    #[test]
    fn a_chosen_root_gets_its_own_run_dir() {
        let p = resolve(Some("data/../d/"), &env(0));
        assert_eq!(p.data_root, PathBuf::from("/work/d"));
        assert_eq!(p.run_dir, PathBuf::from(format!("/run/tsc-box/r/{}", fnv1a64("/work/d"))));
    }

    #[test]
    fn fnv_matches_the_reference_values() {
        assert_eq!(fnv1a64(""), "cbf29ce484222325");
        assert_eq!(fnv1a64("a"), "af63dc4c8601ec8c");
    }

    #[test]
    fn root_needs_no_run_dir_check() {
        assert!(ensure_own_run_dir(Path::new("/tmp/tsc-box-0"), 0).is_ok());
        assert!(ensure_own_run_dir(Path::new("/run/user/5/tsc-box"), 5).is_ok());
    }
}
