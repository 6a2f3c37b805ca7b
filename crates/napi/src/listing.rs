//! The list commands rendered in Rust for Node (the runtime's front door calls the same code
//! for images): `images` with --filter and --format, and `network ls`.
use napi_derive::napi;

use crate::errors::{fail, CodedResult as Result};
use tsc_box_containers::Coded;

/// `images`' flags.
#[napi(object)]
pub struct ImagesListOptions {
    pub quiet: bool,
    pub no_trunc: bool,
    pub digests: bool,
    pub filters: Vec<String>,
    pub format: Option<String>,
}

/// What `tsc-box images` prints (tsc_box_image::select::output), without the final newline;
/// null: nothing at all.
#[napi]
pub fn images_output(root: String, options: ImagesListOptions, json: bool) -> Result<Option<String>> {
    let q = tsc_box_image::select::ImagesQuery {
        options: tsc_box_image::list::ImagesOptions { quiet: options.quiet, no_trunc: options.no_trunc, digests: options.digests },
        filters: options.filters,
        format: options.format,
    };
    tsc_box_image::select::output(std::path::Path::new(&root), &q, json, tsc_box_format::time::now_ms()).map_err(|e| fail(e.code(), e))
}

/// `network ls`' flags.
#[napi(object)]
pub struct NetworkLsOptions {
    pub quiet: bool,
    pub no_trunc: bool,
    pub filters: Vec<String>,
    pub format: Option<String>,
}

/// What `tsc-box network ls` prints (crates/containers/src/inspect/network.rs), without the
/// final newline; null: nothing at all.
#[napi]
pub fn network_ls_output(options: NetworkLsOptions) -> Result<Option<String>> {
    use tsc_box_containers::inspect::network;
    let o = network::LsOptions { quiet: options.quiet, no_trunc: options.no_trunc, filters: options.filters, format: options.format };
    network::ls_output(&network::network_dir(), &o).map_err(|e| fail(e.code(), e))
}
