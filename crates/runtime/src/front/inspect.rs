//! `tsc-box inspect [-f TEMPLATE] [--type T] NAME...`: docker's inspect documents of
//! containers, images and networks (tsc_box_containers::inspect, the code the Node CLI calls
//! through the binding too), without starting Node. Each name that finds nothing is reported
//! on stderr after the others were printed (`[]` when none was found), and the status is 1.

use std::io::Write as _;

use tsc_box_containers::inspect::{self, Kind};
use tsc_box_containers::Coded;

use super::{argv, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("inspect", args)?;
    // Without a name, oclif's usage error; a --type it does not know, oclif's message.
    let kind = match p.value("type") {
        Some(t) => match Kind::parse(&t) {
            Some(k) => Some(k),
            None => return Ok(Outcome::ToNode),
        },
        None => None,
    };
    if p.bool("help") || p.rest.is_empty() {
        return Ok(Outcome::ToNode);
    }
    let paths = p.paths();
    let a = inspect::answer(&paths, &p.rest, kind, p.value("format").as_deref(), p.bool("json"))
        .map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    if let Some(text) = a.output {
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }
    for e in &a.failures {
        eprintln!("Error: {e}");
    }
    match a.failures.into_iter().next() {
        Some(first) => Err(FrontError::Shown(Box::new(FrontError::Input { code: first.code(), msg: first.to_string() }))),
        None => Ok(Outcome::Exit(0)),
    }
}
