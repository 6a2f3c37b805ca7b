//! `tsc-box port CONTAINER [PRIVATE_PORT[/PROTO]]` (tsc_box_containers::port, the code the
//! Node CLI calls through the binding too), without starting Node. --json: the bindings
//! ([{privatePort, proto, hostIp, hostPort}]).

use tsc_box_containers::port;
use tsc_box_containers::resolve::resolve_container;
use tsc_box_containers::Coded;

use super::{argv, ErrorCode, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("port", args)?;
    if p.bool("help") {
        return Ok(Outcome::ToNode);
    }
    if p.rest.is_empty() || p.rest.len() > 2 {
        let msg = format!("\"tsc-box port\" requires 1 or 2 arguments, got {}\nSee 'tsc-box port --help'.", p.rest.len());
        return Err(FrontError::usage(ErrorCode::InvalidUsage, &msg));
    }
    let paths = p.paths();
    let v = resolve_container(&paths, &p.rest[0])?;
    let (text, bindings) = port::answer(&v, p.rest.get(1).map(String::as_str)).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    if p.bool("json") {
        println!("{}", serde_json::to_string_pretty(&bindings).unwrap_or_else(|_| "[]".into()));
    } else if !text.is_empty() {
        println!("{text}");
    }
    Ok(Outcome::Exit(0))
}
