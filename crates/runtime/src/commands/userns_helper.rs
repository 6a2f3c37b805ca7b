//! The rootless helpers' shared part (`remove-tree`, `unpack-layer`, `layer-from-upper`,
//! `userns-exec`, ...): a forked child makes a user namespace, we have its maps written
//! (newuidmap/newgidmap check them against /etc/subuid and /etc/subgid), and the child does the work as that namespace's root, where
//! the user's subordinate ids are ids it may own files as. Its exit status is the result.

use clap::Args;
use nix::sched::{unshare, CloneFlags};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, pipe, read, setresgid, setresuid, write, ForkResult, Gid, Uid};
use tsc_box_cgroups::oci_spec::runtime::LinuxIdMapping;
use tsc_box_core::container::idmap;
use tsc_box_core::kind::Kind;

use crate::error::CmdError;

#[derive(Args)]
pub struct MapArgs {
    /// CONTAINER:HOST:SIZE, as for the container (repeatable).
    #[arg(long = "uidmap", required = true)]
    pub uidmap: Vec<String>,
    #[arg(long = "gidmap", required = true)]
    pub gidmap: Vec<String>,
}

fn parse(maps: &[String]) -> Result<Vec<LinuxIdMapping>, CmdError> {
    maps.iter()
        .map(|m| {
            let v: Vec<u32> = m.split(':').map(str::parse).collect::<Result<_, _>>().map_err(|_| bad(m))?;
            let [c, h, s] = v[..] else { return Err(bad(m)) };
            serde_json::from_value(serde_json::json!({"containerID": c, "hostID": h, "size": s})).map_err(|_| bad(m))
        })
        .collect()
}

fn bad(m: &str) -> CmdError {
    CmdError::other(Kind::Config, format!("invalid id map {m:?}: expected CONTAINER:HOST:SIZE"))
}

fn fail(what: &str) -> impl FnOnce(nix::errno::Errno) -> CmdError + '_ {
    move |e| CmdError::other(Kind::User, format!("{what}: {e}"))
}

/// Runs `work` as root of a new user namespace with the maps; returns its exit status.
pub fn run_mapped(maps: &MapArgs, work: impl FnOnce() -> i32) -> Result<i32, CmdError> {
    let (uid, gid) = (parse(&maps.uidmap)?, parse(&maps.gidmap)?);
    let (ready_r, ready_w) = pipe().map_err(fail("pipe"))?;
    let (go_r, go_w) = pipe().map_err(fail("pipe"))?;
    // Single-threaded here: the child may do anything a fresh process may.
    // SAFETY: the runtime has one thread here, so the child cannot meet a lock held by a thread
    // that did not come along; it leaves through _exit and never returns into our callers.
    match unsafe { fork() }.map_err(fail("fork"))? {
        ForkResult::Child => {
            drop((ready_r, go_w));
            // Whoever kills us (an aborted download) kills the work too.
            let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
            let entered = (|| {
                unshare(CloneFlags::CLONE_NEWUSER).ok()?;
                write(&ready_w, b"1").ok()?;
                let mut b = [0u8; 1];
                if read(&go_r, &mut b).ok()? != 1 {
                    return None;
                }
                setresgid(Gid::from_raw(0), Gid::from_raw(0), Gid::from_raw(0)).ok()?;
                setresuid(Uid::from_raw(0), Uid::from_raw(0), Uid::from_raw(0)).ok()
            })();
            let code = if entered.is_some() { work() } else { 1 };
            // SAFETY: _exit ends the forked child at once: no atexit handler and no flush of
            // the stdio buffers copied from the parent; no Rust state outlives it.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop((ready_w, go_r));
            let mut b = [0u8; 1];
            let mapped = match read(&ready_r, &mut b) {
                Ok(1) => idmap::write_maps(child, &uid, &gid).map_err(|e| CmdError::other(Kind::User, e.to_string())),
                _ => Err(CmdError::other(Kind::User, "the helper could not make a user namespace".to_string())),
            };
            if mapped.is_ok() {
                let _ = write(&go_w, b"1");
            }
            drop(go_w);
            let status = waitpid(child, None).map_err(fail("wait"))?;
            mapped?;
            Ok(match status {
                WaitStatus::Exited(_, code) => code,
                _ => 1,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_are_parsed_or_refused() {
        let m = parse(&["0:1000:1".into(), "1:100000:65536".into()]).unwrap();
        assert_eq!((m[1].container_id(), m[1].host_id(), m[1].size()), (1, 100000, 65536));
        for bad in ["1:2", "a:b:c", "1:2:3:4", "-1:0:1"] {
            assert!(parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
