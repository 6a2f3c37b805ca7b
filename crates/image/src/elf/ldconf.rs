//! The library directories the host's ld.so searches: /etc/ld.so.conf (with its `include`
//! globs) followed by the built-in defaults. We read the configuration rather than
//! ld.so.cache because the cache's binary format is a glibc implementation detail.
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct SearchPaths {
    pub dirs: Vec<PathBuf>,
}

const DEFAULTS: &[&str] = &["/lib64", "/usr/lib64", "/lib", "/usr/lib"];

impl SearchPaths {
    pub fn host() -> Self {
        Self::from_conf(Path::new("/etc/ld.so.conf"))
    }

    pub fn from_conf(conf: &Path) -> Self {
        Self::from_conf_in(&super::View::Host, conf)
    }

    /// The search paths of a root's own /etc/ld.so.conf, its includes read inside the root.
    pub fn in_root(view: &super::View) -> Self {
        Self::from_conf_in(view, Path::new("/etc/ld.so.conf"))
    }

    fn from_conf_in(view: &super::View, conf: &Path) -> Self {
        let mut dirs = Vec::new();
        read_conf(view, conf, &mut dirs, 0);
        for d in DEFAULTS {
            dirs.push(PathBuf::from(d));
        }
        let mut seen = std::collections::HashSet::new();
        dirs.retain(|d| seen.insert(d.clone()));
        SearchPaths { dirs }
    }
}

fn read_conf(view: &super::View, path: &Path, dirs: &mut Vec<PathBuf>, depth: u32) {
    if depth > 8 {
        return;
    }
    // A configuration file is small; a hostile root's could be anything.
    let Ok(f) = std::fs::File::open(view.host(path)) else { return };
    let mut text = String::new();
    if std::io::Read::read_to_string(&mut std::io::Read::take(f, 1 << 20), &mut text).is_err() {
        return;
    }
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(pattern) = line.strip_prefix("include") {
            for p in pattern.split_whitespace() {
                let p = if p.starts_with('/') { PathBuf::from(p) } else { path.parent().unwrap_or(Path::new("/")).join(p) };
                for f in glob_last(view, &p) {
                    read_conf(view, &f, dirs, depth + 1);
                }
            }
        } else if line.starts_with('/') {
            // "dir=TYPE" is an old libc5 syntax; only the directory matters.
            dirs.push(PathBuf::from(line.split('=').next().unwrap_or(line)));
        }
    }
}

/// Expands a `*` in the last component only, sorted, which is what ld.so.conf files use.
fn glob_last(view: &super::View, p: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (p.parent(), p.file_name().and_then(|n| n.to_str())) else { return vec![] };
    let Some((prefix, suffix)) = name.split_once('*') else { return vec![p.to_path_buf()] };
    let Ok(rd) = std::fs::read_dir(view.host(dir)) else { return vec![] };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.len() >= prefix.len() + suffix.len() && n.starts_with(prefix) && n.ends_with(suffix)
        })
        .map(|e| dir.join(e.file_name()))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_are_followed_and_defaults_appended() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("conf.d")).unwrap();
        std::fs::write(tmp.path().join("conf.d/b.conf"), "/opt/b # comment\n").unwrap();
        std::fs::write(tmp.path().join("conf.d/a.conf"), "/opt/a\n").unwrap();
        std::fs::write(tmp.path().join("conf.d/skip.txt"), "/opt/skip\n").unwrap();
        let conf = tmp.path().join("ld.so.conf");
        std::fs::write(&conf, format!("include {}/conf.d/*.conf\n/opt/c\ninclude {}\n", tmp.path().display(), conf.display())).unwrap();
        let sp = SearchPaths::from_conf(&conf);
        let dirs: Vec<_> = sp.dirs.iter().map(|d| d.to_string_lossy().into_owned()).collect();
        assert_eq!(&dirs[..3], ["/opt/a", "/opt/b", "/opt/c"]);
        assert!(dirs.contains(&"/usr/lib".to_string()));
    }
}
