//! Installs real filters in forked children (works unprivileged: no_new_privs is set first).

use super::*;

/// Fork; in the child set no_new_privs, install `f`, run `probe` and _exit with its result.
/// Only raw syscalls happen in the child (the test harness is multi-threaded).
fn in_child(f: &Filter, probe: fn() -> i32) -> i32 {
    // SAFETY: the harness is multi-threaded, so the child may only make async-signal-safe
    // calls: it makes raw syscalls only (prctl, seccomp through Filter::install, which does not
    // allocate, the probe's one syscall, errno reads) and leaves with _exit.
    match unsafe { libc::fork() } {
        // SAFETY: prctl(PR_SET_NO_NEW_PRIVS) takes integers only; _exit ends the forked child
        // without atexit handlers, stdio flushes or unwinding into the harness's thread.
        0 => unsafe {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || f.install().is_err() {
                libc::_exit(200);
            }
            libc::_exit(probe());
        },
        pid => {
            assert!(pid > 0);
            let mut status = 0;
            // SAFETY: `pid` is our own child and &mut status points at a live c_int, which is all
            // waitpid writes.
            assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
            if libc::WIFSIGNALED(status) {
                1000 + libc::WTERMSIG(status)
            } else {
                libc::WEXITSTATUS(status)
            }
        }
    }
}

fn errno_of(rc: libc::c_long) -> i32 {
    if rc == -1 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    } else {
        0
    }
}

fn profile(json: &str) -> Filter {
    compile(&serde_json::from_str(json).unwrap()).unwrap()
}

#[test]
fn the_kernel_enforces_errno_rules() {
    let f = profile(r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getppid"],"action":"SCMP_ACT_ERRNO","errnoRet":77}]}"#);
    // SAFETY: a probe, run in the forked child: getppid takes no arguments.
    assert_eq!(in_child(&f, || errno_of(unsafe { libc::syscall(libc::SYS_getppid) })), 77);
    // SAFETY: a probe, run in the forked child: getpid takes no arguments.
    assert_eq!(in_child(&f, || errno_of(unsafe { libc::syscall(libc::SYS_getpid) })), 0);
}

#[test]
fn the_kernel_gives_enosys_past_the_profile_and_eperm_inside_it() {
    let f = profile(r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["exit_group","exit","getpid","membarrier"],"action":"SCMP_ACT_ALLOW"}]}"#);
    // membarrier is 324 on x86_64 and 283 on aarch64; clone3 (435) is newer: ENOSYS.
    // SAFETY: a probe, run in the forked child: clone3 with a null args pointer and size 0 is
    // refused (by the filter here, else with EINVAL) before the kernel reads anything.
    assert_eq!(in_child(&f, || errno_of(unsafe { libc::syscall(libc::SYS_clone3, 0, 0) })), libc::ENOSYS);
    // SAFETY: a probe, run in the forked child: getppid takes no arguments.
    assert_eq!(in_child(&f, || errno_of(unsafe { libc::syscall(libc::SYS_getppid) })), libc::EPERM);
    // SAFETY: a probe, run in the forked child: getpid takes no arguments.
    assert_eq!(in_child(&f, || errno_of(unsafe { libc::syscall(libc::SYS_getpid) })), 0);
}

#[test]
fn kill_process_kills_with_sigsys() {
    let f = profile(r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getppid"],"action":"SCMP_ACT_KILL_PROCESS"}]}"#);
    // SAFETY: a probe, run in the forked child: getppid takes no arguments.
    assert_eq!(in_child(&f, || errno_of(unsafe { libc::syscall(libc::SYS_getppid) })), 1000 + libc::SIGSYS);
}

#[test]
fn argument_rules_hold_in_the_kernel() {
    // dup3 with flags == O_CLOEXEC allowed, anything else EPERM.
    let f = profile(&format!(
        r#"{{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
            {{"names":["dup3"],"action":"SCMP_ACT_ALLOW","args":[{{"index":2,"value":{},"op":"SCMP_CMP_EQ"}}]}},
            {{"names":["dup3"],"action":"SCMP_ACT_ERRNO"}}]}}"#,
        libc::O_CLOEXEC
    ));
    // SAFETY: a probe, run in the forked child: dup3 takes integers only; the fd 100 it makes
    // is the child's, which _exits right after.
    assert_eq!(in_child(&f, || errno_of(unsafe { libc::syscall(libc::SYS_dup3, 0, 100, libc::O_CLOEXEC) })), 0);
    // SAFETY: a probe, run in the forked child: dup3 takes integers only (and is refused here).
    assert_eq!(in_child(&f, || errno_of(unsafe { libc::syscall(libc::SYS_dup3, 0, 100, 0) })), libc::EPERM);
}
