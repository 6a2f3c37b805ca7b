//! Loading a bundle's config.json into oci-spec's typed structs, and refusing what we cannot
//! honour. config.json is hostile input: every rejection names the JSON field at fault.

mod validate;

use std::path::{Path, PathBuf};

use oci_spec::runtime::{Process, Spec};

pub use validate::validate;

use crate::kind::Kind;

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config.json: {field}: {msg}")]
    Parse { field: String, msg: String },
    #[error("config.json: {field}: {msg}")]
    Invalid { field: String, msg: String },
}

impl SpecError {
    pub fn kind(&self) -> Kind {
        Kind::Config
    }

    pub(crate) fn invalid(field: impl Into<String>, msg: impl Into<String>) -> Self {
        SpecError::Invalid { field: field.into(), msg: msg.into() }
    }
}

/// A validated bundle: the spec, the absolute path of its root filesystem, and its process
/// (present, with a non-empty args[0], an absolute cwd: what `validate` checks), so that no
/// caller has to unwrap an Option the validation already ruled out. Outside this crate only
/// `load` makes one (non_exhaustive), so holding a Bundle means its config passed `validate`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Bundle {
    pub dir: PathBuf,
    pub rootfs: PathBuf,
    pub spec: Spec,
    pub process: Process,
}

/// Reads and validates `<dir>/config.json`.
pub fn load(dir: &Path) -> Result<Bundle, SpecError> {
    let dir = std::fs::canonicalize(dir).map_err(|source| SpecError::Read { path: dir.to_path_buf(), source })?;
    let path = dir.join("config.json");
    let bytes = std::fs::read(&path).map_err(|source| SpecError::Read { path, source })?;
    let mut spec = parse(&bytes)?;
    bind_sources_in_bundle(&mut spec, &dir);
    let (rootfs, process) = validate::checked(&spec, &dir)?;
    let process = process.clone();
    Ok(Bundle { dir, rootfs, spec, process })
}

/// Makes a relative bind source absolute: config.md says bind sources are "either absolute
/// or relative to the bundle" (runc reads them so too). Validation then sees absolute paths
/// only, and nothing later depends on the runtime's working directory.
fn bind_sources_in_bundle(spec: &mut Spec, bundle: &Path) {
    for m in spec.mounts_mut().iter_mut().flatten() {
        let opts = m.options().as_deref().unwrap_or(&[]);
        let is_bind = m.typ().as_deref() == Some("bind") || opts.iter().any(|o| o == "bind" || o == "rbind");
        if let (true, Some(src)) = (is_bind, m.source().clone()) {
            if src.is_relative() {
                m.set_source(Some(bundle.join(src)));
            }
        }
    }
}

/// What a valid config asks for that is accepted but not applied, each with why; the
/// runtime logs them as warnings (the cgroup's own list is `Manager::ignored`).
pub fn ignored(spec: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    if spec.linux().as_ref().and_then(|l| l.mount_label().as_deref()).is_some_and(|l| !l.is_empty()) {
        out.push("linux.mountLabel is ignored: tsc-box applies no SELinux labels (mounts keep their default context)".into());
    }
    out
}

/// Parses config.json, reporting the JSON path of the first bad field.
pub fn parse(bytes: &[u8]) -> Result<Spec, SpecError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = match e.path().to_string() {
            p if p == "." || p.is_empty() => "(document)".to_string(),
            p => p,
        };
        SpecError::Parse { field, msg: e.into_inner().to_string() }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_bind_source_is_read_in_the_bundle() {
        let mut spec = parse(br#"{"ociVersion":"1.0.0","mounts":[{"destination":"/d","type":"bind","source":"data","options":["rbind"]},{"destination":"/t","type":"tmpfs","source":"tmpfs"},{"destination":"/a","type":"none","source":"/abs","options":["bind"]}]}"#).unwrap();
        bind_sources_in_bundle(&mut spec, Path::new("/b"));
        let sources: Vec<_> = spec.mounts().iter().flatten().map(|m| m.source().clone().unwrap()).collect();
        assert_eq!(sources, [PathBuf::from("/b/data"), PathBuf::from("tmpfs"), PathBuf::from("/abs")]);
    }

    #[test]
    fn parse_names_the_bad_field() {
        let err = parse(br#"{"ociVersion":"1.0.0","linux":{"namespaces":[{"type":"bogus"}]}}"#).unwrap_err();
        match err {
            SpecError::Parse { field, .. } => assert_eq!(field, "linux.namespaces[0].type"),
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn parse_rejects_non_json() {
        assert!(matches!(parse(b"not json"), Err(SpecError::Parse { .. })));
    }
}
