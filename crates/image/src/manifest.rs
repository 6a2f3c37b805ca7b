//! Parsing and checking of image manifests and configs, which arrive from hostile sources:
//! every descriptor's media type must be one we know how to use, every digest canonical.
use crate::digest::{Digest, DigestError};
use oci_spec::image::{Descriptor, ImageConfiguration, ImageManifest};

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    // The documents come from archives and registries: what they say is shown escaped.
    #[error("invalid image manifest: {}", crate::escape::escape_str(.0))]
    Manifest(String),
    #[error("invalid image config: {}", crate::escape::escape_str(.0))]
    Config(String),
    #[error("unknown media type \"{}\" for {}", crate::escape::escape_str(.0), .1)]
    UnknownMediaType(String, &'static str),
    #[error("{0}")]
    Digest(#[from] DigestError),
    #[error("the config lists {diff_ids} layer diff_ids but the manifest has {layers} layers")]
    LayerCount { diff_ids: usize, layers: usize },
    #[error("{0} is larger than the {1} byte limit")]
    TooLarge(&'static str, u64),
}

/// Manifests and configs are read whole into memory; anything larger than this is hostile.
pub const MAX_JSON: u64 = 8 << 20;

pub const MANIFEST_OCI: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MANIFEST_DOCKER: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const INDEX_OCI: &str = "application/vnd.oci.image.index.v1+json";
pub const INDEX_DOCKER: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const CONFIG_OCI: &str = "application/vnd.oci.image.config.v1+json";
pub const CONFIG_DOCKER: &str = "application/vnd.docker.container.image.v1+json";
pub const LAYER_OCI_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

const LAYER_TYPES: &[&str] = &[
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar.zstd",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
];

/// A descriptor reduced to what we use, with its digest checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Blob {
    pub digest: Digest,
    pub size: u64,
    #[serde(rename = "mediaType")]
    pub media_type: String,
}

impl Blob {
    pub fn from_descriptor(d: &Descriptor) -> Result<Self, ManifestError> {
        Ok(Blob { digest: Digest::parse(d.digest().as_ref())?, size: d.size(), media_type: d.media_type().to_string() })
    }
}

#[derive(Debug, Clone)]
pub struct CheckedManifest {
    pub config: Blob,
    pub layers: Vec<Blob>,
}

pub fn is_index(media_type: &str) -> bool {
    media_type == INDEX_OCI || media_type == INDEX_DOCKER
}

pub fn parse_manifest(bytes: &[u8]) -> Result<CheckedManifest, ManifestError> {
    let m: ImageManifest = serde_json::from_slice(bytes).map_err(|e| ManifestError::Manifest(e.to_string()))?;
    if m.schema_version() != 2 {
        return Err(ManifestError::Manifest(format!("schemaVersion {} is not 2", m.schema_version())));
    }
    if let Some(mt) = m.media_type() {
        let mt = mt.to_string();
        if mt != MANIFEST_OCI && mt != MANIFEST_DOCKER {
            return Err(ManifestError::UnknownMediaType(mt, "the manifest"));
        }
    }
    let config = Blob::from_descriptor(m.config())?;
    if config.media_type != CONFIG_OCI && config.media_type != CONFIG_DOCKER {
        return Err(ManifestError::UnknownMediaType(config.media_type, "the config"));
    }
    let layers = m
        .layers()
        .iter()
        .map(|d| {
            let b = Blob::from_descriptor(d)?;
            if !LAYER_TYPES.contains(&b.media_type.as_str()) {
                return Err(ManifestError::UnknownMediaType(b.media_type, "a layer"));
            }
            Ok(b)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CheckedManifest { config, layers })
}

pub struct CheckedConfig {
    pub config: ImageConfiguration,
    pub diff_ids: Vec<Digest>,
}

pub fn parse_config(bytes: &[u8], layers: usize) -> Result<CheckedConfig, ManifestError> {
    let config: ImageConfiguration = serde_json::from_slice(bytes).map_err(|e| ManifestError::Config(e.to_string()))?;
    if config.rootfs().typ() != "layers" {
        return Err(ManifestError::Config(format!("rootfs.type {:?} is not \"layers\"", config.rootfs().typ())));
    }
    let diff_ids = config.rootfs().diff_ids().iter().map(|d| Digest::parse(d)).collect::<Result<Vec<_>, _>>()?;
    if diff_ids.len() != layers {
        return Err(ManifestError::LayerCount { diff_ids: diff_ids.len(), layers });
    }
    Ok(CheckedConfig { config, diff_ids })
}

/// Used by the pieces that must tell a manifest from an index before parsing either.
pub fn media_type_of(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
        manifests: Option<serde_json::Value>,
    }
    let p: Probe = serde_json::from_slice(bytes).ok()?;
    match p.media_type {
        Some(mt) => Some(mt),
        None if p.manifests.is_some() => Some(INDEX_OCI.to_string()),
        None => Some(MANIFEST_OCI.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(layer_type: &str) -> String {
        let d = Digest::of(b"x");
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{MANIFEST_OCI}","config":{{"mediaType":"{CONFIG_OCI}","digest":"{d}","size":1}},"layers":[{{"mediaType":"{layer_type}","digest":"{d}","size":1}}]}}"#
        )
    }

    #[test]
    fn known_layer_types_parse() {
        let m = parse_manifest(manifest(LAYER_OCI_GZIP).as_bytes()).unwrap();
        assert_eq!(m.layers.len(), 1);
    }

    #[test]
    fn unknown_layer_media_type_is_refused() {
        let err = parse_manifest(manifest("application/x-evil").as_bytes()).unwrap_err();
        assert!(matches!(err, ManifestError::UnknownMediaType(ref t, "a layer") if t == "application/x-evil"), "{err}");
    }

    #[test]
    fn non_canonical_digest_is_refused() {
        let m = manifest(LAYER_OCI_GZIP).replace("sha256:", "sha256:../");
        assert!(parse_manifest(m.as_bytes()).is_err());
    }
}
