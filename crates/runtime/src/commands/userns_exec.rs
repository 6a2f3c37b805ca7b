//! `userns-exec`: runs a program as root of a new user namespace with the caller's subordinate
//! ids mapped (root inside = the caller, 1.. = its ranges, as its containers have them by
//! default) and in a mount namespace of its own. A rootless `tsc-box build` runs its COPY,
//! ADD and WORKDIR steps there: it mounts the step's overlay (userxattr), gives copied files
//! the container's owners (`--chown=1000` is the subordinate id 1000 maps to) and reads the
//! stage's files whoever owns them. Its mounts go away with it.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;

use clap::Args;
use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use tsc_box_core::kind::Kind;

use super::userns_helper::{run_mapped, MapArgs};
use crate::error::CmdError;

#[derive(Args)]
pub struct UsernsExecArgs {
    #[command(flatten)]
    pub maps: MapArgs,
    /// The program and its arguments (after `--`).
    #[arg(required = true, last = true)]
    pub command: Vec<std::ffi::OsString>,
}

pub fn run(a: &UsernsExecArgs) -> Result<i32, CmdError> {
    let argv: Vec<CString> = a
        .command
        .iter()
        .map(|s| CString::new(s.as_bytes()).map_err(|_| CmdError::other(Kind::Config, format!("{s:?}: a NUL byte in an argument"))))
        .collect::<Result<_, _>>()?;
    run_mapped(&a.maps, || {
        // Our mounts stay ours: nothing propagates back to the host's namespace.
        let private =
            unshare(CloneFlags::CLONE_NEWNS).and_then(|()| mount(None::<&str>, "/", None::<&str>, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None::<&str>));
        if let Err(e) = private {
            eprintln!("tsc-box-runtime: a mount namespace for {:?}: {e}", a.command[0]);
            return 1;
        }
        let e = nix::unistd::execvp(&argv[0], &argv).unwrap_err();
        eprintln!("tsc-box-runtime: {:?}: {e}", a.command[0]);
        127
    })
}
