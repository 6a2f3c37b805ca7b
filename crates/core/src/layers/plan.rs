//! The annotation's content and its checks. Its value is JSON:
//! `{"lowerdir": [topmost, ..., bottom], "upperdir": "...", "workdir": "...", "copy": false}`.
//! Every path must be absolute, plain (no `.`/`..`, no symlink on the way, no `,` `:` `\`
//! or newline, which the mount options cannot carry) and a directory; upperdir and workdir
//! are siblings of root.path (the CLI's `<data root>/overlay/<key>/{upper,work,merged}`), and
//! each lowerdir is an unpacked image layer, `<data root>/images/layers/<name>`, the data root
//! being three levels above root.path (never another container's directory).

use std::path::{Component, Path, PathBuf};

use oci_spec::runtime::Spec;

use super::LayersError;

pub const ANNOTATION: &str = "io.tsc-box.rootfs.overlay";

/// overlayfs itself stops at 500 lower layers.
const MAX_LAYERS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layers {
    pub lowerdir: Vec<PathBuf>,
    pub upperdir: PathBuf,
    pub workdir: PathBuf,
    /// Copy the layers into root.path instead of mounting (TSC_BOX_STORAGE_DRIVER=copy).
    #[serde(default)]
    pub copy: bool,
}

impl Layers {
    /// The checked request of `spec`'s annotation, if it has one, for the rootfs `rootfs`.
    pub fn from_spec(spec: &Spec, rootfs: &Path) -> Result<Option<Layers>, LayersError> {
        let Some(raw) = spec.annotations().as_ref().and_then(|a| a.get(ANNOTATION)) else { return Ok(None) };
        let layers: Layers = serde_json::from_str(raw).map_err(|e| LayersError::Invalid(e.to_string()))?;
        layers.check(rootfs)?;
        Ok(Some(layers))
    }

    fn check(&self, rootfs: &Path) -> Result<(), LayersError> {
        if self.lowerdir.is_empty() || self.lowerdir.len() > MAX_LAYERS {
            return Err(LayersError::Invalid(format!("lowerdir must name 1 to {MAX_LAYERS} directories")));
        }
        plain(rootfs)?;
        let dir = rootfs.parent().ok_or(LayersError::BadPath(rootfs.into(), "root.path has no parent directory"))?;
        let data_root = dir.parent().and_then(Path::parent).ok_or(LayersError::BadPath(rootfs.into(), "root.path is not <data root>/overlay/<key>/<dir>"))?;
        for (p, not_sibling) in [(&self.upperdir, "upperdir must be a sibling of root.path"), (&self.workdir, "workdir must be a sibling of root.path")] {
            plain(p)?;
            if p.parent() != Some(dir) || p == rootfs {
                return Err(LayersError::BadPath(p.clone(), not_sibling));
            }
        }
        if self.upperdir == self.workdir {
            return Err(LayersError::BadPath(self.workdir.clone(), "workdir must differ from upperdir"));
        }
        let store = data_root.join("images/layers");
        for l in &self.lowerdir {
            plain(l)?;
            if l.parent() != Some(store.as_path()) {
                return Err(LayersError::BadPath(l.clone(), "a lowerdir must be an image layer: <data root>/images/layers/<name>"));
            }
        }
        for p in self.lowerdir.iter().chain([&self.upperdir, &self.workdir, &rootfs.to_path_buf()]) {
            real_dir(p)?;
        }
        Ok(())
    }

    /// The overlay mount options; `userxattr` for a mount inside a user namespace.
    pub fn options(&self, userxattr: bool) -> String {
        let s = |p: &PathBuf| p.to_str().expect("checked: UTF-8").to_string();
        let lower: Vec<String> = tsc_box_image::overlay::distinct_lower(&self.lowerdir).into_iter().map(s).collect();
        let mut o = format!("lowerdir={},upperdir={},workdir={}", lower.join(":"), s(&self.upperdir), s(&self.workdir));
        if userxattr {
            o.push_str(",userxattr");
        }
        o
    }
}

/// Absolute, lexically plain, and carriable in the mount options.
fn plain(p: &Path) -> Result<(), LayersError> {
    let Some(s) = p.to_str() else { return Err(LayersError::BadPath(p.into(), "not UTF-8")) };
    if !p.is_absolute() {
        return Err(LayersError::BadPath(p.into(), "not an absolute path"));
    }
    if s.contains([',', ':', '\\', '\n']) || s.len() > 1024 {
        return Err(LayersError::BadPath(p.into(), "contains ',', ':', '\\' or a newline, or is too long, for the overlay mount options"));
    }
    // Path::components folds "a/./b" and "a//b" away: compare with the text itself.
    let rebuilt: PathBuf = p.components().collect();
    if p.components().any(|c| !matches!(c, Component::RootDir | Component::Normal(_))) || rebuilt.as_os_str() != p.as_os_str() || s.ends_with('/') {
        return Err(LayersError::BadPath(p.into(), "not a plain path ('.', '..', '//' or a trailing '/')"));
    }
    Ok(())
}

