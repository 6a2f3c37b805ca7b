//! `tsc-box images [-q] [--no-trunc] [--digests] [--json]`: the image store's list and its
//! output (tsc_box_image::list, the code the Node CLI calls through the binding too), without
//! starting Node.

use std::io::Write as _;

use tsc_box_containers::paths::{self, PathEnv};
use tsc_box_format::time::now_ms;
use tsc_box_image::list::{self, ImagesOptions};

use super::{argv, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("images", args)?;
    // oclif's help, and its refusal of arguments (images takes none).
    if p.bool("help") || !p.rest.is_empty() {
        return Ok(Outcome::ToNode);
    }
    let root = p.root();
    let paths = paths::resolve(root.as_deref(), &PathEnv::current());
    let entries = list::list(&paths.data_root.join("images")).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    let text = if p.bool("json") {
        list::render_json(&entries)
    } else {
        list::render(&entries, &ImagesOptions { quiet: p.bool("quiet"), no_trunc: p.bool("no-trunc"), digests: p.bool("digests") }, now_ms())
    };
    // A closed pipe (images | head) is no failure of images.
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    Ok(Outcome::Exit(0))
}
