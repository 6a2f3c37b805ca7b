//! `tsc-box inspect [--type T] NAME...` (and `image inspect`, `network inspect`): docker's
//! document for each object a name finds (a container, else an image, a network or a volume,
//! docker's order; only that type with --type), printed as one indented JSON array or a --format template per
//! object. Written once: the runtime's native front door and the Node CLI (through the
//! binding) both call it, so both print the same bytes. A name that finds nothing is reported
//! ("No such object: X") after the others were printed, and the command exits 1, as docker's.

pub mod container;
pub mod network;

use tsc_box_format::{Format, Template, TemplateError, Value};
use tsc_box_image::store::{Store, StoreError};

use crate::paths::Paths;
use crate::resolve::{resolve_container, ResolveError};
use crate::{Coded, ErrorCode};

/// A bad --format template (inspect's, ps's): docker's 125 with Go's message.
impl Coded for TemplateError {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidFormat
    }
}

/// `--type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Container,
    Image,
    Network,
    Volume,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "container" => Kind::Container,
            "image" => Kind::Image,
            "network" => Kind::Network,
            "volume" => Kind::Volume,
            _ => return None,
        })
    }
}

/// A name that found nothing, or found something ambiguous.
#[derive(Debug, thiserror::Error)]
pub enum Missing {
    /// docker's words: "No such object" without --type, else the type's.
    #[error("No such {}: {name}", .kind.map_or("object", |k| match k { Kind::Container => "container", Kind::Image => "image", Kind::Network => "network", Kind::Volume => "volume" }))]
    NoSuch { name: String, kind: Option<Kind> },
    #[error(transparent)]
    Ambiguous(ResolveError),
    #[error(transparent)]
    Image(StoreError),
}

impl Coded for Missing {
    fn code(&self) -> ErrorCode {
        match self {
            Missing::NoSuch { .. } => ErrorCode::NoSuchObject,
            Missing::Ambiguous(e) => e.code(),
            Missing::Image(e) => e.code(),
        }
    }
}

/// The objects' documents, and the names that found none.
pub fn inspect(paths: &Paths, refs: &[String], kind: Option<Kind>) -> (Vec<Value>, Vec<Missing>) {
    let wants = |k: Kind| kind.is_none_or(|w| w == k);
    // Store::open would make the store's directories: a root without images has none to find.
    let image_root = paths.data_root.join("images");
    let images = (wants(Kind::Image) && image_root.join("blobs").is_dir()).then(|| Store::open(&image_root).and_then(|s| s.index().map(|i| (s, i))));
    let nets = if wants(Kind::Network) { network::networks(&network::network_dir()) } else { Vec::new() };
    let mut docs = Vec::new();
    let mut missing = Vec::new();
    'names: for r in refs {
        if wants(Kind::Container) {
            match resolve_container(paths, r) {
                Ok(v) => {
                    docs.push(container::document(&v));
                    continue;
                }
                Err(e @ ResolveError::Ambiguous { .. }) => {
                    missing.push(Missing::Ambiguous(e));
                    continue;
                }
                Err(ResolveError::NoSuch(_)) => {}
            }
        }
        if let Some(Ok((store, index))) = &images {
            match tsc_box_image::inspect::find(index, r) {
                Ok(rec) => {
                    match tsc_box_image::inspect::document(store, index, rec) {
                        Ok(d) => docs.push(d),
                        Err(e) => missing.push(Missing::Image(e)),
                    }
                    continue 'names;
                }
                Err(StoreError::NoSuchImage(_)) => {}
                Err(e) => {
                    missing.push(Missing::Image(e));
                    continue 'names;
                }
            }
        }
        if let Some((n, members)) = network::find(&nets, r) {
            docs.push(network::document(n, members));
            continue;
        }
        if wants(Kind::Volume) {
            if let Ok(v) = crate::volumes::get(paths, r) {
                docs.push(Value::from_serialize(&crate::volumes::list::document(&v)));
                continue;
            }
        }
        missing.push(Missing::NoSuch { name: r.clone(), kind });
    }
    (docs, missing)
}

