//! `create`: the container is fully set up and its init waits on the exec fifo.

use tsc_box_core::container::{self, Options, StartVia};

use super::{write_pid_file, Global};
use crate::cli::CreateArgs;
use crate::error::CmdError;

pub fn run(g: &Global<'_>, a: &CreateArgs) -> Result<i32, CmdError> {
    g.refuse_systemd()?;
    let c = container::create(&Options {
        root: &g.root,
        id: &a.id,
        bundle: &a.bundle,
        console_socket: a.console_socket.as_deref(),
        start: StartVia::Fifo,
        die_with_parent: false,
        new_keyring: !a.no_new_keyring,
        preserve_fds: a.preserve_fds,
        interrupt: None,
    })?;
    for w in &c.ignored {
        g.log.warn(w);
    }
    if let Some(p) = &a.pid_file {
        if let Err(e) = write_pid_file(p, c.pid.as_raw()) {
            let _ = c.destroy();
            return Err(e);
        }
    }
    Ok(0)
}
