//! `volume-copyup`: makes (or fills, while still empty) a volume with what the image holds at
//! a path, for a rootless caller. The image's layers hold files of the caller's subordinate
//! ids, which only the root of a user namespace mapping them may read and give to others; so
//! the store's copy-up (tsc_box_containers::volumes) runs there, over the layers mounted as a
//! read-only overlay in a mount namespace of this process only.

use std::path::PathBuf;

use clap::Args;
use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use tsc_box_containers::paths::Paths;
use tsc_box_containers::volumes::{self, CopySource, NewVolume};
use tsc_box_core::kind::Kind;

use super::userns_helper::{run_mapped, MapArgs};
use crate::error::CmdError;

#[derive(Args)]
pub struct VolumeCopyupArgs {
    #[command(flatten)]
    pub maps: MapArgs,
    /// The data root the volume is in.
    #[arg(long = "data-root")]
    pub data_root: PathBuf,
    #[arg(long)]
    pub name: String,
    /// Labelled as an anonymous volume.
    #[arg(long)]
    pub anonymous: bool,
    /// A label of a new volume (KEY=VALUE, repeatable).
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// The image's unpacked layers, topmost first.
    #[arg(long = "lower", required = true)]
    pub lower: Vec<PathBuf>,
    /// An empty directory of the caller's to mount the layers on (seen by this helper only).
    #[arg(long)]
    pub mountpoint: PathBuf,
    /// The directory inside the image to copy.
    #[arg(long)]
    pub path: String,
}

/// The overlay's lowerdir option; its separators may not appear in a path.
fn lowerdir(lower: &[PathBuf]) -> Result<String, CmdError> {
    let mut out = Vec::with_capacity(lower.len());
    for l in lower {
        let s = l
            .to_str()
            .filter(|s| s.starts_with('/') && !s.contains([',', ':', '\\']))
            .ok_or_else(|| CmdError::other(Kind::Config, format!("unusable layer path {}", l.display())))?;
        out.push(s.to_string());
    }
    Ok(out.join(":"))
}

pub fn run(a: &VolumeCopyupArgs) -> Result<i32, CmdError> {
    let lower = lowerdir(&a.lower)?;
    let labels = a.labels.iter().map(|l| l.split_once('=').map_or((l.clone(), String::new()), |(k, v)| (k.to_string(), v.to_string()))).collect();
    let paths = Paths { data_root: a.data_root.clone(), run_dir: PathBuf::new() };
    let code = run_mapped(&a.maps, || {
        // One layer is the image itself; several are stacked as overlayfs presents them
        // (userxattr: they were unpacked in a user namespace).
        let rootfs = if a.lower.len() == 1 {
            a.lower[0].clone()
        } else {
            let mounted = unshare(CloneFlags::CLONE_NEWNS)
                .and_then(|()| mount(None::<&str>, "/", None::<&str>, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None::<&str>))
                .and_then(|()| {
                    mount(Some("overlay"), &a.mountpoint, Some("overlay"), MsFlags::MS_RDONLY, Some(format!("lowerdir={lower},userxattr").as_str()))
                });
            if let Err(e) = mounted {
                eprintln!("tsc-box-runtime: mounting the image's layers for the copy-up of volume {}: {e}", a.name);
                return 1;
            }
            a.mountpoint.clone()
        };
        let new = NewVolume { name: Some(a.name.clone()), driver: None, labels, options: Default::default(), anonymous: a.anonymous };
        match volumes::create(&paths, new, Some(CopySource { rootfs: &rootfs, path: &a.path })) {
            Ok(_) => 0,
            Err(e) => {
                eprintln!("tsc-box-runtime: {e}");
                1
            }
        }
    })?;
    match code {
        0 => Ok(0),
        _ => Err(CmdError::other(Kind::Internal, format!("the copy-up of volume {} in a user namespace failed", a.name))),
    }
}
