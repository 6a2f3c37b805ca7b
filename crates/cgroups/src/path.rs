//! The OCI `linux.cgroupsPath`: checked, then resolved to a cgroup path as the kernel names it.
//! Absolute paths are relative to the hierarchy root; relative ones to the caller's own cgroup.

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PathError {
    #[error("linux.cgroupsPath is empty")]
    Empty,
    #[error("linux.cgroupsPath {0:?} is the hierarchy root; a container needs a cgroup of its own")]
    Root(String),
    #[error("linux.cgroupsPath {0:?} uses the systemd form slice:prefix:name, which tsc-box does not support (use a path like /tsc-box/ID)")]
    Systemd(String),
    #[error("linux.cgroupsPath {path:?} has an invalid component {component:?} ('.', '..' and control characters are refused)")]
    BadComponent { path: String, component: String },
}

/// Check `p` and return the cgroup path it names, given the caller's own cgroup path in the
/// hierarchy concerned (used only for relative paths).
pub fn resolve(p: &str, own: &str) -> Result<String, PathError> {
    if p.is_empty() {
        return Err(PathError::Empty);
    }
    if p.contains(':') {
        return Err(PathError::Systemd(p.to_string()));
    }
    let mut parts: Vec<&str> = Vec::new();
    if !p.starts_with('/') {
        parts.extend(own.split('/').filter(|c| !c.is_empty()));
    }
    let own_depth = parts.len();
    for c in p.split('/').filter(|c| !c.is_empty()) {
        if c == "." || c == ".." || c.chars().any(|ch| ch.is_control()) {
            return Err(PathError::BadComponent { path: p.to_string(), component: c.to_string() });
        }
        parts.push(c);
    }
    if parts.len() == own_depth {
        return Err(PathError::Root(p.to_string()));
    }
    Ok(format!("/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_ignores_own() {
        assert_eq!(resolve("/tsc-box/abc", "/user.slice").unwrap(), "/tsc-box/abc");
        assert_eq!(resolve("//tsc-box//abc/", "/x").unwrap(), "/tsc-box/abc");
    }

    #[test]
    fn relative_is_below_own() {
        assert_eq!(resolve("tsc-box/abc", "/process_api/6e").unwrap(), "/process_api/6e/tsc-box/abc");
        assert_eq!(resolve("abc", "/").unwrap(), "/abc");
    }

    #[test]
    fn refused() {
        assert_eq!(resolve("", "/"), Err(PathError::Empty));
        assert!(matches!(resolve("/", "/"), Err(PathError::Root(_))));
        assert!(matches!(resolve("/a/../../etc", "/"), Err(PathError::BadComponent { .. })));
        assert!(matches!(resolve("./a", "/"), Err(PathError::BadComponent { .. })));
        assert!(matches!(resolve("system.slice:tsc:abc", "/"), Err(PathError::Systemd(_))));
        assert!(matches!(resolve("/a\nb", "/"), Err(PathError::BadComponent { .. })));
    }
}
