//! Reading an archive: one pass streams every regular member into the store (hashed while
//! written), then the archive's own documents (index.json or manifest.json) decide which
//! images it holds, and each goes through the store's verified import.
use super::ArchiveError;
use crate::digest::Digest;
use crate::manifest::{self, Blob, CONFIG_DOCKER, MANIFEST_DOCKER, MANIFEST_OCI};
use crate::store::{ImageRecord, Store};
use crate::unpack::{decoder, detect, unpack_layer_file, Compression, ImageTally, LayerSource};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// An image found in an archive, with the names the archive gives it (not normalised), the
/// references they became (recorded by the import that made the image visible, in the same
/// index write) and those that are no valid reference (kept out of the store).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub names: Vec<String>,
    pub references: Vec<String>,
    pub ignored: Vec<String>,
    pub record: ImageRecord,
}

impl Loaded {
    /// Imports `manifest` with the references its `names` make.
    fn import(store: &Store, manifest: &Blob, names: Vec<String>) -> Result<Loaded, ArchiveError> {
        let mut references = Vec::new();
        let mut ignored = Vec::new();
        for n in &names {
            match crate::reference::parse(n) {
                // A digest reference names content, not a tag; the image is findable by digest.
                Ok(r) if r.digest.is_some() => {}
                Ok(r) => {
                    let r = r.to_string();
                    if !references.contains(&r) {
                        references.push(r);
                    }
                }
                Err(_) => ignored.push(n.clone()),
            }
        }
        let record = store.import(manifest, &references)?;
        Ok(Loaded { names, references, ignored, record })
    }
}

/// Member path -> content stored as a blob; symlinks (docker's legacy layout points its
/// layer.tar files at blobs/) are resolved inside the archive.
#[derive(Default)]
struct Members {
    files: BTreeMap<String, (Digest, u64)>,
    links: BTreeMap<String, String>,
}

impl Members {
    fn get(&self, name: &str) -> Option<(Digest, u64)> {
        let mut name = clean(name).ok()?;
        for _ in 0..16 {
            if let Some(f) = self.files.get(&name) {
                return Some(f.clone());
            }
            name = self.links.get(&name)?.clone();
        }
        None
    }
}

/// Archive member names are relative; `..` is refused and a leading `/` or `./` dropped.
fn clean(raw: &str) -> Result<String, ArchiveError> {
    let mut out: Vec<&str> = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(ArchiveError::BadPath(raw.to_string(), "contains '..'")),
            c => out.push(c),
        }
    }
    Ok(out.join("/"))
}

