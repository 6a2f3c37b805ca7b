//! The one way a process enters a container: the container's init and every exec'd process
//! end with these steps, in this order, because the order is the security.
//!
//! [`Launch::prepare`] runs while the process is still root in the container's namespaces
//! (mount namespace and root already the container's): it closes every fd the process should
//! not have *before* it resolves any path, resolves the working directory inside the
//! container's root without magic links (the CVE-2024-21626 class: a cwd of
//! `/proc/self/fd/N` or a symlink to it must never reach a host directory held by an fd),
//! finds the program, and converts everything that can fail on bad input.
//!
//! [`Launch::drop_privileges`] drops privileges; [`Dropped::exec`] installs the late filter
//! and execs. The process is made non-dumpable first, so no tracer in the container can
//! attach between the capability drop and the seccomp filter (nor open /proc/<pid>/exe, the
//! runtime binary, see `sys::exe`); execve makes the program dumpable again as the kernel
//! decides. Then: an early seccomp filter (when it needs CAP_SYS_ADMIN to be installed), the
//! bounding set, keep-caps, the uid switch, the other capability sets, the cwd again as the
//! user, umask, no_new_privs, close-on-exec for every fd the process does not keep; after
//! that only the late filter (no_new_privs) and execve are left.
//!
//! The two halves are apart so that a container's init can drop its privileges before it
//! reports ready (as runc does): whatever of that can fail (a capability the host's
//! bounding set lacks, a user that cannot be set, a cwd the user may not enter, a filter
//! the kernel refuses) fails in `create`, with its message, not silently after `start`.

use std::convert::Infallible;
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use nix::unistd::fchdir;
use oci_spec::runtime::Process;

use super::caps::CapPlan;
use super::exec::{self, env_get, Prepared, DEFAULT_PATH};
use super::{identity, ProcessError};
use crate::rootfs::resolve::open_in_root;
use crate::security::seccomp::Filter;
use crate::sys::{cloexec_from, close_fds};

/// A process ready for its last steps.
pub struct Launch<'a> {
    process: &'a Process,
    filter: Option<&'a Filter>,
    /// The container's root, for resolving the cwd again as the user.
    root: OwnedFd,
    path: PathBuf,
    prepared: Prepared,
    caps: Option<CapPlan>,
    /// fds from 3 up to this (exclusive) are the process's own (preserve-fds, LISTEN_FDS).
    first_closed: u32,
}

/// What the caller keeps besides stdio and the preserved fds.
pub struct Keep<'a> {
    /// How many fds from 3 up the process is given (runc's --preserve-fds).
    pub preserved: u32,
    /// The runtime's own fds needed until execve (sync socket, exec fifo); all are
    /// close-on-exec.
    pub runtime: &'a [RawFd],
}

