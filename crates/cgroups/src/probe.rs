//! What this host's kernel can enforce, asked before a container is made so that the CLI can
//! decide (as docker does) between refusing a flag and warning that it is discarded.
//!
//! Some interface files exist only below a hierarchy's root (the kernel marks them
//! CFTYPE_NOT_ON_ROOT: `blkio.bfq.weight` is one), so the root cannot answer: the v1 probe
//! makes a short-lived child cgroup and looks inside it.
use std::path::Path;

use crate::detect::{detect, Layout};

/// The files a v1 blkio cgroup takes a weight in: CFQ's (kernels before 5.0) and BFQ's.
pub const V1_WEIGHT_FILES: [&str; 2] = ["blkio.weight", "blkio.bfq.weight"];

/// Whether a block IO weight can be applied here. `None` when this process cannot tell (it
/// may not create cgroups, or there are none): the runtime will then decide.
pub fn block_io_weight() -> Option<bool> {
    let layout = detect().ok()?;
    block_io_weight_in(&layout)
}

fn block_io_weight_in(layout: &Layout) -> Option<bool> {
    if let Some(m) = layout.v1.get("blkio") {
        return v1_child_has(&m.mount_point, &V1_WEIGHT_FILES);
    }
    // Pure v2 (hybrid hosts keep blkio on v1): the io controller maps the weight onto
    // io.weight or io.bfq.weight, which every io-enabled child cgroup has.
    let unified = layout.unified.as_ref()?;
    let controllers = std::fs::read_to_string(unified.mount_point.join("cgroup.controllers")).ok()?;
    Some(controllers.split_whitespace().any(|c| c == "io"))
}

/// Makes `<mount>/.tsc-box-probe-<pid>`, reports whether any of `files` is in it, removes it.
fn v1_child_has(mount: &Path, files: &[&str]) -> Option<bool> {
    let dir = mount.join(format!(".tsc-box-probe-{}", std::process::id()));
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        // A probe of ours that a killed process left: reuse it.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(_) => return None,
    }
    let found = files.iter().any(|f| dir.join(f).exists());
    // An empty cgroup directory is removed with rmdir; nothing can have joined it.
    let _ = std::fs::remove_dir(&dir);
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Mount;

    #[test]
    fn v2_answers_from_the_root_controllers() {
        let t = crate::testdir::TestDir::new("probe-v2");
        let root = t.dir("root");
        t.file(&root, "cgroup.controllers", "cpu io memory pids\n");
        let layout = Layout { v1: Default::default(), unified: Some(Mount { mount_point: root.clone(), root: "/".into() }) };
        assert_eq!(block_io_weight_in(&layout), Some(true));
        t.file(&root, "cgroup.controllers", "cpu memory pids\n");
        assert_eq!(block_io_weight_in(&layout), Some(false));
    }

    #[test]
    fn no_hierarchy_means_unknown() {
        assert_eq!(block_io_weight_in(&Layout::default()), None);
    }
}
