//! `image inspect` (and `inspect` of an image): docker's document for an image, written once
//! for the runtime's native front door and the Node CLI (through the binding). docker's fields
//! first, in docker's order (Id, RepoTags, RepoDigests, Parent, Comment, Created, Author,
//! Config, Architecture, Os, Size, RootFS, Metadata), then tsc-box's own: Digest (the
//! manifest's), CompressedSize (the blobs') and Layers (each blob with its diff ID).

use tsc_box_format::Value;

use crate::list::familiar_name;
use crate::reference::normalize;
use crate::store::{ImageRecord, Index, Result, Store, StoreError};

/// The image `name` names: a reference as people type it, `name@digest`, an ID or a prefix.
pub fn find<'a>(index: &'a Index, name: &str) -> Result<&'a ImageRecord> {
    if let Some(full) = normalize(name) {
        if let Ok(r) = index.lookup(&full) {
            return Ok(r);
        }
    }
    index.lookup(name)
}

/// The config's `config` keys docker's inspect always shows, in its order (null when absent).
const CONFIG_KEYS: [&str; 8] = ["User", "ExposedPorts", "Env", "Cmd", "Volumes", "WorkingDir", "Entrypoint", "Labels"];

/// docker's image Config: the keys it always shows, then any other the image's config has.
fn config_of(c: Option<&Value>) -> Value {
    let mut out: Vec<(String, Value)> = CONFIG_KEYS
        .iter()
        .map(|k| {
            let v = c.and_then(|c| c.get(k)).cloned();
            let empty = if ["User", "WorkingDir"].contains(k) { Value::str("") } else { Value::Null };
            (k.to_string(), v.unwrap_or(empty))
        })
        .collect();
    if let Some(Value::Map(m)) = c {
        out.extend(m.iter().filter(|(k, _)| !CONFIG_KEYS.contains(&k.as_str())).cloned());
    }
    Value::Map(out)
}

/// The document for `r`; reads its config blob.
pub fn document(store: &Store, index: &Index, r: &ImageRecord) -> Result<Value> {
    let config = store.read_blob(&r.config)?;
    let config = Value::from_json(&String::from_utf8_lossy(&config))
        .map_err(|e| StoreError::CorruptIndex(store.root().join("blobs"), format!("image config {}: {e}", r.config.digest)))?;
    let refs = index.refs_of(&r.manifest.digest);
    let mut tags = Vec::new();
    let mut digests: Vec<String> = Vec::new();
    for full in &refs {
        let (repo, tag) = familiar_name(full);
        if !full.contains('@') {
            tags.push(format!("{repo}:{tag}"));
        }
        let d = format!("{repo}@{}", r.manifest.digest);
        if !digests.contains(&d) {
            digests.push(d);
        }
    }
    let field = |k: &str| config.get(k).cloned();
    let s = |k: &str| field(k).unwrap_or(Value::str(""));
    let layers: Vec<Value> = r
        .layers
        .iter()
        .map(|l| {
            Value::map([
                ("Digest", Value::str(l.blob.digest.to_string())),
                ("DiffID", Value::str(l.diff_id.to_string())),
                ("MediaType", Value::str(l.blob.media_type.clone())),
                ("Size", Value::Int(l.blob.size as i64)),
            ])
        })
        .collect();
    Ok(Value::map([
        ("Id", Value::str(r.id.to_string())),
        ("RepoTags", Value::strs(&tags)),
        ("RepoDigests", Value::strs(&digests)),
        ("Parent", Value::str("")),
        ("Comment", s("comment")),
        ("Created", r.created.clone().map_or(Value::str(""), Value::Str)),
        ("Author", s("author")),
        ("Config", config_of(config.get("config"))),
        ("Architecture", s("architecture")),
        ("Variant", field("variant").unwrap_or(Value::Null)),
        ("Os", s("os")),
        // docker's Size is what `images` shows as SIZE: the unpacked layers (whatever their
        // compression); the blobs' total is tsc-box's CompressedSize.
        ("Size", Value::Int(r.unpacked_size() as i64)),
        ("RootFS", Value::map([("Type", Value::str("layers")), ("Layers", Value::strs(r.layers.iter().map(|l| l.diff_id.to_string())))])),
        ("Metadata", Value::map([("LastTagTime", Value::str(""))])),
        ("Digest", Value::str(r.manifest.digest.to_string())),
        ("CompressedSize", Value::Int(r.size() as i64)),
        ("Layers", Value::List(layers)),
    ])
    .without_nulls_at(&["Variant"]))
}

trait WithoutNulls {
    fn without_nulls_at(self, keys: &[&str]) -> Value;
}

impl WithoutNulls for Value {
    /// Drops the keys (docker's `omitempty`) whose value is null.
    fn without_nulls_at(self, keys: &[&str]) -> Value {
        match self {
            Value::Map(m) => Value::Map(m.into_iter().filter(|(k, v)| !(keys.contains(&k.as_str()) && *v == Value::Null)).collect()),
            other => other,
        }
    }
}
