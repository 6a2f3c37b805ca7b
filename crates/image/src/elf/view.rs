//! Where a closure's paths live: the host, or a root directory (a build stage's merged root)
//! in which paths and symlinks are resolved as if that directory were `/`, the way the stage's
//! own dynamic loader would see them. A root is hostile: `..` never climbs above it, an
//! absolute symlink starts again at it, and nothing of it is ever executed.
use std::path::{Component, Path, PathBuf};

const MAX_SYMLINKS: u32 = 40;

#[derive(Debug, Clone, Default)]
pub enum View {
    #[default]
    Host,
    Root(PathBuf),
}

/// One step of a resolution inside a root: a symlink met on the way (its path in the root and
/// its target), so that a copy of the closure can recreate the same links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub path: PathBuf,
    pub target: PathBuf,
}

impl View {
    /// The host path to open for `p` (a path as the loader sees it). For a root: every symlink
    /// resolved inside it; None when it loops.
    pub fn host(&self, p: &Path) -> PathBuf {
        match self {
            View::Host => p.to_path_buf(),
            View::Root(root) => match resolve(root, p, &mut Vec::new()) {
                Some(inside) => root.join(inside.strip_prefix("/").unwrap_or(&inside)),
                // A loop: a path that cannot exist, so every check on it fails.
                None => root.join(".tsc-box-symlink-loop/\0"),
            },
        }
    }

    /// `p` with every symlink resolved, as a path in the view (what `canonicalize` gives).
    pub fn canonical(&self, p: &Path) -> Option<PathBuf> {
        match self {
            View::Host => std::fs::canonicalize(p).ok(),
            View::Root(root) => resolve(root, p, &mut Vec::new()),
        }
    }

    /// The links met resolving `p` inside the root, in order (empty for the host).
    pub fn links(&self, p: &Path) -> Vec<Link> {
        let mut links = Vec::new();
        if let View::Root(root) = self {
            resolve(root, p, &mut links);
        }
        links
    }

    pub fn is_root(&self) -> bool {
        matches!(self, View::Root(_))
    }
}

/// Resolves `p` inside `root`: the resulting path in the root (absolute, no symlink left), or
/// None past MAX_SYMLINKS links. A missing component ends the resolution as written.
fn resolve(root: &Path, p: &Path, links: &mut Vec<Link>) -> Option<PathBuf> {
    let mut done = PathBuf::from("/");
    let mut todo: Vec<std::ffi::OsString> = p
        .components()
        .rev()
        .filter_map(|c| {
            if let Component::Normal(n) = c {
                Some(n.to_os_string())
            } else if c == Component::ParentDir {
                Some("..".into())
            } else {
                None
            }
        })
        .collect();
    let mut hops = 0;
    while let Some(c) = todo.pop() {
        if c == ".." {
            done.pop();
            continue;
        }
        let next = done.join(&c);
        let host = root.join(next.strip_prefix("/").unwrap_or(&next));
        match std::fs::symlink_metadata(&host) {
            Ok(m) if m.file_type().is_symlink() => {
                hops += 1;
                if hops > MAX_SYMLINKS {
                    return None;
                }
                let target = std::fs::read_link(&host).ok()?;
                links.push(Link { path: next.clone(), target: target.clone() });
                if target.is_absolute() {
                    done = PathBuf::from("/");
                }
                for comp in target.components().rev() {
                    match comp {
                        Component::Normal(n) => todo.push(n.to_os_string()),
                        Component::ParentDir => todo.push("..".into()),
                        _ => {}
                    }
                }
            }
            Ok(_) => done = next,
            Err(_) => {
                // The rest as written: it does not exist.
                let mut rest = next;
                while let Some(c) = todo.pop() {
                    rest.push(c);
                }
                return Some(rest);
            }
        }
    }
    Some(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn absolute_links_and_dotdot_stay_inside_the_root() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("lib/x86_64")).unwrap();
        std::fs::write(r.join("lib/x86_64/ld.so"), "x").unwrap();
        std::fs::create_dir(r.join("lib64")).unwrap();
        symlink("/lib/x86_64/ld.so", r.join("lib64/ld.so")).unwrap();
        symlink("../../../../etc", r.join("lib/up")).unwrap();
        symlink("/etc/shadow", r.join("shadow")).unwrap();
        let v = View::Root(r.to_path_buf());
        assert_eq!(v.canonical(Path::new("/lib64/ld.so")).unwrap(), Path::new("/lib/x86_64/ld.so"));
        assert_eq!(v.host(Path::new("/lib64/ld.so")), r.join("lib/x86_64/ld.so"));
        assert_eq!(v.host(Path::new("/lib/up/passwd")), r.join("etc/passwd"));
        assert_eq!(v.host(Path::new("/shadow")), r.join("etc/shadow"));
        assert_eq!(v.host(Path::new("/../../etc/passwd")), r.join("etc/passwd"));
        assert_eq!(v.links(Path::new("/lib64/ld.so")), vec![Link { path: "/lib64/ld.so".into(), target: "/lib/x86_64/ld.so".into() }]);
        symlink("loop", r.join("loop")).unwrap();
        assert!(!v.host(Path::new("/loop")).exists());
    }
}