fn link_target(member: &str, target: &str) -> Result<String, ArchiveError> {
    let base: Vec<&str> = member.split('/').collect();
    let mut parts: Vec<&str> = if target.starts_with('/') { vec![] } else { base[..base.len() - 1].to_vec() };
    for c in target.split('/') {
        match c {
            "" | "." => {}
            // Clamped at the archive root rather than refused: it cannot leave the archive.
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    Ok(parts.join("/"))
}

/// What the small JSON members read so far say about layers: blob digest -> diff_id, once a
/// manifest and its config were both seen (archives written by `save` put them first).
#[derive(Default)]
struct Learned {
    manifests: Vec<(Digest, Vec<Digest>)>,
    configs: BTreeMap<Digest, Vec<Digest>>,
    diff_ids: BTreeMap<Digest, Digest>,
    /// Layer blob -> the config digest of an image it belongs to (whose total it counts in).
    image_of: BTreeMap<Digest, Digest>,
}

impl Learned {
    fn learn(&mut self, store: &Store, digest: &Digest, size: u64) {
        if size > 1 << 20 {
            return;
        }
        let Ok(bytes) = store.read_blob(&Blob { digest: digest.clone(), size, media_type: String::new() }) else { return };
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return };
        let digests = |v: &serde_json::Value| -> Option<Vec<Digest>> { v.as_array()?.iter().map(|d| Digest::parse(d.as_str()?).ok()).collect() };
        if let (Some(cfg), Some(layers)) = (doc["config"]["digest"].as_str().and_then(|d| Digest::parse(d).ok()), doc["layers"].as_array()) {
            if let Some(ls) = layers.iter().map(|l| Digest::parse(l["digest"].as_str()?).ok()).collect::<Option<Vec<_>>>() {
                self.manifests.push((cfg, ls));
            }
        } else if let Some(ids) = digests(&doc["rootfs"]["diff_ids"]) {
            self.configs.insert(digest.clone(), ids);
        }
        for (cfg, layers) in &self.manifests {
            if let Some(ids) = self.configs.get(cfg) {
                if ids.len() == layers.len() {
                    for (l, d) in layers.iter().zip(ids) {
                        self.diff_ids.insert(l.clone(), d.clone());
                        self.image_of.entry(l.clone()).or_insert_with(|| cfg.clone());
                    }
                }
            }
        }
    }
}

/// Streams every regular member into the store. A layer whose diff_id is already known is
/// unpacked by a second thread while its blob is being written (the import then finds it
/// done); that thread's failures are left for the import to meet and report.
fn read_members<R: Read>(store: &Store, r: R, added: &mut HashSet<Digest>) -> Result<Members, ArchiveError> {
    let mut flags: Vec<Arc<AtomicBool>> = Vec::new();
    // One tally per image (by config digest): a bomb spread over an image's layers is stopped
    // here, while the layers unpack, not only by the import that follows.
    let mut images: BTreeMap<Digest, ImageTally> = BTreeMap::new();
    std::thread::scope(|scope| {
        let result = read_members_in(store, r, added, &mut |file, blob, diff_id, image| {
            // Rootless layers are unpacked by the store's helper, in a user namespace; the
            // import does that once the blob is complete.
            if store.has_helper() {
                return;
            }
            // A bad setting is reported by the import.
            let Ok(tally) = images.get(&image).cloned().map_or_else(ImageTally::from_env, Ok) else { return };
            images.insert(image, tally.clone());
            let flag = Arc::new(AtomicBool::new(false));
            flags.push(flag.clone());
            scope.spawn(move || {
                let dest = store.layer_path(&diff_id);
                let src = LayerSource { blob: Path::new(""), digest: &blob.0, size: blob.1, diff_id: &diff_id, follow: Some(&flag) };
                let _ = tally.counting(|| unpack_layer_file(file, &src, &dest));
            });
        });
        // Every follower stops waiting for bytes that will not come.
        for f in &flags {
            f.store(true, Ordering::Release);
        }
        result
    })
}

fn read_members_in<R: Read>(
    store: &Store,
    r: R,
    added: &mut HashSet<Digest>,
    follow: &mut dyn FnMut(std::fs::File, (Digest, u64), Digest, Digest),
) -> Result<Members, ArchiveError> {
    let mut members = Members::default();
    let mut learned = Learned::default();
    let mut ar = tar::Archive::new(r);
    for entry in ar.entries().map_err(ArchiveError::Tar)? {
        let mut entry = entry.map_err(ArchiveError::Tar)?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let name = clean(&raw)?;
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let size = entry.size();
                let expected = name.strip_prefix("blobs/sha256/").and_then(Digest::from_hex);
                let was_there = expected.as_ref().is_some_and(|d| store.has_blob(d, size));
                let (digest, got) = if was_there {
                    // Already stored and verified: skip the data (the tar reader does).
                    (expected.clone().unwrap(), size)
                } else {
                    let diff_id = expected.as_ref().and_then(|d| learned.diff_ids.get(d)).filter(|d| !store.layer_path(d).is_dir()).cloned();
                    let image = expected.as_ref().and_then(|d| learned.image_of.get(d)).cloned();
                    let (d, n) = store.ingest_watched(&mut entry, None, |tmp| {
                        if let (Some(diff_id), Some(blob), Some(image), Ok(file)) = (diff_id, expected.clone(), image, std::fs::File::open(tmp)) {
                            follow(file, (blob, size), diff_id, image);
                        }
                    })?;
                    added.insert(d.clone());
                    if n != size {
                        return Err(ArchiveError::Tar(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, format!("{raw} is truncated"))));
                    }
                    (d, n)
                };
                if let Some(exp) = expected {
                    if exp != digest {
                        return Err(ArchiveError::BlobName { name: raw, actual: digest });
                    }
                }
                learned.learn(store, &digest, got);
                members.files.insert(name, (digest, got));
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = entry.link_name_bytes().map(|l| String::from_utf8_lossy(&l).into_owned()).unwrap_or_default();
                let resolved = if entry.header().entry_type() == tar::EntryType::Link { clean(&target)? } else { link_target(&name, &target)? };
                members.links.insert(name, resolved);
            }
            _ => {}
        }
    }
    Ok(members)
}

fn document(store: &Store, members: &Members, name: &'static str) -> Result<Option<Vec<u8>>, ArchiveError> {
    let Some((digest, size)) = members.get(name) else { return Ok(None) };
    Ok(Some(store.read_blob(&Blob { digest, size, media_type: String::new() })?))
}

