//! `images --filter` and `images --format`: which entries of the list are shown (docker's keys:
//! dangling, label, reference, before, since; format's one filter module decides the rules)
//! and the fields a template reads (docker's names: ID, Repository, Tag, Digest, CreatedAt,
//! CreatedSince, Size, ...). The plain table stays list.rs's.

use std::collections::HashMap;

use tsc_box_format::filter::{label_matches, parse_bool, FilterError, Filters};
use tsc_box_format::time::{human_size, parse_rfc3339, time_ago};
use tsc_box_format::{Format, TemplateError, Value};

use crate::list::ImageListEntry;
use crate::store::{Index, Store};

pub const FILTER_KEYS: [&str; 5] = ["dangling", "label", "reference", "before", "since"];

/// docker's path.Match for `reference=`: `*` any run of characters but `/`, `?` one of them.
pub fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).take_while(|&i| i == 0 || n[i - 1] != '/').any(|i| go(&p[1..], &n[i..])),
            Some('?') => n.first().is_some_and(|c| *c != '/') && go(&p[1..], &n[1..]),
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    go(&pattern.chars().collect::<Vec<_>>(), &name.chars().collect::<Vec<_>>())
}

fn created_ms(e: &ImageListEntry) -> i64 {
    e.created.as_deref().and_then(parse_rfc3339).unwrap_or(0)
}

/// The labels of an image's config.
fn labels_of(store: &Store, index: &Index, e: &ImageListEntry) -> Vec<(String, String)> {
    let Some(r) = index.images.get(&e.digest) else { return Vec::new() };
    let Ok(bytes) = store.read_blob(&r.config) else { return Vec::new() };
    let config = Value::from_json(&String::from_utf8_lossy(&bytes)).unwrap_or(Value::Null);
    match config.get("config").and_then(|c| c.get("Labels")) {
        Some(Value::Map(m)) => m.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
        _ => Vec::new(),
    }
}

/// The entries the filters let through, in their order.
pub fn select(store: &Store, index: &Index, entries: Vec<ImageListEntry>, filters: &[String]) -> Result<Vec<ImageListEntry>, FilterError> {
    let f = Filters::parse(filters, &FILTER_KEYS)?;
    f.validate(|k, v| k != "dangling" || parse_bool(v).is_some())?;
    // before= and since= name an image (as `images` shows it, or an ID).
    let mut marks: HashMap<String, i64> = HashMap::new();
    for key in ["before", "since"] {
        for v in f.values(key) {
            let r = crate::inspect::find(index, v).map_err(|_| FilterError::Value(key.into(), v.into()))?;
            marks.insert(v.to_string(), r.created.as_deref().and_then(parse_rfc3339).unwrap_or(0));
        }
    }
    let mut out = Vec::new();
    for e in entries {
        // Read only when a label filter asks (a config blob per image).
        let labels = if f.has("label") { labels_of(store, index, &e) } else { Vec::new() };
        let keep = f.matches(|k, v| match k {
            "dangling" => parse_bool(v) == Some(e.repository == "<none>"),
            "reference" => e.repository != "<none>" && (glob(v, &format!("{}:{}", e.repository, e.tag)) || glob(v, &e.repository)),
            "before" => marks.get(v).is_some_and(|m| created_ms(&e) < *m),
            "since" => marks.get(v).is_some_and(|m| created_ms(&e) > *m),
            "label" => label_matches(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), v),
            _ => false,
        });
        if keep {
            out.push(e);
        }
    }
    Ok(out)
}

/// One entry as a --format template reads it.
fn item(e: &ImageListEntry, no_trunc: bool, now_ms: i64) -> Value {
    let id = if no_trunc { e.id.clone() } else { e.id.strip_prefix("sha256:").unwrap_or(&e.id).chars().take(12).collect() };
    let size = human_size(e.unpacked_size as f64);
    Value::map([
        ("Containers", Value::str("N/A")),
        ("CreatedAt", Value::str(e.created.clone().unwrap_or_default())),
        ("CreatedSince", Value::str(time_ago(e.created.as_deref(), now_ms))),
        ("Digest", Value::str(e.digest.clone())),
        ("ID", Value::str(id)),
        ("Repository", Value::str(e.repository.clone())),
        ("SharedSize", Value::str("N/A")),
        ("Size", Value::str(size.clone())),
        ("Tag", Value::str(e.tag.clone())),
        ("UniqueSize", Value::str("N/A")),
        ("VirtualSize", Value::str(size)),
    ])
}

fn titles() -> Value {
    let t = [
        ("Containers", "CONTAINERS"),
        ("CreatedAt", "CREATED AT"),
        ("CreatedSince", "CREATED"),
        ("Digest", "DIGEST"),
        ("ID", "IMAGE ID"),
        ("Repository", "REPOSITORY"),
        ("SharedSize", "SHARED SIZE"),
        ("Size", "SIZE"),
        ("Tag", "TAG"),
        ("UniqueSize", "UNIQUE SIZE"),
        ("VirtualSize", "VIRTUAL SIZE"),
    ];
    Value::map(t.iter().map(|(k, v)| (*k, Value::str(*v))))
}

/// `--format` output (None: the plain table, which list.rs renders; Some("") prints nothing).
pub fn render_format(entries: &[ImageListEntry], format: &Format, no_trunc: bool, now_ms: i64) -> Result<Option<String>, TemplateError> {
    let items: Vec<Value> = entries.iter().map(|e| item(e, no_trunc, now_ms)).collect();
    format.render(&items, &titles())
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn reference_patterns_match_as_dockers_path_match() {
        assert!(glob("busy*", "busybox:latest"));
        assert!(glob("busybox", "busybox"));
        assert!(!glob("busybox", "busybox:latest"));
        assert!(glob("*:1.?", "app:1.2"));
        assert!(!glob("*", "me/app"));
        assert!(glob("me/*", "me/app"));
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImagesError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error(transparent)]
    Format(#[from] TemplateError),
}

impl ImagesError {
    pub fn code(&self) -> tsc_box_errors::ErrorCode {
        match self {
            ImagesError::Store(e) => e.code(),
            ImagesError::Filter(_) => tsc_box_errors::ErrorCode::InvalidFilter,
            ImagesError::Format(_) => tsc_box_errors::ErrorCode::InvalidFormat,
        }
    }
}

/// `images`' flags.
#[derive(Debug, Default, Clone)]
pub struct ImagesQuery {
    pub options: crate::list::ImagesOptions,
    pub filters: Vec<String>,
    pub format: Option<String>,
}

/// What `images` prints for the store at `root` (no final newline; None: nothing at all), for
/// both doors: --json's array, -q's IDs, a --format template, or the table.
pub fn output(root: &std::path::Path, q: &ImagesQuery, json: bool, now_ms: i64) -> Result<Option<String>, ImagesError> {
    // A bad template or filter is refused before the store is read.
    let format = Format::parse(q.format.as_deref().unwrap_or(""))?;
    Filters::parse(&q.filters, &FILTER_KEYS)?;
    let store = Store::open(root)?;
    let index = store.index()?;
    let entries = select(&store, &index, crate::list::entries(&index), &q.filters)?;
    if json {
        return Ok(Some(crate::list::render_json(&entries)));
    }
    if q.options.quiet || matches!(format, Format::Default) {
        return Ok(Some(crate::list::render(&entries, &q.options, now_ms)).filter(|s| !(q.options.quiet && s.is_empty())));
    }
    Ok(render_format(&entries, &format, q.options.no_trunc, now_ms)?.filter(|s| !s.is_empty() || entries.is_empty() && matches!(format, Format::Table(_))))
}
