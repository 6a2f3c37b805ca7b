//! An image from layers already in the store and a config: the config's `rootfs` is set from
//! the layers (so that the two can never disagree), the manifest is written, and the image goes
//! through the same verified import as a pulled one (each new layer unpacked, both digests
//! checked) before any reference points at it.
use crate::digest::Digest;
use crate::manifest::{Blob, CONFIG_OCI, MANIFEST_OCI};
use crate::store::{ImageRecord, Store, StoreError};

#[derive(Debug, Clone)]
pub struct NewLayer {
    pub blob: Blob,
    pub diff_id: Digest,
}

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error("the image config must be a JSON object")]
    NotAnObject,
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Writes `config` (its `rootfs` replaced) and a manifest of `layers` (base first), imports
/// the image and points `refs` at it.
pub fn assemble(store: &Store, layers: &[NewLayer], mut config: serde_json::Value, refs: &[String]) -> Result<ImageRecord, AssembleError> {
    let obj = config.as_object_mut().ok_or(AssembleError::NotAnObject)?;
    let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.to_string()).collect();
    obj.insert("rootfs".into(), serde_json::json!({"type": "layers", "diff_ids": diff_ids}));
    let _writer = store.writer_guard()?;
    let config = serde_json::to_vec(&config).expect("json of json values");
    let (cd, cs) = store.put_bytes(&config)?;
    let layer_blobs: Vec<serde_json::Value> =
        layers.iter().map(|l| serde_json::json!({"mediaType": l.blob.media_type, "digest": l.blob.digest.to_string(), "size": l.blob.size})).collect();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_OCI,
        "config": {"mediaType": CONFIG_OCI, "digest": cd.to_string(), "size": cs},
        "layers": layer_blobs,
    });
    let manifest = serde_json::to_vec(&manifest).expect("json of json values");
    let (md, ms) = store.put_bytes(&manifest)?;
    Ok(store.import(&Blob { digest: md, size: ms, media_type: MANIFEST_OCI.into() }, refs)?)
}
