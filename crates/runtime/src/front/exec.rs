//! `tsc-box exec [-i] [-t] [-d] [-e K[=V]] [-u USER[:GROUP]] [-w DIR] CONTAINER CMD...`, run by
//! the runtime's own exec in this process: no Node, no second runtime process.

use std::os::fd::AsFd;

use tsc_box_containers::paths::{self, PathEnv};
use tsc_box_containers::resolve::resolve_container;
use tsc_box_containers::short_id;
use tsc_box_containers::user::resolve_in_rootfs;
use tsc_box_containers::view::State;

use super::{argv, ErrorCode, FrontError, Outcome};
use crate::cli::LogFormat;
use crate::commands::exec::ExecArgs;
use crate::commands::Global;
use crate::log::Logger;

fn invalid(code: ErrorCode, msg: String) -> FrontError {
    FrontError::usage(code, &msg)
}

/// `KEY` alone takes the caller's value (docker's -e KEY).
fn env_entry(e: &str) -> Result<String, FrontError> {
    if e.is_empty() || e.starts_with('=') {
        return Err(invalid(ErrorCode::InvalidEnv, format!("invalid environment variable \"{e}\"")));
    }
    Ok(if e.contains('=') { e.to_string() } else { format!("{e}={}", std::env::var(e).unwrap_or_default()) })
}

/// Without -i the process reads /dev/null, like docker, never the caller's terminal.
fn stdin_from_null() -> Result<(), FrontError> {
    let null = std::fs::File::open("/dev/null").map_err(|e| invalid(ErrorCode::Internal, format!("/dev/null: {e}")))?;
    nix::unistd::dup2_stdin(&null).map_err(|e| invalid(ErrorCode::Internal, format!("stdin: {e}")))?;
    Ok(())
}

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::exec(args)?;
    // Without -t a container process must not get the caller's terminal: the Node CLI relays
    // it through pipes (threads beside the runtime's raw clone would not be safe here).
    if p.bool("help") || (!p.bool("tty") && caller_terminals(p.bool("interactive"))) {
        return Ok(Outcome::ToNode);
    }
    if p.rest.len() < 2 {
        return Err(invalid(ErrorCode::InvalidUsage, "exec needs a container and a command\nSee 'tsc-box exec --help'.".into()));
    }
    let root = p.root();
    let paths = paths::resolve(root.as_deref(), &PathEnv::current());
    let v = resolve_container(&paths, &p.rest[0])?;
    if v.state != State::Running {
        let what = if v.state == State::Paused { "paused" } else { "not running" };
        return Err(FrontError::Input { code: ErrorCode::ContainerNotRunning, msg: format!("container {} is {what}", short_id(&v.id)) });
    }
    let env = p.values("env").iter().map(|e| env_entry(e)).collect::<Result<Vec<_>, _>>()?;
    let workdir = p.value("workdir");
    if let Some(w) = workdir {
        if !w.starts_with('/') {
            return Err(invalid(ErrorCode::InvalidWorkdir, format!("the working directory \"{w}\" is not absolute")));
        }
    }
    let user = match p.value("user") {
        Some(spec) => {
            let u = resolve_in_rootfs(std::path::Path::new(&v.rootfs), spec)?;
            Some(format!("{}:{}", u.uid, u.gid))
        }
        None => None,
    };
    let tty = p.bool("tty");
    let a = ExecArgs {
        process: None,
        tty,
        console_socket: None,
        cwd: workdir.filter(|w| !w.is_empty()).map(String::from),
        env,
        user,
        detach: p.bool("detach"),
        pid_file: None,
        id: v.id.clone(),
        command: p.rest[1..].to_vec(),
    };
    if !p.bool("interactive") {
        stdin_from_null()?;
    }
    let logger = Logger::open(None, LogFormat::Text, false);
    let g = Global { root: paths.runtime_root(), log: &logger, systemd_cgroup: false };
    let status = crate::commands::exec::run(&g, &a)?;
    if p.bool("json") {
        println!("{}", serde_json::json!({"id": v.id, "exitCode": status}));
    }
    Ok(Outcome::Exit(status))
}

fn caller_terminals(interactive: bool) -> bool {
    let is_tty = |fd: std::os::fd::BorrowedFd<'_>| nix::unistd::isatty(fd).unwrap_or(false);
    (interactive && is_tty(std::io::stdin().as_fd())) || is_tty(std::io::stdout().as_fd()) || is_tty(std::io::stderr().as_fd())
}
