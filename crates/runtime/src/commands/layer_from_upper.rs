//! `layer-from-upper`: makes a build step's layer from a rootless container's overlay upper
//! directory, in a user namespace with the caller's subordinate ids mapped as the container
//! had them. There the upper's files read with the container's owners (its root is the
//! caller, its uid 1000 the subordinate id 1000 maps to), so the layer holds those, never the
//! host's ids; and namespace root may read every file whatever its mode. The store
//! (tsc_box_image::store::helper) runs this and reads the made layer from stdout.

use std::path::PathBuf;

use clap::Args;
use tsc_box_core::kind::Kind;
use tsc_box_image::layer::{self, LayerOptions};
use tsc_box_image::Store;

use super::userns_helper::{run_mapped, MapArgs};
use crate::error::CmdError;

#[derive(Args)]
pub struct LayerFromUpperArgs {
    #[command(flatten)]
    pub maps: MapArgs,
    /// The image store the layer's blob goes into.
    #[arg(long)]
    pub store: PathBuf,
    /// SOURCE_DATE_EPOCH: no time in the layer later than this.
    #[arg(long)]
    pub epoch: Option<u64>,
    /// A path (relative to the upper) left out when it is an empty file or directory (repeatable).
    #[arg(long = "skip-empty")]
    pub skip_empty: Vec<PathBuf>,
    pub upper: PathBuf,
}

pub fn run(a: &LayerFromUpperArgs) -> Result<i32, CmdError> {
    let abs = |p: &PathBuf| std::path::absolute(p).map_err(|e| CmdError::other(Kind::Config, format!("{}: {e}", p.display())));
    let (store, upper) = (abs(&a.store)?, abs(&a.upper)?);
    let opts = LayerOptions { epoch: a.epoch, skip_empty: a.skip_empty.clone() };
    let code = run_mapped(&a.maps, || {
        // Opened in the namespace and without a helper: the work is done here.
        match Store::open(&store).map_err(layer::LayerError::from).and_then(|s| layer::from_upper(&s, &upper, &opts)) {
            Ok(made) => {
                println!("{}", made.line());
                0
            }
            Err(e) => {
                eprintln!("tsc-box-runtime: {e}");
                1
            }
        }
    })?;
    Ok(code)
}