#[derive(serde::Deserialize)]
struct OciIndex {
    #[serde(default)]
    manifests: Vec<IndexEntry>,
}

#[derive(serde::Deserialize, Clone)]
struct IndexEntry {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(serde::Deserialize, Clone)]
struct Platform {
    architecture: String,
    os: String,
}

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// Follows nested indexes down to the manifest for this host's platform.
fn resolve_manifest(store: &Store, entry: &IndexEntry, depth: u32) -> Result<Blob, ArchiveError> {
    let digest = Digest::parse(&entry.digest).map_err(|e| ArchiveError::BadDocument("index.json", e.to_string()))?;
    let mut blob = Blob { digest, size: entry.size, media_type: entry.media_type.clone() };
    if !store.has_blob(&blob.digest, blob.size) {
        return Err(ArchiveError::MissingMember(format!("blobs/sha256/{}", blob.digest.hex())));
    }
    let bytes = store.read_blob(&blob)?;
    let mt = if blob.media_type.is_empty() { manifest::media_type_of(&bytes).unwrap_or_default() } else { blob.media_type.clone() };
    if !manifest::is_index(&mt) {
        blob.media_type = if mt.is_empty() { MANIFEST_OCI.to_string() } else { mt };
        return Ok(blob);
    }
    if depth > 4 {
        return Err(ArchiveError::BadDocument("index", "nested too deeply".into()));
    }
    let idx: OciIndex = serde_json::from_slice(&bytes).map_err(|e| ArchiveError::BadDocument("image index", e.to_string()))?;
    let want = format!("linux/{}", host_arch());
    let pick = idx
        .manifests
        .iter()
        .find(|m| m.platform.as_ref().is_some_and(|p| p.os == "linux" && p.architecture == host_arch()))
        .or_else(|| if idx.manifests.len() == 1 { idx.manifests.first() } else { None })
        .ok_or(ArchiveError::NoPlatform(want))?;
    resolve_manifest(store, pick, depth + 1)
}

