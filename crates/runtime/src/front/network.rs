//! `tsc-box network ls [-q] [--no-trunc] [-f KEY=VALUE] [--format T]`: the networks' list
//! (tsc_box_containers::inspect::network::ls_output, the code the Node CLI calls through the
//! binding too), without starting Node. `--json` (tsc-box's documented shape, which the Node
//! side builds from the runtime's view with stale members released) and every other `network`
//! subcommand go to Node.

use std::io::Write as _;

use tsc_box_containers::inspect::network::{ls_output, network_dir, LsOptions};
use tsc_box_containers::Coded;

use super::{argv, FrontError, Outcome};

/// `args`: what follows `network`.
pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let Some(("ls", rest)) = args.split_first().map(|(s, r)| (s.as_str(), r)) else { return Ok(Outcome::ToNode) };
    let p = argv::parse("network:ls", rest)?;
    if p.bool("help") || p.bool("json") || !p.rest.is_empty() {
        return Ok(Outcome::ToNode);
    }
    let o = LsOptions { quiet: p.bool("quiet"), no_trunc: p.bool("no-trunc"), filters: p.values("filter"), format: p.value("format") };
    let text = ls_output(&network_dir(), &o).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    if let Some(t) = text {
        // A closed pipe (network ls | head) is no failure of network ls.
        let _ = writeln!(std::io::stdout().lock(), "{t}");
    }
    Ok(Outcome::Exit(0))
}
