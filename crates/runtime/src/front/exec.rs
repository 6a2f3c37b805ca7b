//! `tsc-box exec [-i] [-t] [-d] [-e K[=V]] [-u USER[:GROUP]] [-w DIR] CONTAINER CMD...`, run by
//! the runtime's own exec in this process: no Node, no second runtime process.

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

/// /dev/null as our (and so the process's) stdin without -i, like docker, never the caller's
/// terminal; as its stdout/stderr with -d.
fn from_null(fd: i32) -> Result<(), FrontError> {
    let null =
        std::fs::OpenOptions::new().read(fd == 0).write(fd != 0).open("/dev/null").map_err(|e| invalid(ErrorCode::Internal, format!("/dev/null: {e}")))?;
    // SAFETY: dup2 onto one of our own stdio descriptors, which it replaces atomically.
    if unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), fd) } < 0 {
        return Err(invalid(ErrorCode::Internal, format!("fd {fd}: {}", std::io::Error::last_os_error())));
    }
    Ok(())
}

fn is_terminal(fd: i32) -> bool {
    // SAFETY: 0, 1 and 2 stay open for the life of the process; only asked whether a terminal.
    nix::unistd::isatty(unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) }).unwrap_or(false)
}

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("exec", args)?;
    if p.bool("help") {
        return Ok(Outcome::ToNode);
    }
    if p.rest.len() < 2 {
        return Err(invalid(ErrorCode::InvalidUsage, "exec needs a container and a command\nSee 'tsc-box exec --help'.".into()));
    }
    let paths = p.paths();
    let v = resolve_container(&paths, &p.rest[0])?;
    if v.state != State::Running {
        let what = if v.state == State::Paused { "paused" } else { "not running" };
        return Err(FrontError::Input { code: ErrorCode::ContainerNotRunning, msg: format!("container {} is {what}", short_id(&v.id)) });
    }
    let env = p.values("env").iter().map(|e| env_entry(e)).collect::<Result<Vec<_>, _>>()?;
    let workdir = p.value("workdir");
    if let Some(w) = &workdir {
        if !w.starts_with('/') {
            return Err(invalid(ErrorCode::InvalidWorkdir, format!("the working directory \"{w}\" is not absolute")));
        }
    }
    // The same resolution as `run -u` (crates/containers): uid, gid and the user's groups from
    // the rootfs's /etc/group, so that `id -G` agrees between run -u and exec -u.
    let (user, additional_gids) = match p.value("user") {
        Some(spec) => {
            let u = resolve_in_rootfs(std::path::Path::new(&v.rootfs), &spec)?;
            (Some(format!("{}:{}", u.uid, u.gid)), u.additional_gids)
        }
        None => (None, Vec::new()),
    };
    let tty = p.bool("tty");
    let a = ExecArgs {
        process: None,
        tty,
        console_socket: None,
        cwd: workdir.filter(|w| !w.is_empty()),
        env,
        user,
        additional_gids,
        detach: p.bool("detach"),
        pid_file: None,
        id: v.id.clone(),
        command: p.rest[1..].to_vec(),
        // -u is a whole identity here (uid, gid and the groups resolved above), as for run -u.
        replace_user: true,
        ..ExecArgs::default()
    };
    if !p.bool("interactive") {
        from_null(0)?;
    }
    // Without -t the process must not get the caller's terminal: the runtime relays it
    // through pipes (commands::exec::run_relaying_terminals). With -d there is nothing left to
    // relay once we return: like docker's exec -d, its output goes nowhere.
    if p.bool("detach") && !tty {
        for fd in [1, 2] {
            if is_terminal(fd) {
                from_null(fd)?;
            }
        }
    }
    let logger = Logger::open(None, LogFormat::Text, false);
    let g = Global { root: paths.runtime_root(), log: &logger, systemd_cgroup: false };
    let status = crate::commands::exec::run_relaying_terminals(&g, &a, p.bool("interactive"))?;
    if p.bool("json") {
        println!("{}", serde_json::json!({"id": v.id, "exitCode": status}));
    }
    Ok(Outcome::Exit(status))
}
