//! `tsc-box-runtime --cli exec|rm|ps|inspect|images|logs|wait ARGS`: the native front door
//! of `tsc-box exec`, `rm`, `ps`, `inspect`, `images`, `logs`, `wait`, `cp`, `port`, `stop`, `kill`,
//! `pause`, `unpause`, `start`, `restart`, `stats --no-stream`, `top`, `info`, `network ls` and `volume ls` (bin/run.js hands the command table's `native` commands here instead of starting Node; a new
//! one is an entry in src/cli/commands.json, whose flags build.rs turns into argv's tables, plus
//! its module and its arm in `main` below). docker's flags, the CLI's container store
//! (tsc_box_containers) and the runtime's own exec, in this one process; exit statuses and
//! `--json` errors are the CLI's: 125 tsc-box failed, 126/127 the command cannot be run / was
//! not found, 1 no such container or not running, else the process's status.

mod argv;
mod cp;
mod error;
mod exec;
mod images;
mod info;
mod inspect;
mod lifecycle;
mod load;
mod logs;
mod network;
mod ops;
mod port;
mod ps;
mod rm;
mod start;
mod stats;
mod top;
mod volume;
mod wait;

use std::ffi::OsString;
use std::os::unix::process::CommandExt;

pub use error::{ErrorCode, FrontError};

/// The environment variable bin/run.js sets to its own real path: where what this front does
/// not answer (`--help`, and what a command leaves to Node) goes, through Node.
pub const CLI_JS_ENV: &str = "TSC_BOX_CLI_JS";

pub enum Outcome {
    Exit(i32),
    /// oclif's answer is wanted: hand the whole command line to the Node CLI.
    ToNode,
}

pub fn main(args: Vec<OsString>) -> ! {
    let raw = args.clone();
    let args: Vec<String> = match args.into_iter().map(OsString::into_string).collect() {
        Ok(a) => a,
        // Non-UTF-8 arguments: the Node CLI has the rules for those.
        Err(_) => to_node(&raw),
    };
    let (verb, rest) = match args.split_first() {
        Some((v, r)) => (v.as_str(), r),
        None => finish(Err(FrontError::usage(ErrorCode::InvalidUsage, "--cli needs a command")), false),
    };
    // The table's commands (src/cli/commands.json, `entry: native`) each have their module here.
    let json = match rest.split_first() {
        // A two-word command of the table (`network ls`) has its own flags.
        Some((word, after)) if argv::command(&format!("{verb}:{word}")).is_some() => argv::json_requested(&format!("{verb}:{word}"), after),
        _ => argv::json_requested(verb, rest),
    };
    let outcome = match verb {
        // Like the runtime's own exec: from a view of this binary no container can change.
        "exec" => match tsc_box_core::sys::exe::ensure_sealed() {
            Ok(_) => exec::run(rest),
            Err(e) => Err(FrontError::usage(ErrorCode::Internal, &format!("cannot protect the runtime binary from the container: {e}"))),
        },
        "rm" => rm::run(rest),
        "cp" => cp::run(rest),
        "port" => port::run(rest),
        "ps" => ps::run(rest),
        "inspect" => inspect::run(rest),
        "images" => images::run(rest),
        "logs" => logs::run(rest),
        "load" => load::run(rest),
        "wait" => wait::run(rest),
        "stop" | "kill" | "pause" | "unpause" => lifecycle::run(verb, rest),
        "start" | "restart" => start::run(verb, rest),
        "stats" => stats::run(rest),
        "top" => top::run(rest),
        "info" => info::run(rest),
        // Two-word commands (`network ls`): bin/run.js matches both words.
        "network" => network::run(rest),
        "volume" => volume::run(rest),
        other => Err(FrontError::usage(ErrorCode::UnknownCommand, &format!("command {other} not found"))),
    };
    match outcome {
        Ok(Outcome::ToNode) => to_node(&raw),
        Ok(Outcome::Exit(code)) => finish(Ok(code), json),
        Err(e) => finish(Err(e), json),
    }
}

fn finish(r: Result<i32, FrontError>, json: bool) -> ! {
    let code = match r {
        Ok(c) => c,
        Err(e) => e.report(json),
    };
    std::process::exit(code)
}

/// Hands the command line, as it came (`raw`: the arguments after `--cli`), to the Node CLI.
fn to_node(raw: &[OsString]) -> ! {
    let Some(js) = std::env::var_os(CLI_JS_ENV) else {
        finish(
            Err(FrontError::usage(ErrorCode::InvalidUsage, "see 'tsc-box --help' (the Node CLI is not known to this front: TSC_BOX_CLI_JS is unset)")),
            false,
        )
    };
    let err = std::process::Command::new("node").arg("--").arg(js).args(raw).env_remove(CLI_JS_ENV).exec();
    finish(Err(FrontError::usage(ErrorCode::Internal, &format!("cannot start node: {err}"))), false)
}
