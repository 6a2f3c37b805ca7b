//! What this host offers containers, for `tsc-box info`. Namespaces are probed by actually
//! creating them in a short-lived forked child, because a kernel can list a namespace type
//! in /proc/self/ns and still refuse to create it (sysctls, LSMs, seccomp of the caller).
use std::path::Path;
use std::process::Command;

use napi_derive::napi;
use nix::sched::{unshare, CloneFlags};
use nix::sys::utsname::uname;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult};

#[napi(object)]
pub struct KernelInfo {
    pub release: String,
    pub version: String,
    pub machine: String,
}

#[napi(object)]
pub struct CgroupInfo {
    /// "v1", "hybrid" or "v2"; absent when detection failed (see `error`).
    pub mode: Option<String>,
    /// Controllers on v1 hierarchies.
    pub v1_controllers: Vec<String>,
    /// Where the cgroup2 hierarchy is mounted, if anywhere.
    pub unified_mount: Option<String>,
    /// Controllers available in the cgroup2 hierarchy's root.
    pub unified_controllers: Vec<String>,
    pub error: Option<String>,
}

#[napi(object)]
pub struct NamespaceSupport {
    pub name: String,
    pub supported: bool,
}

#[napi(object)]
pub struct UserNamespaceInfo {
    /// A user namespace could be created by this process.
    pub supported: bool,
    /// /proc/sys/user/max_user_namespaces.
    pub max_user_namespaces: Option<u32>,
    /// /proc/sys/kernel/unprivileged_userns_clone, on kernels that have it.
    pub unprivileged_clone: Option<bool>,
}

#[napi(object)]
pub struct RuntimeInfo {
    pub path: String,
    pub version: Option<String>,
    pub error: Option<String>,
}

#[napi(object)]
pub struct HostInfo {
    pub kernel: KernelInfo,
    pub cgroup: CgroupInfo,
    pub namespaces: Vec<NamespaceSupport>,
    pub overlayfs: bool,
    pub user_namespaces: UserNamespaceInfo,
    pub runtime: RuntimeInfo,
}

const NAMESPACES: &[(&str, CloneFlags)] = &[
    ("pid", CloneFlags::CLONE_NEWPID),
    ("mount", CloneFlags::CLONE_NEWNS),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("network", CloneFlags::CLONE_NEWNET),
    ("cgroup", CloneFlags::CLONE_NEWCGROUP),
    ("user", CloneFlags::CLONE_NEWUSER),
];

// CLONE_NEWTIME is missing from nix's CloneFlags.
const CLONE_NEWTIME: libc::c_int = 0x80;

/// Creates the namespace in a forked child. unshare(CLONE_NEWUSER) fails in a multithreaded
/// process like Node, but the child has a single thread; it only calls unshare and _exit,
/// both async-signal-safe, so forking from a threaded process is sound here.
fn can_unshare(flags: CloneFlags) -> bool {
    // SAFETY: see above; the child runs no allocator, lock or Rust runtime code.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            let ok = unshare(flags).is_ok();
            // SAFETY: _exit is async-signal-safe and ends the forked child at once: it runs none
            // of Node's atexit handlers or destructors, which a child of a threaded process must
            // not (their locks may be held by threads that did not come along).
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        Ok(ForkResult::Parent { child }) => loop {
            match waitpid(child, None) {
                Ok(WaitStatus::Exited(_, code)) => return code == 0,
                Ok(WaitStatus::Signaled(..)) => return false,
                Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => return false,
            }
        },
        Err(_) => false,
    }
}

fn read_trim(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

fn cgroup_info() -> CgroupInfo {
    let layout = match tsc_box_cgroups::detect::detect() {
        Ok(l) => l,
        Err(e) => return CgroupInfo { mode: None, v1_controllers: vec![], unified_mount: None, unified_controllers: vec![], error: Some(e.to_string()) },
    };
    let mode = layout.mode().ok().map(|m| m.as_str().to_string());
    let unified_mount = layout.unified.as_ref().map(|m| m.mount_point.display().to_string());
    let unified_controllers = layout
        .unified
        .as_ref()
        .and_then(|m| std::fs::read_to_string(m.mount_point.join("cgroup.controllers")).ok())
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    CgroupInfo { mode, v1_controllers: layout.v1.keys().cloned().collect(), unified_mount, unified_controllers, error: None }
}

fn overlayfs() -> bool {
    if read_trim("/proc/filesystems").is_some_and(|t| t.lines().any(|l| l.split_whitespace().last() == Some("overlay"))) {
        return true;
    }
    // Not loaded yet: the module loads on the first overlay mount if it is installed.
    uname().is_ok_and(|u| {
        let dir = format!("/lib/modules/{}/kernel/fs/overlayfs", u.release().to_string_lossy());
        Path::new(&dir).is_dir()
    })
}

fn runtime_info(path: String) -> RuntimeInfo {
    match Command::new(&path).arg("--version").output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            RuntimeInfo { path, version: text.lines().next().map(|l| l.trim().to_string()), error: None }
        }
        Ok(out) => {
            RuntimeInfo { path, version: None, error: Some(format!("--version failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim())) }
        }
        Err(e) => RuntimeInfo { path, version: None, error: Some(e.to_string()) },
    }
}

/// Probes the host. `runtimePath` is the runtime binary whose version to report.
#[napi]
pub fn host_info(runtime_path: String) -> HostInfo {
    let kernel = match uname() {
        Ok(u) => KernelInfo {
            release: u.release().to_string_lossy().into_owned(),
            version: u.version().to_string_lossy().into_owned(),
            machine: u.machine().to_string_lossy().into_owned(),
        },
        Err(_) => KernelInfo { release: String::new(), version: String::new(), machine: String::new() },
    };
    let mut namespaces: Vec<NamespaceSupport> =
        NAMESPACES.iter().map(|(name, flags)| NamespaceSupport { name: name.to_string(), supported: can_unshare(*flags) }).collect();
    namespaces.push(NamespaceSupport { name: "time".into(), supported: can_unshare(CloneFlags::from_bits_retain(CLONE_NEWTIME)) });
    let user_supported = namespaces.iter().any(|n| n.name == "user" && n.supported);
    HostInfo {
        kernel,
        cgroup: cgroup_info(),
        namespaces,
        overlayfs: overlayfs(),
        user_namespaces: UserNamespaceInfo {
            supported: user_supported,
            max_user_namespaces: read_trim("/proc/sys/user/max_user_namespaces").and_then(|s| s.parse().ok()),
            unprivileged_clone: read_trim("/proc/sys/kernel/unprivileged_userns_clone").map(|s| s == "1"),
        },
        runtime: runtime_info(runtime_path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unshare_the_kernel_refuses_is_reported_unsupported() {
        // CSIGNAL bits are not unshare flags: the kernel answers EINVAL.
        assert!(!can_unshare(CloneFlags::from_bits_retain(0x11)));
    }

    #[test]
    fn a_missing_runtime_is_reported_not_fatal() {
        let r = runtime_info("/nonexistent/tsc-box-runtime".into());
        assert!(r.version.is_none());
        assert!(r.error.is_some());
    }
}
