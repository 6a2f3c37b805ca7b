//! `tsc-box ps [-a] [-q] [--filter K=V] [--format T] [--no-trunc] [--json]`: the store's view of
//! every container and `ps`'s output (tsc_box_containers::ps, the same code the Node CLI calls
//! through the binding), without starting Node.

use std::io::Write as _;

use tsc_box_containers::ps::{self, PsOptions};
use tsc_box_containers::view;
use tsc_box_containers::Coded;
use tsc_box_format::time::now_ms;

use super::{argv, ErrorCode, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("ps", args)?;
    if p.bool("help") {
        return Ok(Outcome::ToNode);
    }
    if let Some(extra) = p.rest.first() {
        return Err(FrontError::usage(ErrorCode::InvalidUsage, &format!("\"tsc-box ps\" accepts no arguments, got \"{extra}\"\nSee 'tsc-box ps --help'.")));
    }
    let o = PsOptions { all: p.bool("all"), quiet: p.bool("quiet"), no_trunc: p.bool("no-trunc"), filters: p.values("filter"), format: p.value("format") };
    let fail = |e: ps::PsError| FrontError::Input { code: e.code(), msg: e.to_string() };
    ps::check_filters(&o.filters).map_err(fail)?;
    let paths = p.paths();
    let now = now_ms();
    let shown = ps::select(view::list(&paths, Some(&paths.runtime_root())), &o).map_err(fail)?;
    let text = if p.bool("json") { Some(ps::render_json(&shown, now)) } else { ps::render(&shown, &o, now).map_err(fail)? };
    if let Some(t) = text {
        let mut out = std::io::stdout().lock();
        // A closed pipe (ps | head) is no failure of ps.
        let _ = writeln!(out, "{t}");
    }
    Ok(Outcome::Exit(0))
}
