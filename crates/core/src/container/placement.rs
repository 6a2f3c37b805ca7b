//! Getting the init into its cgroup as cheaply as the host allows.

use std::os::fd::OwnedFd;
use std::path::PathBuf;

use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use tsc_box_cgroups::{Manager, Mode as CgMode};

use super::{sys, ContainerError};

/// How the init gets into its cgroup. On v2: clone3(CLONE_INTO_CGROUP). On v1 and hybrid,
/// writing a pid to cgroup.procs takes a global lock that waits for an RCU grace period
/// (milliseconds, more under load); a thread writing "0" to a v1 `tasks` file moves only
/// itself and skips it. So the init, single-threaded and still root on the host, moves
/// itself into every v1 hierarchy, and enters hybrid's unified one through clone3. In a new
/// user namespace it has no rights over the host's cgroupfs: the parent writes the pid.
pub(super) fn placement(cgroup: &Manager, new_user: bool) -> Result<(Option<OwnedFd>, Vec<PathBuf>), ContainerError> {
    match cgroup.mode() {
        CgMode::V2 => Ok((cgroup.clone_into_fd()?, Vec::new())),
        _ if new_user => Ok((None, Vec::new())),
        _ => {
            let fd = match cgroup.unified_dir() {
                Some(d) => {
                    Some(nix::fcntl::open(d, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty()).map_err(sys("open the unified cgroup"))?)
                }
                None => None,
            };
            Ok((fd, cgroup.v1_dirs().into_iter().map(|d| d.join("tasks")).collect()))
        }
    }
}
