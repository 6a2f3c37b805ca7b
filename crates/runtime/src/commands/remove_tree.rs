//! `remove-tree`: deletes a directory tree whose files belong to the caller's subordinate ids
//! (a rootless container's upper layer or copied rootfs holds files made by its uid 1000, an
//! image layer unpacked for the user holds files of uid 33...). The caller may not unlink them
//! on the host; in a user namespace mapping those ids, where it is root, it may. Prints the
//! bytes of regular files freed.

use std::path::PathBuf;

use clap::Args;
use tsc_box_core::kind::Kind;

use super::userns_helper::{run_mapped, MapArgs};
use crate::error::CmdError;

#[derive(Args)]
pub struct RemoveTreeArgs {
    #[command(flatten)]
    pub maps: MapArgs,
    pub path: PathBuf,
}

pub fn run(a: &RemoveTreeArgs) -> Result<i32, CmdError> {
    let path = std::path::absolute(&a.path).map_err(|e| CmdError::other(Kind::Config, format!("{}: {e}", a.path.display())))?;
    // At any depth in a few descriptors (a container can make a tree deeper than the
    // descriptor limit); the bytes freed go to stdout for the store's gc report.
    let code = run_mapped(&a.maps, || match tsc_box_image::tree::remove_tree(&path) {
        Ok(freed) => {
            println!("{freed}");
            0
        }
        Err(e) => {
            eprintln!("tsc-box-runtime: removing {}: {e}", path.display());
            1
        }
    })?;
    match code {
        0 => Ok(0),
        _ => Err(CmdError::other(Kind::Internal, format!("removing {} in a user namespace failed", a.path.display()))),
    }
}
