//! `helper cp-stopped`: `tsc-box cp` for a stopped rootless container. Its root filesystem is
//! an overlay only its runtime mounts, in the container's user and mount namespaces, and it
//! went away with them (crates/core/src/layers/userns.rs). Here it is mounted again the same
//! way: in a user namespace with the caller's subordinate ids mapped as the container has them
//! and a mount namespace of its own, from the layers named by the container's own config.json
//! (checked as hostile input, as the runtime checks it). Then the store's cp, the one every
//! other `cp` runs, copies there, every container path resolved inside that root. The mount
//! goes away with the helper.
//!
//! Errors go to stderr as one JSON line, `{"error":{"code","message"}}` (stdout may be the
//! tar stream of `cp CONTAINER:PATH -`), and the exit status is 1.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use tsc_box_containers::cp::command::{self, Place};
use tsc_box_containers::cp::CpOptions;
use tsc_box_containers::{Coded, ErrorCode};
use tsc_box_core::layers::{mount_in_userns, Layers};

use super::userns_helper::{run_mapped, MapArgs};
use crate::error::CmdError;

#[derive(Args)]
pub struct CpStoppedArgs {
    /// The container's directory (its bundle: config.json).
    #[arg(long)]
    pub bundle: PathBuf,
    /// Keep the owners (cp -a).
    #[arg(long)]
    pub archive: bool,
    /// Follow a symlink named as the source (cp -L).
    #[arg(long = "follow-link")]
    pub follow_link: bool,
    /// `cp`'s own arguments: one of them CONTAINER:PATH, the other a host path or `-`.
    pub src: String,
    pub dest: String,
}

fn report(code: ErrorCode, message: &str) -> i32 {
    let line = serde_json::json!({"error": {"code": code.as_str(), "message": message}});
    let _ = writeln!(std::io::stderr(), "{line}");
    1
}

/// The overlay the container's config.json asks its runtime for, checked, and the id maps
/// of its user namespace (newuidmap checks them against /etc/subuid, as for the container).
fn layers_of(bundle: &Path) -> Result<(Layers, PathBuf, MapArgs), String> {
    let spec =
        tsc_box_cgroups::oci_spec::runtime::Spec::load(bundle.join("config.json")).map_err(|e| format!("{}: {e}", bundle.join("config.json").display()))?;
    let linux = spec.linux().as_ref().ok_or("config.json has no linux section")?;
    let render = |m: &Option<Vec<tsc_box_cgroups::oci_spec::runtime::LinuxIdMapping>>| -> Vec<String> {
        m.iter().flatten().map(|m| format!("{}:{}:{}", m.container_id(), m.host_id(), m.size())).collect()
    };
    let maps = MapArgs { uidmap: render(linux.uid_mappings()), gidmap: render(linux.gid_mappings()) };
    if maps.uidmap.is_empty() || maps.gidmap.is_empty() {
        return Err("the container has no user namespace".into());
    }
    let rootfs = spec.root().as_ref().map(|r| r.path().clone()).ok_or("config.json has no root.path")?;
    let rootfs = if rootfs.is_absolute() { rootfs } else { bundle.join(rootfs) };
    match Layers::from_spec(&spec, &rootfs) {
        Ok(Some(l)) => Ok((l, rootfs, maps)),
        Ok(None) => Err("the container's root filesystem is not an overlay its runtime mounts".into()),
        Err(e) => Err(e.to_string()),
    }
}

pub fn run(a: &CpStoppedArgs) -> Result<i32, CmdError> {
    let direction = match tsc_box_containers::cp::direction(&a.src, &a.dest) {
        Ok(d) => d,
        Err(e) => return Ok(report(e.code(), &e.to_string())),
    };
    // As root, a --userns container's layers were unpacked as root and are idmapped by its
    // runtime: mounting them as a rootless overlay (userxattr) would misread them.
    if nix::unistd::geteuid().is_root() {
        return Ok(report(ErrorCode::CpUnsupported, "as root, a stopped container with a user namespace: start it, then copy"));
    }
    let (layers, rootfs, maps) = match layers_of(&a.bundle) {
        Ok(v) => v,
        Err(m) => return Ok(report(ErrorCode::CpUnsupported, &m)),
    };
    let o = CpOptions { archive: a.archive, follow_link: a.follow_link };
    run_mapped(&maps, || {
        // Our mounts stay ours: nothing propagates back to the host's namespace.
        let private =
            unshare(CloneFlags::CLONE_NEWNS).and_then(|()| mount(None::<&str>, "/", None::<&str>, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None::<&str>));
        if let Err(e) = private {
            return report(ErrorCode::CpUnsupported, &format!("a mount namespace for the copy: {e}"));
        }
        if let Err(e) = mount_in_userns(&layers, &rootfs) {
            return report(ErrorCode::CpUnsupported, &e.to_string());
        }
        let r = command::run(&direction, &Place::Stopped(rootfs.clone()), o);
        // The forked child leaves through _exit, which flushes nothing: a tar stream on
        // stdout must be out first.
        let _ = std::io::stdout().flush();
        match r {
            Ok(()) => 0,
            Err(e) => report(e.code(), &e.to_string()),
        }
    })
}