impl<'a> Launch<'a> {
    /// `extra_env` is appended to process.env (LISTEN_FDS and such).
    pub fn prepare(process: &'a Process, filter: Option<&'a Filter>, extra_env: Vec<String>, keep: Keep<'_>) -> Result<Launch<'a>, ProcessError> {
        let first_closed = 3 + keep.preserved;
        close_fds_except(first_closed, keep.runtime).map_err(ProcessError::sys("close inherited fds"))?;
        let root = nix::fcntl::open("/", OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(ProcessError::sys("open the container's root"))?;
        enter_cwd(root.as_fd(), process.cwd())?;

        let user = process.user();
        let mut env: Vec<String> = process.env().clone().unwrap_or_default();
        env.extend(extra_env);
        if env_get(&env, "HOME").is_none() {
            env.push(format!("HOME={}", identity::home_in_root(root.as_fd(), user.uid())));
        }
        let args = process
            .args()
            .as_deref()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ProcessError::Sys { what: "process.args is empty".into(), errno: Errno::EINVAL })?;
        let path = exec::lookup(&args[0], env_get(&env, "PATH").unwrap_or(DEFAULT_PATH))?;
        let prepared = exec::prepare(&path, args, &env);
        let caps = process.capabilities().as_ref().map(CapPlan::new).transpose()?;
        if let Some(c) = &caps {
            c.check_available()?;
        }
        Ok(Launch { process, filter, root, path, prepared, caps, first_closed })
    }

    /// Drops privileges and execs; returns only with the reason it could not.
    pub fn exec(self) -> Result<Infallible, ProcessError> {
        self.drop_privileges()?.exec()
    }

    /// Everything but the late filter and execve: after this the process has the user, the
    /// capabilities and the cwd it execs with.
    pub fn drop_privileges(self) -> Result<Dropped<'a>, ProcessError> {
        nix::sys::prctl::set_dumpable(false).map_err(ProcessError::sys("PR_SET_DUMPABLE"))?;
        let p = self.process;
        let user = p.user();
        let nnp = p.no_new_privileges().unwrap_or(false);
        // Without no_new_privs the filter needs CAP_SYS_ADMIN: install it while we are root.
        if let Some(f) = self.filter.filter(|f| !f.installs_late(nnp)) {
            f.install()?;
        }
        if let Some(c) = &self.caps {
            c.drop_bounding()?;
            nix::sys::prctl::set_keepcaps(true).map_err(ProcessError::sys("PR_SET_KEEPCAPS"))?;
        }
        identity::switch(user, true)?;
        if let Some(c) = &self.caps {
            c.apply()?;
            nix::sys::prctl::set_keepcaps(false).map_err(ProcessError::sys("PR_SET_KEEPCAPS"))?;
        }
        // Again as the user: a cwd the user may not enter is an error, as with runc; so is a
        // program only root could run (found as root above): both fail here, in `create`.
        enter_cwd(self.root.as_fd(), p.cwd())?;
        exec::check(&self.path)?;
        nix::sys::stat::umask(Mode::from_bits_truncate(user.umask().unwrap_or(0o022)));
        if nnp {
            nix::sys::prctl::set_no_new_privs().map_err(ProcessError::sys("PR_SET_NO_NEW_PRIVS"))?;
        }
        // Everything but stdio and the preserved fds ends at execve.
        cloexec_from(self.first_closed).map_err(ProcessError::sys("close_range"))?;
        Ok(Dropped { late: self.filter.filter(|f| f.installs_late(nnp)), path: self.path, prepared: self.prepared })
    }
}

/// A process with its privileges dropped: the late seccomp filter and execve are left.
pub struct Dropped<'a> {
    late: Option<&'a Filter>,
    path: PathBuf,
    prepared: Prepared,
}

impl Dropped<'_> {
    /// Installs the late filter and execs; returns only with the reason it could not.
    pub fn exec(self) -> Result<Infallible, ProcessError> {
        if let Some(f) = self.late {
            f.install()?;
        }
        let errno = exec::exec(&self.prepared);
        Err(ProcessError::NotExecutable { path: self.path, errno })
    }
}

/// Resolves `cwd` inside `root` (no escaping symlinks, no magic links) and enters it, then
/// checks the kernel agrees the result is inside the root.
fn enter_cwd(root: std::os::fd::BorrowedFd<'_>, cwd: &Path) -> Result<(), ProcessError> {
    let err = |errno| ProcessError::Cwd { path: cwd.to_path_buf(), errno };
    let dir = open_in_root(root, cwd, OFlag::O_PATH | OFlag::O_DIRECTORY).map_err(err)?;
    fchdir(&dir).map_err(err)?;
    // getcwd says "(unreachable)" for a directory outside the process's root.
    match nix::unistd::getcwd() {
        Ok(p) if p.is_absolute() => Ok(()),
        Ok(_) => Err(err(Errno::EXDEV)),
        Err(e) => Err(err(e)),
    }
}

