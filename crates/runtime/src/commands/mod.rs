//! One file per OCI runtime command; `helper` dispatches what tsc-box starts that is no OCI
//! verb (the files it names).

pub mod cp_stopped;
pub mod create;
pub mod delete;
pub mod events;
pub mod exec;
pub mod exit_watch;
pub mod features;
pub mod helper;
pub mod kill;
pub mod layer_from_upper;
pub mod list;
pub mod monitor;
pub mod net;
pub mod net_attach;
pub mod pause;
pub mod port_proxy;
pub mod ps;
pub mod remove_tree;
pub mod run;
pub mod spec;
pub mod start;
pub mod state;
pub mod unpack_layer;
pub mod update;
pub mod userns_exec;
pub mod userns_helper;
pub mod volume_copyup;

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use tsc_box_core::kind::Kind;

use crate::error::CmdError;
use crate::log::Logger;

pub struct Global<'a> {
    pub root: PathBuf,
    pub log: &'a Logger,
    pub systemd_cgroup: bool,
}

impl Global<'_> {
    /// Commands that create cgroups refuse the systemd driver rather than ignore it.
    pub fn refuse_systemd(&self) -> Result<(), CmdError> {
        if self.systemd_cgroup {
            return Err(CmdError::other(Kind::Config, "--systemd-cgroup is not supported: use cgroupfs paths"));
        }
        Ok(())
    }
}

/// Writes the pid file atomically (engines poll for it and must never read half a number).
pub fn write_pid_file(path: &Path, pid: i32) -> Result<(), CmdError> {
    let err = |e: std::io::Error| CmdError::other(Kind::State, format!("pid file {}: {e}", path.display()));
    let tmp = path.with_extension("tsc-box-tmp");
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o644).open(&tmp).map_err(err)?;
    f.write_all(pid.to_string().as_bytes()).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}
