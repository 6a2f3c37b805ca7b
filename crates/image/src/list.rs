//! `tsc-box images`: one line per reference of each image, newest first, and its output
//! (docker's table, -q, --json), written once for the runtime's native front door and the Node
//! CLI (through the binding). Tables and ages are tsc-box-format's.

use serde::Serialize;
use tsc_box_format::table;
use tsc_box_format::time::{human_size, time_ago};

use crate::store::{Index, Store};

/// `images`' flags.
#[derive(Debug, Default, Clone)]
pub struct ImagesOptions {
    pub quiet: bool,
    pub no_trunc: bool,
    pub digests: bool,
}

/// One `images --json` entry: the stable API shape (the order of its keys included).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageListEntry {
    pub id: String,
    pub digest: String,
    pub repository: String,
    pub tag: String,
    pub references: Vec<String>,
    pub created: Option<String>,
    pub size: u64,
    pub unpacked_size: u64,
}

/// A stored (normalised) reference as docker shows it: `busybox` and `latest` for
/// `docker.io/library/busybox:latest`, the registry kept for any other; `<none>` as the tag of
/// a reference by digest.
pub fn familiar_name(full: &str) -> (String, String) {
    let (name, digest) = match full.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (full, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    let repository = match repo.split_once('/') {
        Some(("docker.io", path)) => path.strip_prefix("library/").unwrap_or(path).to_string(),
        _ => repo.to_string(),
    };
    let tag = if digest.is_some() { "<none>".to_string() } else { tag.unwrap_or("latest").to_string() };
    (repository, tag)
}

/// Every image of the index, one entry per reference (one `<none>` entry for an image without
/// any), the most recently added first.
pub fn entries(index: &Index) -> Vec<ImageListEntry> {
    let images = index.newest_first();
    let mut out = Vec::new();
    for img in images {
        let refs = index.refs_of(&img.manifest.digest);
        let names: Vec<Option<&String>> = if refs.is_empty() { vec![None] } else { refs.iter().map(Some).collect() };
        for r in names {
            let (repository, tag) = r.map_or(("<none>".to_string(), "<none>".to_string()), |r| familiar_name(r));
            out.push(ImageListEntry {
                id: img.id.to_string(),
                digest: img.manifest.digest.to_string(),
                repository,
                tag,
                references: refs.clone(),
                created: img.created.clone(),
                size: img.size(),
                unpacked_size: img.unpacked_size(),
            });
        }
    }
    out
}

/// The entries of the store at `root`.
pub fn list(root: &std::path::Path) -> crate::store::Result<Vec<ImageListEntry>> {
    let store = Store::open(root)?;
    Ok(entries(&store.index()?))
}

fn short(d: &str) -> String {
    d.strip_prefix("sha256:").unwrap_or(d).chars().take(12).collect()
}

/// What `images` prints, without the final newline.
pub fn render(entries: &[ImageListEntry], o: &ImagesOptions, now_ms: i64) -> String {
    let id = |d: &str| if o.no_trunc { d.to_string() } else { short(d) };
    if o.quiet {
        let mut seen: Vec<String> = Vec::new();
        for e in entries {
            let i = id(&e.id);
            if !seen.contains(&i) {
                seen.push(i);
            }
        }
        return seen.join("\n");
    }
    let mut header = vec!["REPOSITORY", "TAG"];
    if o.digests {
        header.push("DIGEST");
    }
    // SIZE is docker's and podman's: the unpacked layers, the same whatever compression the
    // image came with (the blobs' total is `size` in --json).
    header.extend(["IMAGE ID", "CREATED", "SIZE"]);
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let mut r = vec![e.repository.clone(), e.tag.clone()];
            if o.digests {
                r.push(e.digest.clone());
            }
            r.extend([id(&e.id), time_ago(e.created.as_deref(), now_ms), human_size(e.unpacked_size as f64)]);
            r
        })
        .collect();
    table(&header, &rows)
}

/// `images --json`: the entries as the Node CLI printed them (two-space indented).
pub fn render_json(entries: &[ImageListEntry]) -> String {
    serde_json::to_string_pretty(entries).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Blob;
    use crate::Digest;

    #[test]
    fn familiar_names_as_docker_shows_them() {
        let f = |s: &str| familiar_name(s);
        assert_eq!(f("docker.io/library/busybox:latest"), ("busybox".into(), "latest".into()));
        assert_eq!(f("docker.io/me/app:1.2"), ("me/app".into(), "1.2".into()));
        assert_eq!(f("localhost:5000/x/y:v"), ("localhost:5000/x/y".into(), "v".into()));
        assert_eq!(f("localhost:5000/x"), ("localhost:5000/x".into(), "latest".into()));
        assert_eq!(f("quay.io/a/b@sha256:0123"), ("quay.io/a/b".into(), "<none>".into()));
    }

    fn record(n: u8, added: u64, added_nanos: u32) -> crate::store::ImageRecord {
        let blob = |d: u8| Blob { digest: Digest::parse(&format!("sha256:{}", format!("{d:02x}").repeat(32))).unwrap(), size: 1, media_type: String::new() };
        crate::store::ImageRecord { id: blob(n).digest, manifest: blob(n + 100), config: blob(n), layers: vec![], created: None, added, added_nanos }
    }

    #[test]
    fn images_recorded_within_one_second_still_list_newest_first() {
        let mut index = Index::default();
        // Keyed so that the map's own order is the opposite of the recording order.
        for r in [record(1, 7, 900), record(2, 7, 100), record(3, 6, 999_999_999)] {
            index.images.insert(r.manifest.digest.to_string(), r);
        }
        let order: Vec<u64> = index.newest_first().iter().map(|r| r.added * 1_000_000_000 + u64::from(r.added_nanos)).collect();
        assert_eq!(order, vec![7_000_000_900, 7_000_000_100, 6_999_999_999]);
    }
}