/// `tags`: names for images by config digest (docker >= 25 writes them in its manifest.json).
fn load_oci(store: &Store, index: &[u8], tags: &BTreeMap<Digest, Vec<String>>) -> Result<Vec<Loaded>, ArchiveError> {
    let idx: OciIndex = serde_json::from_slice(index).map_err(|e| ArchiveError::BadDocument("index.json", e.to_string()))?;
    let mut by_manifest: BTreeMap<String, (Blob, Vec<String>)> = BTreeMap::new();
    for entry in &idx.manifests {
        let blob = resolve_manifest(store, entry, 0)?;
        // containerd's annotation holds the full name. The OCI ref.name is often just a tag
        // ("latest"), which names no repository: only a full-looking one is taken as a name.
        let names: Vec<String> = match entry.annotations.get("io.containerd.image.name") {
            Some(n) => vec![n.clone()],
            None => entry.annotations.get("org.opencontainers.image.ref.name").filter(|n| n.contains('/') || n.contains(':')).cloned().into_iter().collect(),
        };
        let slot = by_manifest.entry(blob.digest.to_string()).or_insert((blob, Vec::new()));
        for n in names {
            if !slot.1.contains(&n) {
                slot.1.push(n);
            }
        }
    }
    if by_manifest.is_empty() {
        return Err(ArchiveError::BadDocument("index.json", "it lists no images".into()));
    }
    by_manifest
        .into_values()
        .map(|(blob, mut names)| {
            // The config digest, for the tags of docker's manifest.json (checked again by the import).
            if let Some(config) = store.read_blob(&blob).ok().and_then(|b| crate::manifest::parse_manifest(&b).ok()).map(|m| m.config.digest) {
                for n in tags.get(&config).into_iter().flatten() {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
            Loaded::import(store, &blob, names)
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

fn layer_media_type(store: &Store, d: &Digest) -> Result<&'static str, ArchiveError> {
    let path = store.blob_path(d);
    let f = std::fs::File::open(&path).map_err(|e| ArchiveError::Io(path.clone(), e))?;
    let mut r = BufReader::new(f);
    let head = r.fill_buf().map_err(|e| ArchiveError::Io(path.clone(), e))?;
    Ok(match detect(head) {
        Compression::None => "application/vnd.docker.image.rootfs.diff.tar",
        Compression::Gzip => "application/vnd.docker.image.rootfs.diff.tar.gzip",
        Compression::Zstd => "application/vnd.docker.image.rootfs.diff.tar.zstd",
        // No image media type names these: the archive as a whole may be, a layer may not.
        c @ (Compression::Bzip2 | Compression::Xz) => {
            return Err(ArchiveError::BadDocument(
                "manifest.json",
                format!("layer {d} is {c:?}-compressed, which no image media type allows (gzip, zstd or none)"),
            ))
        }
    })
}

/// docker-archive: manifest.json lists config and layer files; we write the image manifest
/// they imply (docker's schema 2) and import that.
fn load_docker(store: &Store, members: &Members, manifest_json: &[u8], added: &mut HashSet<Digest>) -> Result<Vec<Loaded>, ArchiveError> {
    let entries: Vec<DockerEntry> = serde_json::from_slice(manifest_json).map_err(|e| ArchiveError::BadDocument("manifest.json", e.to_string()))?;
    let mut out = Vec::new();
    for e in entries {
        let (cd, cs) = members.get(&e.config).ok_or_else(|| ArchiveError::MissingMember(e.config.clone()))?;
        let mut layers = Vec::new();
        for l in &e.layers {
            let (ld, ls) = members.get(l).ok_or_else(|| ArchiveError::MissingMember(l.clone()))?;
            layers.push(serde_json::json!({"mediaType": layer_media_type(store, &ld)?, "digest": ld.to_string(), "size": ls}));
        }
        let m = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_DOCKER,
            "config": {"mediaType": CONFIG_DOCKER, "digest": cd.to_string(), "size": cs},
            "layers": layers,
        });
        let bytes = serde_json::to_vec(&m).expect("json of json values");
        let (md, ms) = store.put_bytes(&bytes)?;
        added.insert(md.clone());
        let blob = Blob { digest: md, size: ms, media_type: MANIFEST_DOCKER.to_string() };
        out.push(Loaded::import(store, &blob, e.repo_tags.unwrap_or_default())?);
    }
    Ok(out)
}

/// Loads every image of the archive at `path` (optionally gzip/zstd-compressed as a whole).
/// On failure nothing becomes visible, and what this load wrote (blobs, unpacked layers) is
/// removed again; on success, what no image references (legacy metadata files).
pub fn load(store: &Store, path: &Path) -> Result<Vec<Loaded>, ArchiveError> {
    load_taking_over(store, path, None)
}

/// As `load`; `held` (a writer guard the caller took, e.g. while it copied the archive into the
/// store's tmp/) is released once this load holds its own.
pub fn load_taking_over(store: &Store, path: &Path, held: Option<nix::fcntl::Flock<std::fs::File>>) -> Result<Vec<Loaded>, ArchiveError> {
    let writer = store.writer_guard()?;
    drop(held);
    let layers_before = store.layer_names()?;
    let mut added = HashSet::new();
    let result = load_inner(store, path, &mut added);
    // The removal needs no other writer at work: ours is released first.
    drop(writer);
    let cleanup = store.discard_unreferenced(&added, &layers_before);
    match (result, cleanup) {
        (Err(e), Err(c)) => Err(ArchiveError::Cleanup(Box::new(e), c.to_string())),
        // Loaded: leftovers are only unreferenced metadata, gc's to collect.
        (r, _) => r,
    }
}

fn load_inner(store: &Store, path: &Path, added: &mut HashSet<Digest>) -> Result<Vec<Loaded>, ArchiveError> {
    let f = std::fs::File::open(path).map_err(|e| ArchiveError::Io(path.to_path_buf(), e))?;
    let mut r = BufReader::with_capacity(1 << 18, f);
    let head = r.fill_buf().map_err(|e| ArchiveError::Io(path.to_path_buf(), e))?;
    let c = detect(head);
    let members = read_members(store, decoder(c, r).map_err(ArchiveError::Tar)?, added)?;
    let docker = document(store, &members, "manifest.json")?;
    if let Some(index) = document(store, &members, "index.json")? {
        // docker >= 25 writes both; its manifest.json carries the RepoTags.
        let mut tags = BTreeMap::new();
        if let Some(d) = &docker {
            if let Ok(entries) = serde_json::from_slice::<Vec<DockerEntry>>(d) {
                for e in entries {
                    let (Some((cd, _)), Some(t)) = (members.get(&e.config), e.repo_tags) else { continue };
                    // Matched by config digest once the manifests are known.
                    tags.insert(cd, t);
                }
            }
        }
        return load_oci(store, &index, &tags);
    }
    if let Some(d) = docker {
        return load_docker(store, &members, &d, added);
    }
    Err(ArchiveError::UnknownFormat)
}
