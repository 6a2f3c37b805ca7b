//! tsc-box-runtime: the OCI runtime command line over tsc_box_core, and (as `init`) the tiny
//! init that `--init` bind-mounts into containers.
#![deny(clippy::undocumented_unsafe_blocks)]

mod cli;
mod commands;
mod error;
mod front;
mod log;
mod relay;
mod tinyinit;

use clap::Parser;

use cli::{Cli, Command};

/// What `exec` exits with when it fails before the process has a status of its own (runc's).
const EXEC_FAILED: i32 = 255;

fn main() {
    // The tiny-init path must stay tiny: decide on argv[0] before anything else runs.
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    if std::path::Path::new(&argv0).file_name().is_some_and(|n| n == "init") {
        tinyinit::main(args.collect());
    }
    if argv0 == commands::monitor::LOOP_ARGV0 {
        commands::monitor::loop_main(args.collect());
    }
    // `--cli exec ...`: the CLI's own exec, dispatched before clap (its flags are docker's).
    let rest: Vec<std::ffi::OsString> = args.collect();
    if rest.first().is_some_and(|a| a == "--cli") {
        front::main(rest[1..].to_vec());
    }
    let cli = Cli::parse_from(cli::legacy_helper_spelling(std::env::args_os()));
    let logger = log::Logger::open(cli.log.as_deref(), cli.log_format, cli.debug);
    let g = commands::Global { root: cli.root.clone(), log: &logger, systemd_cgroup: cli.systemd_cgroup };
    // These put clones of this binary into a container: they run from a view of it that no
    // container can change (tsc_box_core::sys::exe).
    let clones = match &cli.command {
        Command::Create(_) | Command::Run(_) | Command::Exec(_) => true,
        Command::Helper(h) => h.helper.creates_containers(),
        _ => false,
    };
    if clones {
        if let Err(e) = tsc_box_core::sys::exe::ensure_sealed() {
            let e = error::CmdError::other(
                tsc_box_core::kind::Kind::Internal,
                format!("cannot protect the runtime binary from the container (read-only view or sealed copy): {e}"),
            );
            logger.error(e.kind(), &e.to_string());
            std::process::exit(e.exit_status());
        }
    }
    let result = match &cli.command {
        Command::Create(a) => commands::create::run(&g, a),
        Command::Start(a) => commands::start::run(&g, a),
        Command::State(a) => commands::state::run(&g, a),
        Command::Kill(a) => commands::kill::run(&g, a),
        Command::Delete(a) => commands::delete::run(&g, a),
        Command::Run(a) => commands::run::run(&g, a),
        Command::Features => commands::features::run(&g),
        Command::Update(a) => commands::update::run(&g.root, a, &logger).map(|()| 0).map_err(Into::into),
        Command::Events(a) => commands::events::run(&g.root, a).map(|()| 0).map_err(Into::into),
        Command::Pause(a) => commands::pause::pause(&g, a),
        Command::Resume(a) => commands::pause::resume(&g, a),
        Command::Ps(a) => commands::ps::run(&g, a),
        Command::Exec(a) => commands::exec::run(&g, a),
        Command::List(a) => commands::list::run(&g, a),
        Command::Spec(a) => commands::spec::run(a, cli.rootless.as_deref().is_some_and(|v| v != "false")),
        Command::Checkpoint(_) | Command::Restore(_) => Err(error::CmdError::other(
            tsc_box_core::kind::Kind::Config,
            "checkpoint and restore are not supported by tsc-box-runtime (it has no CRIU support)",
        )),
        Command::Helper(h) => commands::helper::run(&g, &h.helper),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            logger.error(e.kind(), &e.to_string());
            match cli.command {
                // runc's exec exits 255 when it fails itself (paused or unknown container, a
                // program that cannot run, a pid file it cannot write), so that a caller can
                // tell that from the process's own status; engines read the message.
                Command::Exec(_) => EXEC_FAILED,
                _ => e.exit_status(),
            }
        }
    };
    std::process::exit(code);
}
