//! The file tree of a from-host image: host paths are copied to the same paths in the image,
//! and every symlink met on the way (merged-/usr's /lib64 -> usr/lib64, versioned library
//! names) is recreated, so the paths the loader and binaries use resolve the same way inside.
use super::FromHostError;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir {
        mode: u32,
        mtime: u64,
    },
    File {
        host: PathBuf,
        mode: u32,
        mtime: u64,
        size: u64,
    },
    Symlink {
        target: PathBuf,
        mtime: u64,
    },
    /// Generated content (the minimal /etc).
    Data {
        bytes: Vec<u8>,
        mode: u32,
    },
}

/// Image path (absolute, normalised) -> node. Sorted, so that the same inputs give the same
/// layer bytes and therefore the same image.
#[derive(Debug, Default)]
pub struct Tree {
    pub nodes: BTreeMap<PathBuf, Node>,
}

const MAX_HOPS: u32 = 40;

fn meta(p: &Path) -> Result<std::fs::Metadata, FromHostError> {
    std::fs::symlink_metadata(p).map_err(|e| FromHostError::Io(p.to_path_buf(), e))
}

impl Tree {
    fn ensure_dir(&mut self, p: &Path) -> Result<(), FromHostError> {
        if p == Path::new("/") || self.nodes.contains_key(p) {
            return Ok(());
        }
        let m = meta(p)?;
        self.nodes.insert(p.to_path_buf(), Node::Dir { mode: m.mode() & 0o7777, mtime: m.mtime().max(0) as u64 });
        Ok(())
    }

