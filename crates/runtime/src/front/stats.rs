//! `tsc-box stats --no-stream [--format F] [CONTAINER...]` and `stats --json`: one reading
//! (tsc_box_containers::stats, the code the Node CLI calls through the binding too). The
//! stream (without --no-stream) redraws every second and stays Node's.

use tsc_box_containers::stats::{self, Window};

use super::{argv, ErrorCode, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("stats", args)?;
    let json = p.bool("json");
    if p.bool("help") || !(json || p.bool("no-stream")) {
        return Ok(Outcome::ToNode);
    }
    let paths = p.paths();
    let format = p.value("format");
    let bad = |e: tsc_box_format::TemplateError| FrontError::usage(ErrorCode::InvalidFormat, &e.to_string());
    // A bad --format is refused before anything is read.
    stats::render(&[], format.as_deref()).map_err(bad)?;
    let entries = stats::sample(&stats::pick(&paths, &p.rest)?, Window::SinceStart);
    if json {
        println!("{}", serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into()));
    } else {
        println!("{}", stats::render(&entries, format.as_deref()).map_err(bad)?);
    }
    Ok(Outcome::Exit(0))
}
