//! Minimal images from host binaries: one layer with just the binaries, their ELF closure and
//! a minimal /etc, written as a regular OCI image through the same verified import as any
//! other image.
mod layer;
mod tree;

use crate::elf::{closure, ElfError, SearchPaths};
use crate::manifest::{Blob, CONFIG_OCI, LAYER_OCI_GZIP, MANIFEST_OCI};
use crate::store::{ImageRecord, Store, StoreError};
use std::path::PathBuf;
pub use tree::{Node, Tree};

#[derive(Debug, thiserror::Error)]
pub enum FromHostError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} is not an absolute path")]
    NotAbsolute(PathBuf),
    #[error("{0}: too many levels of symbolic links")]
    SymlinkLoop(PathBuf),
    #[error("{0} is not a regular file, directory or symlink; it cannot go into an image")]
    Unsupported(PathBuf),
    #[error("{0} is not an executable file")]
    NotExecutable(PathBuf),
    #[error("at least one binary is needed")]
    NoBinary,
    #[error("{0}")]
    Elf(#[from] ElfError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Default)]
pub struct FromHost {
    pub binaries: Vec<PathBuf>,
    pub add: Vec<PathBuf>,
    /// References to point at the image (normalised by the caller).
    pub refs: Vec<String>,
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP: &str = "root:x:0:\nnogroup:x:65534:\n";
const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn check_executable(p: &std::path::Path) -> Result<(), FromHostError> {
    use std::os::unix::fs::PermissionsExt;
    let m = std::fs::metadata(p).map_err(|e| FromHostError::Io(p.to_path_buf(), e))?;
    if !m.is_file() || m.permissions().mode() & 0o111 == 0 {
        return Err(FromHostError::NotExecutable(p.to_path_buf()));
    }
    Ok(())
}

/// The tree of a from-host image (exposed for tests and `--dry-run`-style listings).
pub fn plan(req: &FromHost) -> Result<Tree, FromHostError> {
    if req.binaries.is_empty() {
        return Err(FromHostError::NoBinary);
    }
    for b in &req.binaries {
        if !b.is_absolute() {
            return Err(FromHostError::NotAbsolute(b.clone()));
        }
        check_executable(b)?;
    }
    let files = closure(&req.binaries, &SearchPaths::host())?;
    let mut tree = Tree::default();
    for d in ["/dev", "/proc", "/sys", "/etc", "/root", "/tmp"] {
        tree.dir(
            d,
            match d {
                "/tmp" => 0o1777,
                "/root" => 0o700,
                _ => 0o755,
            },
        );
    }
    tree.data("/etc/passwd", PASSWD.as_bytes(), 0o644);
    tree.data("/etc/group", GROUP.as_bytes(), 0o644);
    for f in &files.files {
        tree.add(f, false)?;
    }
    for a in &req.add {
        tree.add(a, true)?;
    }
    Ok(tree)
}

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        other => other,
    }
}

pub fn build(store: &Store, req: &FromHost) -> Result<ImageRecord, FromHostError> {
    let tree = plan(req)?;
    let _writer = store.writer_guard()?;
    let layer = layer::write(store, &tree)?;
    let created = tsc_box_format::time::rfc3339(layer.newest_mtime);
    let bins: Vec<String> = req.binaries.iter().map(|b| b.to_string_lossy().into_owned()).collect();
    let config = serde_json::json!({
        "created": created,
        "architecture": arch(),
        "os": "linux",
        "config": {
            "Entrypoint": [bins[0]],
            "Env": [DEFAULT_PATH],
            "WorkingDir": "/",
            "Labels": {"io.tsc-box.from-host": bins.join(" ")},
        },
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id.to_string()]},
        "history": [{"created": created, "created_by": format!("tsc-box image from-host {}", bins.join(" "))}],
    });
    let config = serde_json::to_vec(&config).expect("json of json values");
    let (cd, cs) = store.put_bytes(&config)?;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_OCI,
        "config": {"mediaType": CONFIG_OCI, "digest": cd.to_string(), "size": cs},
        "layers": [{"mediaType": LAYER_OCI_GZIP, "digest": layer.digest.to_string(), "size": layer.size}],
    });
    let manifest = serde_json::to_vec(&manifest).expect("json of json values");
    let (md, ms) = store.put_bytes(&manifest)?;
    Ok(store.import(&Blob { digest: md, size: ms, media_type: MANIFEST_OCI.into() }, &req.refs)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_host_env_is_a_small_runnable_tree_and_rebuilds_identically() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("images")).unwrap();
        let req = FromHost { binaries: vec!["/usr/bin/env".into()], add: vec![], refs: vec!["localhost/env:latest".into()] };
        let a = build(&store, &req).unwrap();
        let b = build(&store, &req).unwrap();
        assert_eq!(a.manifest.digest, b.manifest.digest);
        let layer = store.layer_path(&a.layers[0].diff_id);
        assert!(layer.join("usr/bin/env").is_file());
        assert!(layer.join("etc/passwd").is_file());
        // The loader named in PT_INTERP resolves inside the layer.
        let interp = crate::elf::inspect(std::path::Path::new("/usr/bin/env")).unwrap().unwrap().interpreter.unwrap();
        let mut p = layer.clone();
        p.push(interp.trim_start_matches('/'));
        assert!(std::fs::symlink_metadata(&p).is_ok(), "{p:?}");
        assert!(a.size() < 8 << 20, "{}", a.size());
    }

    #[test]
    fn a_relative_or_non_executable_binary_is_refused() {
        let req = FromHost { binaries: vec!["env".into()], ..Default::default() };
        assert!(matches!(plan(&req), Err(FromHostError::NotAbsolute(_))));
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let req = FromHost { binaries: vec![tmp.path().to_path_buf()], ..Default::default() };
        assert!(matches!(plan(&req), Err(FromHostError::NotExecutable(_))));
    }
}