    /// Adds the host path `p` (absolute) with every symlink on the way to it. Directories are
    /// added recursively when `recursive`.
    pub fn add(&mut self, p: &Path, recursive: bool) -> Result<(), FromHostError> {
        if !p.is_absolute() {
            return Err(FromHostError::NotAbsolute(p.to_path_buf()));
        }
        // `..` is resolved as the walk goes (after a symlink, from where it led), as the
        // kernel does: library paths found through `$ORIGIN/../lib` hold one.
        let mut todo: Vec<PathBuf> = p
            .components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(PathBuf::from(n)),
                Component::ParentDir => Some(PathBuf::from("..")),
                _ => None,
            })
            .rev()
            .collect();
        let mut cur = PathBuf::from("/");
        let mut hops = 0;
        while let Some(comp) = todo.pop() {
            if comp == Path::new("..") {
                cur.pop();
                continue;
            }
            let next = cur.join(&comp);
            let m = meta(&next)?;
            if m.file_type().is_symlink() {
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(FromHostError::SymlinkLoop(p.to_path_buf()));
                }
                let target = std::fs::read_link(&next).map_err(|e| FromHostError::Io(next.clone(), e))?;
                self.ensure_parents(&next)?;
                self.nodes.insert(next.clone(), Node::Symlink { target: target.clone(), mtime: m.mtime().max(0) as u64 });
                if target.is_absolute() {
                    cur = PathBuf::from("/");
                }
                for c in target.components().rev() {
                    match c {
                        Component::Normal(n) => todo.push(PathBuf::from(n)),
                        Component::ParentDir => todo.push(PathBuf::from("..")),
                        _ => {}
                    }
                }
                continue;
            }
            cur = next;
            if todo.is_empty() {
                self.ensure_parents(&cur)?;
                return self.add_final(&cur, &m, recursive);
            }
        }
        Ok(())
    }

    fn ensure_parents(&mut self, p: &Path) -> Result<(), FromHostError> {
        let mut acc = PathBuf::from("/");
        if let Some(parent) = p.parent() {
            for c in parent.components().skip(1) {
                acc.push(c);
                self.ensure_dir(&acc)?;
            }
        }
        Ok(())
    }

    fn add_final(&mut self, p: &Path, m: &std::fs::Metadata, recursive: bool) -> Result<(), FromHostError> {
        let mtime = m.mtime().max(0) as u64;
        if m.is_file() {
            self.nodes.insert(p.to_path_buf(), Node::File { host: p.to_path_buf(), mode: m.mode() & 0o7777, mtime, size: m.len() });
        } else if m.is_dir() {
            self.ensure_dir(p)?;
            if recursive {
                let rd = std::fs::read_dir(p).map_err(|e| FromHostError::Io(p.to_path_buf(), e))?;
                for e in rd {
                    let e = e.map_err(|e| FromHostError::Io(p.to_path_buf(), e))?;
                    let child = e.path();
                    let cm = meta(&child)?;
                    if cm.file_type().is_symlink() {
                        let target = std::fs::read_link(&child).map_err(|e| FromHostError::Io(child.clone(), e))?;
                        self.nodes.insert(child, Node::Symlink { target, mtime: cm.mtime().max(0) as u64 });
                    } else {
                        self.add_final(&child, &cm, true)?;
                    }
                }
            }
        } else {
            return Err(FromHostError::Unsupported(p.to_path_buf()));
        }
        Ok(())
    }

    /// Generated content; the parents are created 0755.
    pub fn data(&mut self, p: &str, bytes: &[u8], mode: u32) {
        let p = PathBuf::from(p);
        let mut acc = PathBuf::from("/");
        for c in p.parent().unwrap().components().skip(1) {
            acc.push(c);
            self.nodes.entry(acc.clone()).or_insert(Node::Dir { mode: 0o755, mtime: 0 });
        }
        self.nodes.insert(p, Node::Data { bytes: bytes.to_vec(), mode });
    }

    pub fn dir(&mut self, p: &str, mode: u32) {
        self.nodes.entry(PathBuf::from(p)).or_insert(Node::Dir { mode, mtime: 0 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_on_the_way_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("usr/lib")).unwrap();
        std::fs::write(root.join("usr/lib/libx.so.1.2"), b"x").unwrap();
        std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
        std::os::unix::fs::symlink("libx.so.1.2", root.join("usr/lib/libx.so.1")).unwrap();
        let mut t = Tree::default();
        t.add(&root.join("lib/libx.so.1"), false).unwrap();
        assert!(matches!(t.nodes.get(&root.join("lib")), Some(Node::Symlink { .. })));
        assert!(matches!(t.nodes.get(&root.join("usr/lib/libx.so.1")), Some(Node::Symlink { .. })));
        assert!(matches!(t.nodes.get(&root.join("usr/lib/libx.so.1.2")), Some(Node::File { .. })));
        assert!(matches!(t.nodes.get(&root.join("usr")), Some(Node::Dir { .. })));
    }

    #[test]
    fn dot_dot_in_a_path_goes_up_from_where_the_walk_is() {
        // $ORIGIN/../lib of a program in app/bin: the library is app/lib/libx.so, not
        // app/bin/lib/libx.so; through a symlinked bin, `..` leaves the directory it points to.
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("app/bin")).unwrap();
        std::fs::create_dir_all(root.join("app/lib")).unwrap();
        std::fs::create_dir_all(root.join("real/sbin")).unwrap();
        std::fs::create_dir_all(root.join("real/lib")).unwrap();
        std::fs::write(root.join("app/lib/libx.so"), b"x").unwrap();
        std::fs::write(root.join("real/lib/liby.so"), b"y").unwrap();
        std::os::unix::fs::symlink(root.join("real/sbin"), root.join("app/sbin")).unwrap();
        let mut t = Tree::default();
        t.add(&root.join("app/bin/../lib/libx.so"), false).unwrap();
        t.add(&root.join("app/sbin/../lib/liby.so"), false).unwrap();
        assert!(matches!(t.nodes.get(&root.join("app/lib/libx.so")), Some(Node::File { .. })));
        assert!(matches!(t.nodes.get(&root.join("real/lib/liby.so")), Some(Node::File { .. })));
        assert!(!t.nodes.keys().any(|k| k.to_string_lossy().contains("..")), "{:?}", t.nodes.keys());
    }

    #[test]
    fn a_symlink_loop_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b", tmp.path().join("a")).unwrap();
        std::os::unix::fs::symlink("a", tmp.path().join("b")).unwrap();
        let mut t = Tree::default();
        assert!(matches!(t.add(&tmp.path().join("a"), false), Err(FromHostError::SymlinkLoop(_))));
    }
}
