//! `tsc-box cp` (tsc_box_containers::cp, the code the runtime's front door runs too) for the
//! Node CLI: which container and whether it runs (a stopped one's overlay is mounted by the
//! caller first), then the copy itself, `-` being this process's stdin or stdout.
use std::path::PathBuf;

use napi_derive::napi;
use tsc_box_containers::cp::command::{self, Place};
use tsc_box_containers::cp::CpOptions;
use tsc_box_containers::paths::Paths;
use tsc_box_containers::ErrorCode;

use crate::containers::coded;

/// The container a `cp` names.
#[napi(object)]
pub struct CpTarget {
    pub id: String,
    pub name: String,
    /// Its directory in the store.
    pub dir: String,
    /// Its root filesystem directory (an overlay's merged directory).
    pub rootfs: String,
    /// Its init is alive: the copy goes through it.
    pub running: bool,
}

#[napi(object)]
pub struct CpFlags {
    pub archive: bool,
    pub follow_link: bool,
}

fn paths(data_root: String, run_dir: String) -> Paths {
    Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) }
}

/// Checks the arguments and finds the container (nothing is copied).
#[napi]
pub fn cp_target(data_root: String, run_dir: String, src: String, dest: String) -> napi::Result<CpTarget, ErrorCode> {
    let p = paths(data_root, run_dir);
    let (_, v) = command::target(&p, &src, &dest).map_err(|e| coded(&e))?;
    let running = matches!(command::place(&p, &v), Place::Running(_));
    Ok(CpTarget { id: v.id.clone(), name: v.name.clone(), dir: v.dir.to_string_lossy().into_owned(), rootfs: v.rootfs.clone(), running })
}

/// Copies (blocking: `cp` is the whole command).
#[napi]
pub fn cp_run(data_root: String, run_dir: String, src: String, dest: String, flags: CpFlags) -> napi::Result<(), ErrorCode> {
    let p = paths(data_root, run_dir);
    let (d, v) = command::target(&p, &src, &dest).map_err(|e| coded(&e))?;
    let o = CpOptions { archive: flags.archive, follow_link: flags.follow_link };
    command::run(&d, &command::place(&p, &v), o).map_err(|e| coded(&e))
}
