//! The container process's own settings, applied by the init child on itself: identity,
//! capabilities, rlimits, sysctls, loopback, and the final execve.

pub mod caps;
pub mod exec;
pub mod identity;
pub mod launch;
pub mod limits;
pub mod network;

use std::path::PathBuf;

use nix::errno::Errno;

use crate::kind::Kind;

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("{what}: {errno}")]
    Sys { what: String, errno: Errno },
    #[error("capability {0} is not known to this kernel or library")]
    UnknownCap(String),
    #[error("capabilities: {0}")]
    Caps(String),
    #[error("user {what}: {errno}")]
    User { what: String, errno: Errno },
    // The wording of these three is runc's, in lowercase: docker's CLI and podman map a
    // runtime error containing "executable file not found in $PATH" or "no such file or
    // directory" to 127 and "permission denied" to 126 (see [`errno_text`]).
    #[error("exec: {0:?}: executable file not found in $PATH")]
    NotFound(String),
    #[error("exec: {path:?}: {}", errno_text(*.errno))]
    NotExecutable { path: PathBuf, errno: Errno },
    #[error("chdir to cwd ({path:?}) set in config.json failed: {}", errno_text(*.errno))]
    Cwd { path: PathBuf, errno: Errno },
    #[error(transparent)]
    Seccomp(#[from] crate::security::seccomp::SeccompError),
}

impl ProcessError {
    pub fn kind(&self) -> Kind {
        match self {
            ProcessError::NotFound(_) => Kind::NotFound,
            ProcessError::NotExecutable { errno, .. } => exec_kind(*errno),
            ProcessError::User { .. } | ProcessError::Cwd { .. } => Kind::User,
            ProcessError::Seccomp(crate::security::seccomp::SeccompError::Profile { .. } | crate::security::seccomp::SeccompError::TooLarge(_)) => Kind::Config,
            _ => Kind::Process,
        }
    }

    pub(crate) fn sys(what: impl Into<String>) -> impl FnOnce(Errno) -> ProcessError {
        let what = what.into();
        move |errno| ProcessError::Sys { what, errno }
    }
}

/// An errno as Go's syscall package words it ("no such file or directory", "permission
/// denied"): lowercase, without the symbolic name, since engines match these phrases.
pub fn errno_text(errno: Errno) -> String {
    let d = errno.desc();
    let mut c = d.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => format!("errno {}", errno as i32),
    }
}

/// How an execve errno maps to the CLI's 127/126 (like a shell).
pub fn exec_kind(errno: Errno) -> Kind {
    match errno {
        Errno::ENOENT | Errno::ENOTDIR => Kind::NotFound,
        Errno::EACCES | Errno::ENOEXEC | Errno::EISDIR | Errno::EPERM | Errno::ETXTBSY => Kind::Permission,
        _ => Kind::Process,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_errors_carry_the_phrases_engines_map_to_126_and_127() {
        let nf = ProcessError::NotFound("nope".into()).to_string();
        assert!(nf.contains("executable file not found in $PATH"), "{nf}");
        let missing = ProcessError::NotExecutable { path: "/bin/x".into(), errno: Errno::ENOENT }.to_string();
        assert_eq!(missing, "exec: \"/bin/x\": no such file or directory");
        let denied = ProcessError::NotExecutable { path: "/etc/passwd".into(), errno: Errno::EACCES }.to_string();
        assert!(denied.ends_with(": permission denied"), "{denied}");
        let cwd = ProcessError::Cwd { path: "/nope".into(), errno: Errno::ENOENT }.to_string();
        assert!(cwd.contains("no such file or directory"), "{cwd}");
        assert_eq!(ProcessError::NotExecutable { path: "/x".into(), errno: Errno::ENOENT }.kind(), Kind::NotFound);
        assert_eq!(ProcessError::NotExecutable { path: "/x".into(), errno: Errno::EACCES }.kind(), Kind::Permission);
    }
}
