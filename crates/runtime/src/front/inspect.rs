//! `tsc-box inspect [-f TEMPLATE] CONTAINER...`: docker's inspect documents
//! (tsc_box_containers::inspect, the code the Node CLI calls through the binding too), without
//! starting Node. Each missing name is reported (with several) and the first decides the status;
//! nothing is printed on stdout then, as before.

use std::io::Write as _;

use tsc_box_containers::inspect;
use tsc_box_containers::paths::{self, PathEnv};
use tsc_box_containers::Coded;

use super::{argv, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("inspect", args)?;
    // Without a name, oclif's usage error.
    if p.bool("help") || p.rest.is_empty() {
        return Ok(Outcome::ToNode);
    }
    let json = p.bool("json");
    let template =
        if json { None } else { inspect::parse_format(p.value("format").as_deref()).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })? };
    let root = p.root();
    let paths = paths::resolve(root.as_deref(), &PathEnv::current());
    let (docs, failures) = inspect::inspect(&paths, &p.rest);
    let several = p.rest.len() > 1;
    for e in failures.iter().filter(|_| several) {
        eprintln!("tsc-box: {e}");
    }
    if let Some(first) = failures.into_iter().next() {
        return Err(if several { FrontError::Shown(Box::new(first.into())) } else { first.into() });
    }
    let text = inspect::render(&docs, template.as_ref()).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    Ok(Outcome::Exit(0))
}
