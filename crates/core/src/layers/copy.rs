//! The fallback where the kernel refuses the overlay (or TSC_BOX_STORAGE_DRIVER=copy asked for
//! it): the layers are copied into root.path once, as podman's vfs driver does. A marker in
//! the workdir (ours, never the container's) records that the copy is complete, so that the
//! container's next start keeps its files instead of copying the layers over them again.

use std::path::{Path, PathBuf};

use super::{Layers, LayersError};

const MARKER: &str = "tsc-box-copied";

fn marker(layers: &Layers) -> PathBuf {
    layers.workdir.join(MARKER)
}

/// Whether root.path already holds the complete copy.
pub fn done(layers: &Layers) -> bool {
    marker(layers).exists()
}

/// Copies the layers, bottom first, into `rootfs`, unless that was done already.
pub fn copy_layers(layers: &Layers, rootfs: &Path) -> Result<(), LayersError> {
    if done(layers) {
        return Ok(());
    }
    for l in layers.lowerdir.iter().rev() {
        tsc_box_image::overlay::apply_layer_copy(l, rootfs).map_err(|e| LayersError::Copy(rootfs.into(), e.to_string()))?;
    }
    std::fs::write(marker(layers), b"").map_err(|e| LayersError::Copy(rootfs.into(), format!("{}: {e}", marker(layers).display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_is_made_once_and_then_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let p = |s: &str| tmp.path().join(s);
        for d in ["l1/etc", "l2/etc", "work", "upper", "merged"] {
            std::fs::create_dir_all(p(d)).unwrap();
        }
        std::fs::write(p("l1/etc/a"), "bottom").unwrap();
        std::fs::write(p("l2/etc/a"), "top").unwrap();
        let layers = Layers { lowerdir: vec![p("l2"), p("l1")], upperdir: p("upper"), workdir: p("work"), copy: true };
        copy_layers(&layers, &p("merged")).unwrap();
        assert_eq!(std::fs::read_to_string(p("merged/etc/a")).unwrap(), "top");
        assert!(done(&layers));
        // The container changed its file: a second start must not copy the layer over it.
        std::fs::write(p("merged/etc/a"), "mine").unwrap();
        copy_layers(&layers, &p("merged")).unwrap();
        assert_eq!(std::fs::read_to_string(p("merged/etc/a")).unwrap(), "mine");
    }
}
