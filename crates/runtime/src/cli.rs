//! The command line, as runc and crun spell it (containerd and podman drive it so).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
// runc spells the version flag -v/--version (and has no -V).
#[command(name = "tsc-box-runtime", version, about = "OCI runtime of tsc-box", disable_version_flag = true)]
pub struct Cli {
    /// Directory for the containers' state.
    #[arg(long, global = true, default_value = "/run/tsc-box-runtime")]
    pub root: PathBuf,
    /// Log file (errors, and the exit line of a foreground `run`).
    #[arg(long, global = true)]
    pub log: Option<PathBuf>,
    #[arg(long = "log-format", global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[arg(long, global = true)]
    pub debug: bool,
    /// Refused when a command needs it: systemd cgroup drivers are not supported.
    #[arg(long = "systemd-cgroup", global = true)]
    pub systemd_cgroup: bool,
    /// Accepted for compatibility (rootless mode is detected from the euid).
    #[arg(long, global = true, hide = true, num_args = 0..=1, default_missing_value = "auto")]
    pub rootless: Option<String>,
    /// Accepted for compatibility; there is no checkpoint support.
    #[arg(long, global = true, hide = true)]
    pub criu: Option<String>,
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version, global = false)]
    pub version: Option<bool>,
    #[command(subcommand)]
    pub command: Command,
}

/// The helpers that earlier releases took as top-level commands, before `helper NAME`.
const LEGACY_HELPERS: [&str; 3] = ["net-attach", "slirp-attach", "net-detach"];

/// argv with `helper` put before a helper named at the top level, as the network hooks in the
/// config.json of a container created by an earlier release do (`tsc-box-runtime net-detach
/// PLAN`): such a container must still release its address and veth when it stops, and
/// attach again when it restarts under its monitor.
pub fn legacy_helper_spelling(argv: impl Iterator<Item = OsString>) -> Vec<OsString> {
    let mut argv: Vec<OsString> = argv.collect();
    if argv.get(1).is_some_and(|a| LEGACY_HELPERS.iter().any(|h| a == h)) {
        argv.insert(1, "helper".into());
    }
    argv
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a container: set it up, with its init waiting for `start`.
    Create(CreateArgs),
    /// Run the user process of a created container.
    Start(IdArgs),
    /// Print the state of a container (runtime-spec JSON).
    State(IdArgs),
    /// Send a signal to the container's init (or, with --all, to all its processes).
    Kill(KillArgs),
    /// Delete a stopped (or created, or with --force any) container.
    Delete(DeleteArgs),
    /// Create and start a container, and (unless --detach) wait for it.
    Run(RunArgs),
    /// Print the OCI features document.
    Features,
    /// Change the resource limits of a container.
    Update(crate::commands::update::UpdateArgs),
    /// Print resource usage (--stats once, else a stream of events).
    Events(crate::commands::events::EventsArgs),
    /// Freeze every process of a container.
    Pause(IdArgs),
    /// Thaw a paused container.
    Resume(IdArgs),
    /// List the host pids of a container's processes.
    Ps(crate::commands::ps::PsArgs),
    /// Run a new process in a running container.
    Exec(crate::commands::exec::ExecArgs),
    /// List the containers under --root.
    List(crate::commands::list::ListArgs),
    /// Write a default config.json (runc's `spec`).
    Spec(crate::commands::spec::SpecArgs),
    /// Refused: there is no checkpoint support (no CRIU).
    Checkpoint(UnsupportedArgs),
    /// Refused: there is no checkpoint support (no CRIU).
    Restore(UnsupportedArgs),
    /// Programs tsc-box starts that are no OCI verb: hooks, the monitor, rootless helpers.
    // Hidden, in a namespace of its own (commands::helper): runc's command line stays runc's.
    #[command(hide = true)]
    Helper(crate::commands::helper::HelperArgs),
}

#[derive(Args)]
pub struct CreateArgs {
    #[arg(short = 'b', long, default_value = ".")]
    pub bundle: PathBuf,
    #[arg(long = "pid-file")]
    pub pid_file: Option<PathBuf>,
    #[arg(long = "console-socket")]
    pub console_socket: Option<PathBuf>,
    /// Pass N extra fds (3 .. 3+N-1) to the process, besides LISTEN_FDS.
    #[arg(long = "preserve-fds", default_value_t = 0)]
    pub preserve_fds: u32,
    /// Accepted for runc compatibility: the rootfs is always entered with pivot_root (a
    /// rootfs on the initramfs, which cannot be pivoted from, is not supported).
    #[arg(long = "no-pivot")]
    pub no_pivot: bool,
    /// Keep the caller's session keyring instead of a new one for the container.
    #[arg(long = "no-new-keyring")]
    pub no_new_keyring: bool,
    pub id: String,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub create: CreateArgs,
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Do not delete the container after it exits (foreground run).
    #[arg(long = "keep")]
    pub keep: bool,
    /// Accepted for runc compatibility: the runtime is never made a subreaper, so nothing
    /// changes without it.
    #[arg(long = "no-subreaper")]
    pub no_subreaper: bool,
}

