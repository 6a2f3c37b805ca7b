//! `unpack-layer`: unpacks an image layer for a rootless user, in a user namespace mapping the
//! user's subordinate ids, so that the layer's files keep their owners (uid 33 in the layer is
//! uid 33 in the container). The image store (store::helper) runs this; the unpacking itself,
//! with every hostile-archive check, is the image crate's.

use std::path::PathBuf;

use clap::Args;
use tsc_box_core::kind::Kind;
use tsc_box_image::store::helper::{LayerArgs, EXIT_CONTENT_MISMATCH};
use tsc_box_image::Digest;

use super::userns_helper::{run_mapped, MapArgs};
use crate::error::CmdError;

#[derive(Args)]
pub struct UnpackLayerArgs {
    #[command(flatten)]
    pub maps: MapArgs,
    /// The blob's digest (sha256:...), checked.
    #[arg(long)]
    pub digest: String,
    /// The blob's size in bytes, checked.
    #[arg(long)]
    pub size: u64,
    /// The uncompressed content's digest (the image config's diff_id), checked.
    #[arg(long = "diff-id")]
    pub diff_id: String,
    /// The blob is still being written: read it up to --size as it grows.
    #[arg(long)]
    pub follow: bool,
    pub blob: PathBuf,
    /// The layer directory to make (must not exist; appears only complete and verified).
    pub dest: PathBuf,
}

fn digest(s: &str) -> Result<Digest, CmdError> {
    Digest::parse(s).map_err(|e| CmdError::other(Kind::Config, format!("{s:?}: {e}")))
}

pub fn run(a: &UnpackLayerArgs) -> Result<i32, CmdError> {
    let abs = |p: &PathBuf| std::path::absolute(p).map_err(|e| CmdError::other(Kind::Config, format!("{}: {e}", p.display())));
    let layer =
        LayerArgs { blob: abs(&a.blob)?, digest: digest(&a.digest)?, size: a.size, diff_id: digest(&a.diff_id)?, follow: a.follow, dest: abs(&a.dest)? };
    let code = run_mapped(&a.maps, || match layer.unpack() {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("tsc-box-runtime: {e}");
            if e.is_content_mismatch() {
                EXIT_CONTENT_MISMATCH
            } else {
                1
            }
        }
    })?;
    // The child said what failed; its status tells the store what kind of failure it was.
    Ok(code)
}
