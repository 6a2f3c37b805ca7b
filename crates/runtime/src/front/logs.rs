//! `tsc-box logs [-f] [-n N] [--since T] [-t] CONTAINER`: the container's output
//! (tsc_box_containers::logs, the code the Node CLI calls through the binding too), without
//! starting Node. --json: [{time, stream, log}] (what was there before following).

use tsc_box_containers::logs::{self, LogsOptions};
use tsc_box_containers::resolve::resolve_container;
use tsc_box_containers::Coded;
use tsc_box_format::time::now_ms;

use super::{argv, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("logs", args)?;
    // oclif's help, and its usage errors (one container).
    if p.bool("help") || p.rest.len() != 1 {
        return Ok(Outcome::ToNode);
    }
    let paths = p.paths();
    let v = resolve_container(&paths, &p.rest[0])?;
    let o = LogsOptions {
        follow: p.bool("follow"),
        tail: p.value("tail").unwrap_or_else(|| "all".into()),
        since: p.value("since"),
        timestamps: p.bool("timestamps"),
    };
    let json = p.bool("json");
    let entries = logs::logs(&paths, &v, &o, json, now_ms()).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into()));
    }
    Ok(Outcome::Exit(0))
}