/// An existing directory reached without any symlink.
fn real_dir(p: &Path) -> Result<(), LayersError> {
    match std::fs::canonicalize(p) {
        Ok(c) if c == p && c.is_dir() => Ok(()),
        Ok(_) => Err(LayersError::BadPath(p.into(), "is not a directory reached without symlinks")),
        Err(_) => Err(LayersError::BadPath(p.into(), "does not exist or cannot be reached")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tree {
        _tmp: tempfile::TempDir,
        data: PathBuf,
        rootfs: PathBuf,
    }

    fn tree() -> Tree {
        let tmp = tempfile::tempdir().unwrap();
        let data = std::fs::canonicalize(tmp.path()).unwrap().join("data");
        for d in ["overlay/k/upper", "overlay/k/work", "overlay/k/merged", "images/layers/a", "images/layers/b"] {
            std::fs::create_dir_all(data.join(d)).unwrap();
        }
        let rootfs = data.join("overlay/k/merged");
        Tree { _tmp: tmp, data, rootfs }
    }

    fn spec_with(value: &str) -> Spec {
        let mut spec = Spec::default();
        spec.set_annotations(Some([(ANNOTATION.to_string(), value.to_string())].into_iter().collect()));
        spec
    }

    fn json(t: &Tree, lower: &[&str], upper: &str, work: &str) -> String {
        let lower: Vec<String> = lower.iter().map(|l| if l.starts_with('/') { l.to_string() } else { t.data.join(l).display().to_string() }).collect();
        let p = |s: &str| if s.starts_with('/') { s.to_string() } else { t.data.join(s).display().to_string() };
        serde_json::json!({"lowerdir": lower, "upperdir": p(upper), "workdir": p(work)}).to_string()
    }

    #[test]
    fn a_spec_without_the_annotation_has_no_layers() {
        let t = tree();
        assert_eq!(Layers::from_spec(&Spec::default(), &t.rootfs).unwrap(), None);
    }

    #[test]
    fn the_cli_layout_is_accepted_and_renders_its_options() {
        let t = tree();
        let l =
            Layers::from_spec(&spec_with(&json(&t, &["images/layers/b", "images/layers/a"], "overlay/k/upper", "overlay/k/work")), &t.rootfs).unwrap().unwrap();
        let d = t.data.display();
        assert_eq!(
            l.options(true),
            format!("lowerdir={d}/images/layers/b:{d}/images/layers/a,upperdir={d}/overlay/k/upper,workdir={d}/overlay/k/work,userxattr")
        );
        assert!(!l.options(false).contains("userxattr"));
    }

    #[test]
    fn hostile_requests_are_refused_naming_the_problem() {
        let t = tree();
        std::os::unix::fs::symlink("/etc", t.data.join("images/layers/link")).unwrap();
        let cases: Vec<(String, &str)> = vec![
            ("not json".into(), "expected"),
            (r#"{"lowerdir":[],"upperdir":"/u","workdir":"/w"}"#.into(), "1 to 500"),
            (json(&t, &["images/layers/a"], "overlay/k/upper", "overlay/k/work").replace('}', r#","extra":1}"#), "unknown field"),
            (json(&t, &["/etc"], "overlay/k/upper", "overlay/k/work"), "must be an image layer"),
            (json(&t, &["images/layers/a/sub"], "overlay/k/upper", "overlay/k/work"), "must be an image layer"),
            (json(&t, &["images/layers/a/../../../.."], "overlay/k/upper", "overlay/k/work"), "plain path"),
            (json(&t, &["images/layers/link"], "overlay/k/upper", "overlay/k/work"), "without symlinks"),
            (json(&t, &["images/layers/missing"], "overlay/k/upper", "overlay/k/work"), "does not exist"),
            (json(&t, &["images/layers/a,upperdir=/x"], "overlay/k/upper", "overlay/k/work"), "mount options"),
            (json(&t, &["images/layers/a"], "/tmp/upper", "overlay/k/work"), "sibling of root.path"),
            (json(&t, &["images/layers/a"], "overlay/k/upper", "overlay/k/upper"), "differ from upperdir"),
            (json(&t, &["overlay/k/upper"], "overlay/k/upper", "overlay/k/work"), "must be an image layer"),
            (json(&t, &["overlay/other/upper"], "overlay/k/upper", "overlay/k/work"), "must be an image layer"),
            (json(&t, &["images/layers/a"], "overlay/k/merged", "overlay/k/work"), "sibling of root.path"),
        ];
        for (value, needle) in cases {
            let e = Layers::from_spec(&spec_with(&value), &t.rootfs).unwrap_err();
            assert!(e.to_string().contains(needle), "{value}: {e}");
            assert_eq!(e.kind(), crate::kind::Kind::Config);
        }
    }
}
