//! `tsc-box volume ls [-q] [-f KEY=VALUE] [--format T]`: the volumes' list
//! (tsc_box_containers::volumes::list::ls, the code the Node CLI calls through the binding
//! too), without starting Node; `--json` as the Node CLI prints it (the documents, 2-space
//! indent). Every other `volume` subcommand goes to Node.

use std::io::Write as _;

use tsc_box_containers::volumes::list::{ls, LsOptions};
use tsc_box_containers::Coded;

use super::{argv, FrontError, Outcome};

/// `args`: what follows `volume`.
pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let Some(("ls", rest)) = args.split_first().map(|(s, r)| (s.as_str(), r)) else { return Ok(Outcome::ToNode) };
    let p = argv::parse("volume:ls", rest)?;
    if p.bool("help") || !p.rest.is_empty() {
        return Ok(Outcome::ToNode);
    }
    let paths = p.paths();
    let o = LsOptions { quiet: p.bool("quiet"), filters: p.values("filter"), format: p.value("format") };
    let json = p.bool("json");
    let mut text = ls(&paths, &o, json).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    if json {
        // Re-indented as oclif prints it; the documents' keys are already in order (docker's
        // alphabetical fields, labels a sorted map), as a serde_json Value keeps them.
        let docs: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        text = serde_json::to_string_pretty(&docs).unwrap_or_else(|_| "[]".into());
    }
    if !text.is_empty() {
        // A closed pipe (volume ls | head) is no failure of volume ls.
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }
    Ok(Outcome::Exit(0))
}