/// Checks a --format value before anything is looked at.
pub fn parse_format(format: Option<&str>) -> Result<Option<Template>, TemplateError> {
    match format.map(Format::parse).transpose()? {
        Some(Format::Template(t) | Format::Table(t)) => Ok(Some(t)),
        // `json` and `table` alone: the documents as JSON, as without --format.
        _ => Ok(None),
    }
}

/// What inspect prints (without the final newline): the documents as docker's indented JSON
/// array (`[]` when there is none), or `template` run over each. None: nothing at all.
pub fn render(docs: &[Value], template: Option<&Template>) -> Result<Option<String>, TemplateError> {
    let Some(t) = template else { return Ok(Some(Value::List(docs.to_vec()).to_json_pretty())) };
    if docs.is_empty() {
        return Ok(None);
    }
    Ok(Some(docs.iter().map(|d| t.render(d)).collect::<Result<Vec<_>, _>>()?.join("\n")))
}

/// What an inspect command prints on stdout (None: nothing) and the names that found nothing,
/// each of which the caller reports on stderr as docker does ("Error: No such object: X"),
/// exiting 1. Under --json a failure prints only the error object.
pub struct Answer {
    pub output: Option<String>,
    pub failures: Vec<Missing>,
}

pub fn answer(paths: &Paths, refs: &[String], kind: Option<Kind>, format: Option<&str>, json: bool) -> Result<Answer, TemplateError> {
    let template = if json { None } else { parse_format(format)? };
    let (docs, failures) = inspect(paths, refs, kind);
    let output = if json && !failures.is_empty() { None } else { render(&docs, template.as_ref())? };
    Ok(Answer { output, failures })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_names_read_as_dockers_and_nothing_found_is_an_empty_array() {
        let m = |kind| Missing::NoSuch { name: "x".into(), kind }.to_string();
        assert_eq!(m(None), "No such object: x");
        assert_eq!(m(Some(Kind::Container)), "No such container: x");
        assert_eq!(m(Some(Kind::Image)), "No such image: x");
        assert_eq!(m(Some(Kind::Network)), "No such network: x");
        assert_eq!(m(Some(Kind::Volume)), "No such volume: x");
        assert_eq!(Missing::NoSuch { name: "x".into(), kind: None }.code(), ErrorCode::NoSuchObject);
        assert_eq!(render(&[], None).unwrap().as_deref(), Some("[]"));
        let t = parse_format(Some("{{.A}}")).unwrap();
        assert_eq!(render(&[], t.as_ref()).unwrap(), None);
        let docs = [Value::map([("A", Value::Int(1))]), Value::map([("A", Value::Int(2))])];
        assert_eq!(render(&docs, t.as_ref()).unwrap().as_deref(), Some("1\n2"));
        assert_eq!(render(&docs[..1], None).unwrap().as_deref(), Some("[\n    {\n        \"A\": 1\n    }\n]"));
        // `json` and `table` alone print the documents.
        assert!(parse_format(Some("json")).unwrap().is_none());
        assert!(parse_format(Some("{{.A")).is_err());
        assert_eq!(Kind::parse("volume"), Some(Kind::Volume));
        assert_eq!(Kind::parse("planet"), None);
    }

    #[test]
    fn a_fresh_data_root_finds_nothing_and_makes_nothing() {
        let base = std::env::temp_dir().join(format!("tsc-box-inspect-{}", std::process::id()));
        let paths = Paths { data_root: base.join("data"), run_dir: base.join("run") };
        std::env::set_var("TSC_BOX_NETWORK_DIR", base.join("net"));
        let (docs, missing) = inspect(&paths, &["web".to_string()], None);
        assert!(docs.is_empty());
        assert_eq!(missing.len(), 1);
        assert!(!base.join("net").exists(), "inspect made the network directory");
        assert!(!paths.data_root.join("images").exists(), "inspect made the image store");
        let _ = std::fs::remove_dir_all(&base);
    }
}
