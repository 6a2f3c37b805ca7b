//! `tsc-box images [-q] [--no-trunc] [--digests] [-f KEY=VALUE] [--format T] [--json]`: the
//! image store's list and its output (tsc_box_image::select::output, the code the Node CLI
//! calls through the binding too), without starting Node.

use std::io::Write as _;

use tsc_box_format::time::now_ms;
use tsc_box_image::list::ImagesOptions;
use tsc_box_image::select::{self, ImagesQuery};

use super::{argv, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("images", args)?;
    // oclif's help, and its refusal of arguments (images takes none).
    if p.bool("help") || !p.rest.is_empty() {
        return Ok(Outcome::ToNode);
    }
    let paths = p.paths();
    let q = ImagesQuery {
        options: ImagesOptions { quiet: p.bool("quiet"), no_trunc: p.bool("no-trunc"), digests: p.bool("digests") },
        filters: p.values("filter"),
        format: p.value("format"),
    };
    let text =
        select::output(&paths.data_root.join("images"), &q, p.bool("json"), now_ms()).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    if let Some(t) = text {
        // A closed pipe (images | head) is no failure of images.
        let _ = writeln!(std::io::stdout().lock(), "{t}");
    }
    Ok(Outcome::Exit(0))
}