/// Closes every fd from `first` up except those in `keep` (for real, not close-on-exec: a
/// magic link through /proc/self/fd only needs the fd to be open while a path is resolved).
fn close_fds_except(first: u32, keep: &[RawFd]) -> Result<(), Errno> {
    let mut keep: Vec<u32> = keep.iter().filter(|&&fd| fd >= first as RawFd).map(|&fd| fd as u32).collect();
    keep.sort_unstable();
    let mut from = first;
    for k in keep.into_iter().chain(std::iter::once(u32::MAX)) {
        if k > from {
            close_fds(from, k - 1)?;
        }
        if k == u32::MAX {
            break;
        }
        from = k + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_fd() -> RawFd {
        nix::fcntl::open("/dev/null", OFlag::O_RDONLY, Mode::empty()).map(std::os::fd::IntoRawFd::into_raw_fd).unwrap()
    }

    fn is_open(fd: RawFd) -> bool {
        // A raw fcntl rather than BorrowedFd::borrow_raw: the fd may be closed (that is the
        // question), and a BorrowedFd promises an open one.
        // SAFETY: fcntl(F_GETFD) takes integers only and changes nothing; on a closed fd it
        // fails with EBADF.
        let rc = unsafe { libc::fcntl(fd, libc::F_GETFD) };
        rc != -1
    }

    #[test]
    fn closes_all_but_the_kept_fds() {
        // A forked child, so the test harness's own fds are not touched.
        // SAFETY: the test harness is multi-threaded, so the child may meet locks held by
        // threads that did not come along. It takes none of std's (no stdout, stderr or env
        // access on the success path), allocates only through glibc's malloc, whose fork
        // handler resets the arena locks in the child, otherwise makes plain syscalls, and
        // ends in _exit without returning into the harness.
        match unsafe { nix::unistd::fork() }.unwrap() {
            nix::unistd::ForkResult::Child => {
                let fds: Vec<RawFd> = (0..6).map(|_| open_fd()).collect();
                let keep = [fds[2], fds[4]];
                let ok = close_fds_except(fds[0] as u32, &keep).is_ok() && fds.iter().all(|fd| is_open(*fd) == keep.contains(fd)) && is_open(2);
                // SAFETY: _exit ends the forked child at once, without atexit handlers or a flush
                // of the harness's stdio buffers copied into it, and without unwinding into the
                // harness's test thread.
                unsafe { libc::_exit(if ok { 0 } else { 1 }) }
            }
            nix::unistd::ForkResult::Parent { child } => {
                let st = nix::sys::wait::waitpid(child, None).unwrap();
                assert_eq!(st, nix::sys::wait::WaitStatus::Exited(child, 0));
            }
        }
    }

    #[test]
    fn a_cwd_through_a_magic_link_or_outside_the_root_is_not_entered() {
        let d = std::env::temp_dir().join(format!("tsc-box-launch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("root/work")).unwrap();
        std::fs::create_dir_all(d.join("outside")).unwrap();
        std::os::unix::fs::symlink("/proc/self/cwd", d.join("root/magic")).unwrap();
        std::os::unix::fs::symlink("../../outside", d.join("root/up")).unwrap();
        // SAFETY: the test harness is multi-threaded, so the child may meet locks held by
        // threads that did not come along. It takes none of std's (no stdout, stderr or env
        // access on the success path), allocates only through glibc's malloc, whose fork
        // handler resets the arena locks in the child, otherwise makes plain syscalls, and
        // ends in _exit without returning into the harness.
        match unsafe { nix::unistd::fork() }.unwrap() {
            nix::unistd::ForkResult::Child => {
                let root = nix::fcntl::open(&d.join("root"), OFlag::O_PATH | OFlag::O_DIRECTORY, Mode::empty()).unwrap();
                // A magic link is refused even where it exists (the host's own /proc)...
                let host = nix::fcntl::open("/", OFlag::O_PATH | OFlag::O_DIRECTORY, Mode::empty()).unwrap();
                let magic = matches!(enter_cwd(host.as_fd(), Path::new("/proc/self/cwd")), Err(ProcessError::Cwd { errno: Errno::ELOOP, .. }));
                // ...and an absolute symlink to one resolves inside the root, which has no /proc.
                let inside = matches!(enter_cwd(root.as_fd(), Path::new("/magic")), Err(ProcessError::Cwd { errno: Errno::ENOENT, .. }));
                // `..` is clamped at the root: ../../outside is root/outside, which is absent.
                let up = matches!(enter_cwd(root.as_fd(), Path::new("/up")), Err(ProcessError::Cwd { errno: Errno::ENOENT, .. }));
                let fine = enter_cwd(root.as_fd(), Path::new("/work")).is_ok() && std::env::current_dir().unwrap().ends_with("root/work");
                // SAFETY: _exit ends the forked child at once, without atexit handlers or a flush
                // of the harness's stdio buffers copied into it, and without unwinding into the
                // harness's test thread.
                unsafe { libc::_exit(if magic && inside && up && fine { 0 } else { 1 }) }
            }
            nix::unistd::ForkResult::Parent { child } => {
                let st = nix::sys::wait::waitpid(child, None).unwrap();
                std::fs::remove_dir_all(&d).unwrap();
                assert_eq!(st, nix::sys::wait::WaitStatus::Exited(child, 0));
            }
        }
    }
}
