//! `volume ls` and `volume inspect`: which volumes, and what they print (docker's shapes,
//! rendered by tsc-box-format: the default `table {{.Driver}}\t{{.Name}}`, `--format` Go
//! templates and tables, `json`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use tsc_box_format::filter::{label_matches, parse_bool, Filters};
use tsc_box_format::{Format, Template, Value};

use super::{list, users, Volume, VolumeError};
use crate::paths::Paths;

/// docker's `volume inspect` document (its keys in docker's order).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeDoc {
    pub created_at: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
    pub mountpoint: String,
    pub name: String,
    pub options: BTreeMap<String, String>,
    pub scope: String,
}

pub fn document(v: &Volume) -> VolumeDoc {
    VolumeDoc {
        created_at: v.meta.created_at.clone(),
        driver: v.meta.driver.clone(),
        labels: v.meta.labels.clone(),
        mountpoint: v.mountpoint().to_string_lossy().into_owned(),
        name: v.meta.name.clone(),
        options: v.meta.options.clone(),
        scope: "local".into(),
    }
}

/// docker's JSON layout: four spaces.
fn pretty<T: Serialize>(v: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, serde_json::ser::PrettyFormatter::with_indent(b"    "));
    let _ = v.serialize(&mut ser);
    String::from_utf8(out).unwrap_or_default()
}

fn value_of<T: Serialize>(v: &T) -> Value {
    Value::from_json(&serde_json::to_string(v).unwrap_or_default()).unwrap_or(Value::Null)
}

/// `volume inspect NAME...`: the documents (a JSON array, or `format` run over each) and the
/// names that are no volume (docker goes on past them; the command then fails).
pub fn inspect(paths: &Paths, names: &[String], format: Option<&str>) -> Result<(Option<String>, Vec<VolumeError>), VolumeError> {
    let template = match format.map(Format::parse).transpose()? {
        Some(Format::Template(t) | Format::Table(t)) => Some(t),
        _ => None,
    };
    let mut docs = Vec::new();
    let mut failures = Vec::new();
    for n in names {
        match super::get(paths, n) {
            Ok(v) => docs.push(document(&v)),
            Err(e) => failures.push(e),
        }
    }
    if docs.is_empty() && !failures.is_empty() {
        return Ok((None, failures));
    }
    let out = match template {
        None => pretty(&docs),
        Some(t) => render_each(&t, &docs)?,
    };
    Ok((Some(out), failures))
}

fn render_each(t: &Template, docs: &[VolumeDoc]) -> Result<String, VolumeError> {
    Ok(docs.iter().map(|d| t.render(&value_of(d))).collect::<Result<Vec<_>, _>>()?.join("\n"))
}

/// `volume ls`'s flags.
#[derive(Debug, Clone, Default)]
pub struct LsOptions {
    pub quiet: bool,
    pub filters: Vec<String>,
    pub format: Option<String>,
}

pub const FILTER_KEYS: [&str; 4] = ["name", "label", "dangling", "driver"];

/// One row of `volume ls` as templates and `--format json` see it (docker's fields).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LsItem {
    pub availability: String,
    pub driver: String,
    pub group: String,
    /// `k=v,k2=v2`, as docker's.
    pub labels: String,
    pub links: String,
    pub mountpoint: String,
    pub name: String,
    pub scope: String,
    pub size: String,
    pub status: String,
}

fn item(v: &Volume) -> LsItem {
    let na = || "N/A".to_string();
    LsItem {
        availability: na(),
        driver: v.meta.driver.clone(),
        group: na(),
        labels: v.meta.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","),
        links: na(),
        mountpoint: v.mountpoint().to_string_lossy().into_owned(),
        name: v.meta.name.clone(),
        scope: "local".into(),
        size: na(),
        status: na(),
    }
}

const DEFAULT_TABLE: &str = "table {{.Driver}}\t{{.Name}}";

fn titles() -> Value {
    value_of(&LsItem {
        availability: "AVAILABILITY".into(),
        driver: "DRIVER".into(),
        group: "GROUP".into(),
        labels: "LABELS".into(),
        links: "LINKS".into(),
        mountpoint: "MOUNTPOINT".into(),
        name: "VOLUME NAME".into(),
        scope: "SCOPE".into(),
        size: "SIZE".into(),
        status: "STATUS".into(),
    })
}

/// The volumes `filters` keep: name= (a part of the name), label= (each must match),
/// dangling= (no container's record mounts it), driver=.
pub fn select(paths: &Paths, filters: &[String]) -> Result<Vec<Volume>, VolumeError> {
    let f = Filters::parse(filters, &FILTER_KEYS)?;
    f.validate(|k, v| k != "dangling" || parse_bool(v).is_some())?;
    Ok(list(paths)
        .into_iter()
        .filter(|v| {
            f.matches(|k, val| match k {
                "name" => v.meta.name.contains(val),
                "label" => label_matches(v.meta.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), val),
                "dangling" => parse_bool(val) == Some(users(paths, &v.meta.name).is_empty()),
                "driver" => v.meta.driver == val,
                _ => false,
            })
        })
        .collect())
}

/// What `volume ls` prints, without the final newline; with `json`, tsc-box's `--json`: the
/// inspect documents as one array.
pub fn ls(paths: &Paths, o: &LsOptions, json: bool) -> Result<String, VolumeError> {
    let format = match o.format.as_deref() {
        Some(f) => Format::parse(f)?,
        None => Format::Default,
    };
    let shown = select(paths, &o.filters)?;
    if json {
        return Ok(serde_json::to_string(&shown.iter().map(document).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into()));
    }
    if o.quiet {
        return Ok(shown.iter().map(|v| v.meta.name.as_str()).collect::<Vec<_>>().join("\n"));
    }
    let format = match format {
        Format::Default => Format::parse(DEFAULT_TABLE)?,
        f => f,
    };
    let items: Vec<Value> = shown.iter().map(|v| value_of(&item(v))).collect();
    Ok(format.render(&items, &titles())?.unwrap_or_default())
}

/// The bytes of the regular files below `dir` (what a removal frees), counting each inode once.
pub fn du(dir: &Path) -> u64 {
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let Ok(m) = e.metadata() else { continue };
            use std::os::unix::fs::MetadataExt;
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() && seen.insert((m.dev(), m.ino())) {
                total += m.len();
            }
        }
    }
    total
}
