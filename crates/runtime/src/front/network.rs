//! `tsc-box network ls [-q] [--no-trunc] [-f KEY=VALUE] [--format T]`: the networks' list
//! (tsc_box_containers::inspect::network::ls_output, the code the Node CLI calls through the
//! binding too), without starting Node. `--json` is tsc-box's documented shape: the runtime's
//! own view (`helper net ls`, stale members released), here called in-process, filtered by
//! the names the filters keep. Every other `network` subcommand goes to Node.

use std::io::Write as _;

use tsc_box_containers::inspect::network::{ls_output, network_dir, LsOptions};
use tsc_box_containers::Coded;

use super::{argv, FrontError, Outcome};

/// `args`: what follows `network`.
pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let Some(("ls", rest)) = args.split_first().map(|(s, r)| (s.as_str(), r)) else { return Ok(Outcome::ToNode) };
    let p = argv::parse("network:ls", rest)?;
    if p.bool("help") || !p.rest.is_empty() {
        return Ok(Outcome::ToNode);
    }
    let o = LsOptions { quiet: p.bool("quiet"), no_trunc: p.bool("no-trunc"), filters: p.values("filter"), format: p.value("format") };
    if p.bool("json") {
        return json(&o.filters);
    }
    // What a killed runtime left (leases, port rules, veths) is released first, as by every
    // network command: the runtime's own list does that under the store's lock.
    admin_list()?;
    let text = ls_output(&network_dir(), &o).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    if let Some(t) = text {
        // A closed pipe (network ls | head) is no failure of network ls.
        let _ = writeln!(std::io::stdout().lock(), "{t}");
    }
    Ok(Outcome::Exit(0))
}

/// `network ls --json`: the documents (as the runtime's `helper net ls` prints them, keys in
/// its order) of the networks the filters keep, as the Node CLI prints them (2-space indent).
fn json(filters: &[String]) -> Result<Outcome, FrontError> {
    let nets = admin_list()?;
    let mut docs = serde_json::to_value(nets).unwrap_or_default();
    if !filters.is_empty() {
        let o = LsOptions { quiet: true, filters: filters.to_vec(), ..LsOptions::default() };
        let kept = ls_output(&network_dir(), &o).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?.unwrap_or_default();
        let kept: Vec<&str> = kept.split('\n').collect();
        if let Some(list) = docs.as_array_mut() {
            list.retain(|d| d["name"].as_str().is_some_and(|n| kept.contains(&n)));
        }
    }
    let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&docs).unwrap_or_else(|_| "[]".into()));
    Ok(Outcome::Exit(0))
}

/// The runtime's own list of the networks, stale members released (`helper net ls`).
fn admin_list() -> Result<Vec<tsc_box_net::admin::Inspect>, FrontError> {
    tsc_box_net::admin::list(&network_dir()).map_err(|e| FrontError::Input { code: crate::commands::net::code(&e), msg: e.to_string() })
}