/// checkpoint/restore take many CRIU flags; all are accepted so that the refusal says why.
#[derive(Args)]
pub struct UnsupportedArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

#[derive(Args)]
pub struct IdArgs {
    pub id: String,
}

#[derive(Args)]
pub struct KillArgs {
    #[arg(short = 'a', long)]
    pub all: bool,
    pub id: String,
    // runc takes a signal as a name with or without SIG, or a number (`kill ID 9`).
    #[arg(default_value = "SIGTERM")]
    pub signal: String,
}

#[derive(Args)]
pub struct DeleteArgs {
    #[arg(short = 'f', long)]
    pub force: bool,
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spelled(argv: &[&str]) -> Vec<String> {
        legacy_helper_spelling(argv.iter().map(OsString::from)).into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    #[test]
    fn a_hook_of_an_earlier_release_reaches_the_helper() {
        assert_eq!(spelled(&["tsc-box-runtime", "net-detach", "/p"]), ["tsc-box-runtime", "helper", "net-detach", "/p"]);
        let cli = Cli::try_parse_from(spelled(&["tsc-box-runtime", "net-attach", "/p"])).unwrap();
        assert!(matches!(cli.command, Command::Helper(_)));
    }

    #[test]
    fn every_flag_of_runc_1_1_parses() {
        // runc 1.1.5's command line (its main.go and one file per verb), verb by verb.
        let g = ["tsc-box-runtime", "--root", "/r", "--log", "/l", "--log-format", "json", "--debug", "--rootless", "auto", "--criu", "criu"];
        let lines: &[&[&str]] = &[
            &["create", "-b", "/b", "--console-socket", "/s", "--pid-file", "/p", "--no-pivot", "--no-new-keyring", "--preserve-fds", "2", "id"],
            &["run", "--bundle", "/b", "-d", "--keep", "--no-subreaper", "--no-pivot", "--no-new-keyring", "--preserve-fds", "1", "--pid-file", "/p", "id"],
            &["start", "id"],
            &["state", "id"],
            &["kill", "-a", "id", "9"],
            &["kill", "--all", "id"],
            &["delete", "-f", "id"],
            &["pause", "id"],
            &["resume", "id"],
            &["ps", "-f", "json", "id"],
            &["ps", "--format", "table", "id", "-o", "pid"],
            &["events", "--interval", "1s", "--stats", "id"],
            &["list", "-f", "json", "-q"],
            &["spec", "-b", "/b"],
            &["features"],
            &["checkpoint", "--image-path", "/i", "--leave-running", "id"],
            &["restore", "-b", "/b", "--image-path", "/i", "-d", "id"],
            &[
                "exec",
                "--console-socket",
                "/s",
                "--cwd",
                "/",
                "-e",
                "A=1",
                "--env",
                "B=2",
                "-t",
                "-u",
                "1:1",
                "-g",
                "5",
                "--additional-gids",
                "6",
                "-p",
                "/p.json",
                "-d",
                "--pid-file",
                "/p",
                "--process-label",
                "",
                "--apparmor",
                "",
                "--no-new-privs",
                "-c",
                "CAP_KILL",
                "--cap",
                "CAP_CHOWN",
                "--preserve-fds",
                "3",
                "--cgroup",
                "sub",
                "--ignore-paused",
                "id",
                "true",
            ],
            &[
                "update",
                "-r",
                "-",
                "--blkio-weight",
                "500",
                "--cpu-period",
                "100000",
                "--cpu-quota",
                "50000",
                "--cpu-share",
                "512",
                "--cpu-rt-period",
                "0",
                "--cpu-rt-runtime",
                "0",
                "--cpuset-cpus",
                "0",
                "--cpuset-mems",
                "0",
                "--kernel-memory",
                "1m",
                "--kernel-memory-tcp",
                "1m",
                "--memory",
                "64m",
                "--memory-reservation",
                "32m",
                "--memory-swap",
                "-1",
                "--pids-limit",
                "10",
                "--l3-cache-schema",
                "L3:0=f",
                "--mem-bw-schema",
                "MB:0=50",
                "id",
            ],
        ];
        for line in lines {
            let argv: Vec<&str> = g.iter().chain(line.iter()).copied().collect();
            if let Err(e) = Cli::try_parse_from(&argv) {
                panic!("{line:?}: {e}");
            }
        }
        // `spec --rootless` is the global flag, placed after the verb as runc users write it.
        assert!(Cli::try_parse_from(["tsc-box-runtime", "spec", "--rootless"]).unwrap().rootless.is_some());
    }

    #[test]
    fn runc_verbs_and_other_words_are_left_alone() {
        assert_eq!(spelled(&["tsc-box-runtime", "delete", "net-detach"]), ["tsc-box-runtime", "delete", "net-detach"]);
        assert_eq!(spelled(&["tsc-box-runtime", "--root", "/r", "net-detach"]), ["tsc-box-runtime", "--root", "/r", "net-detach"]);
        assert_eq!(spelled(&["tsc-box-runtime"]), ["tsc-box-runtime"]);
    }
}
