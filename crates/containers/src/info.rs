//! `tsc-box info`: what this host offers containers (kernel, cgroups, namespaces, user
//! namespaces, overlayfs), where tsc-box keeps its data, and the runtime's version; the text
//! and the `--json` document. One implementation: the runtime's native front door and the Node
//! CLI (through the binding) both call it. Namespaces are probed by actually creating them in
//! a short-lived forked child: a kernel can list a type in /proc/self/ns and still refuse to
//! create it (sysctls, LSMs, the caller's seccomp).

use std::path::Path;
use std::process::Command;

use nix::sched::{unshare, CloneFlags};
use nix::sys::utsname::uname;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::paths::Paths;

#[derive(Debug, Serialize)]
pub struct Kernel {
    pub release: String,
    pub version: String,
    pub machine: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cgroup {
    /// "v1", "hybrid" or "v2"; null when detection failed (see `error`).
    pub mode: Option<String>,
    pub v1_controllers: Vec<String>,
    /// Where the cgroup2 hierarchy is mounted, if anywhere.
    pub unified_mount: Option<String>,
    /// Controllers available in the cgroup2 hierarchy's root.
    pub unified_controllers: Vec<String>,
    pub error: Option<String>,
}

/// Each namespace type and whether this process could create one, in probing order (a JSON
/// object `{"pid": true, ...}`).
#[derive(Debug)]
pub struct Namespaces(pub Vec<(&'static str, bool)>);

impl Serialize for Namespaces {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (name, ok) in &self.0 {
            m.serialize_entry(name, ok)?;
        }
        m.end()
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserNamespaces {
    /// A user namespace could be created by this process.
    pub supported: bool,
    /// /proc/sys/user/max_user_namespaces.
    pub max_user_namespaces: Option<u32>,
    /// /proc/sys/kernel/unprivileged_userns_clone, on kernels that have it.
    pub unprivileged_clone: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct Runtime {
    pub path: String,
    pub version: Option<String>,
    pub error: Option<String>,
}

/// The `--json` document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    pub kernel: Kernel,
    pub cgroup: Cgroup,
    pub namespaces: Namespaces,
    pub user_namespaces: UserNamespaces,
    pub overlayfs: bool,
    pub data_root: String,
    pub run_dir: String,
    pub runtime: Runtime,
}

const NAMESPACES: &[(&str, libc::c_int)] = &[
    ("pid", libc::CLONE_NEWPID),
    ("mount", libc::CLONE_NEWNS),
    ("uts", libc::CLONE_NEWUTS),
    ("ipc", libc::CLONE_NEWIPC),
    ("network", libc::CLONE_NEWNET),
    ("cgroup", libc::CLONE_NEWCGROUP),
    ("user", libc::CLONE_NEWUSER),
    // Missing from nix's CloneFlags.
    ("time", 0x80),
];

/// Creates the namespace in a forked child. unshare(CLONE_NEWUSER) fails in a multithreaded
/// process like Node, but the child has a single thread; it only calls unshare and _exit,
/// both async-signal-safe, so forking from a threaded process is sound here.
fn can_unshare(flags: CloneFlags) -> bool {
    // SAFETY: see above; the child runs no allocator, lock or Rust runtime code.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            let ok = unshare(flags).is_ok();
            // SAFETY: _exit is async-signal-safe and ends the forked child at once: it runs none
            // of the parent's atexit handlers or destructors, which a child of a threaded process
            // must not (their locks may be held by threads that did not come along).
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

fn cgroup() -> Cgroup {
    let layout = match tsc_box_cgroups::detect::detect() {
        Ok(l) => l,
        Err(e) => return Cgroup { mode: None, v1_controllers: vec![], unified_mount: None, unified_controllers: vec![], error: Some(e.to_string()) },
    };
    let mode = layout.mode().ok().map(|m| m.as_str().to_string());
    let unified_mount = layout.unified.as_ref().map(|m| m.mount_point.display().to_string());
    let unified_controllers = layout
        .unified
        .as_ref()
        .and_then(|m| std::fs::read_to_string(m.mount_point.join("cgroup.controllers")).ok())
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    Cgroup { mode, v1_controllers: layout.v1.keys().cloned().collect(), unified_mount, unified_controllers, error: None }
}

fn overlayfs() -> bool {
    if read_trim("/proc/filesystems").is_some_and(|t| t.lines().any(|l| l.split_whitespace().last() == Some("overlay"))) {
        return true;
    }
    // Not loaded yet: the module loads on the first overlay mount if it is installed.
    uname().is_ok_and(|u| Path::new(&format!("/lib/modules/{}/kernel/fs/overlayfs", u.release().to_string_lossy())).is_dir())
}

/// The first line of `RUNTIME --version`.
fn runtime(path: &Path) -> Runtime {
    let shown = path.display().to_string();
    match Command::new(path).arg("--version").output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            Runtime { path: shown, version: text.lines().next().map(|l| l.trim().to_string()), error: None }
        }
        Ok(out) => {
            Runtime { path: shown, version: None, error: Some(format!("--version failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim())) }
        }
        Err(e) => Runtime { path: shown, version: None, error: Some(e.to_string()) },
    }
}

/// Probes the host; `runtime_path` is the runtime binary whose version to report.
pub fn probe(paths: &Paths, runtime_path: &Path) -> Info {
    let kernel = match uname() {
        Ok(u) => Kernel {
            release: u.release().to_string_lossy().into_owned(),
            version: u.version().to_string_lossy().into_owned(),
            machine: u.machine().to_string_lossy().into_owned(),
        },
        Err(_) => Kernel { release: String::new(), version: String::new(), machine: String::new() },
    };
    let namespaces: Vec<(&str, bool)> = NAMESPACES.iter().map(|(name, f)| (*name, can_unshare(CloneFlags::from_bits_retain(*f)))).collect();
    let user = namespaces.iter().any(|(n, ok)| *n == "user" && *ok);
    Info {
        kernel,
        cgroup: cgroup(),
        namespaces: Namespaces(namespaces),
        user_namespaces: UserNamespaces {
            supported: user,
            max_user_namespaces: read_trim("/proc/sys/user/max_user_namespaces").and_then(|s| s.parse().ok()),
            unprivileged_clone: read_trim("/proc/sys/kernel/unprivileged_userns_clone").map(|s| s == "1"),
        },
        overlayfs: overlayfs(),
        data_root: paths.data_root.display().to_string(),
        run_dir: paths.run_dir.display().to_string(),
        runtime: runtime(runtime_path),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// What `info` prints (without the final newline).
pub fn render(r: &Info) -> String {
    let mut lines = vec![format!("Kernel:           {} ({})", r.kernel.release, r.kernel.machine)];
    let cg = &r.cgroup;
    match &cg.mode {
        None => lines.push(format!("Cgroups:          unavailable ({})", cg.error.as_deref().unwrap_or(""))),
        Some(mode) => {
            lines.push(format!("Cgroups:          {mode}"));
            if !cg.v1_controllers.is_empty() {
                lines.push(format!("  v1 controllers: {}", cg.v1_controllers.join(", ")));
            }
            if let Some(at) = &cg.unified_mount {
                let c = if cg.unified_controllers.is_empty() { "(no controllers)".to_string() } else { cg.unified_controllers.join(", ") };
                lines.push(format!("  v2 at {at}: {c}"));
            }
        }
    }
    let names = |ok: bool| r.namespaces.0.iter().filter(|(_, s)| *s == ok).map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    let have = names(true);
    lines.push(format!("Namespaces:       {}", if have.is_empty() { "none" } else { &have }));
    let missing = names(false);
    if !missing.is_empty() {
        lines.push(format!("  unavailable:    {missing}"));
    }
    let max = r.user_namespaces.max_user_namespaces.map(|m| format!(" (max {m})")).unwrap_or_default();
    lines.push(format!("User namespaces:  {}{max}", yes_no(r.user_namespaces.supported)));
    lines.push(format!("Overlayfs:        {}", yes_no(r.overlayfs)));
    lines.push(format!("Data root:        {}", r.data_root));
    lines.push(format!("Run directory:    {}", r.run_dir));
    let version = match (&r.runtime.version, &r.runtime.error) {
        (Some(v), _) => v.clone(),
        (None, e) => format!("unavailable: {}", e.as_deref().unwrap_or("")),
    };
    lines.push(format!("Runtime:          {} ({version})", r.runtime.path));
    lines.join("\n")
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
        let r = runtime(Path::new("/nonexistent/tsc-box-runtime"));
        assert!(r.version.is_none() && r.error.is_some());
    }

    #[test]
    fn the_text_and_the_json_document() {
        let info = Info {
            kernel: Kernel { release: "6.1.0".into(), version: "v1".into(), machine: "x86_64".into() },
            cgroup: Cgroup {
                mode: Some("v2".into()),
                v1_controllers: vec![],
                unified_mount: Some("/sys/fs/cgroup".into()),
                unified_controllers: vec![],
                error: None,
            },
            namespaces: Namespaces(vec![("pid", true), ("user", false), ("time", true)]),
            user_namespaces: UserNamespaces { supported: false, max_user_namespaces: Some(0), unprivileged_clone: None },
            overlayfs: true,
            data_root: "/d".into(),
            run_dir: "/r".into(),
            runtime: Runtime { path: "/rt".into(), version: None, error: Some("gone".into()) },
        };
        assert_eq!(
            render(&info),
            "Kernel:           6.1.0 (x86_64)\nCgroups:          v2\n  v2 at /sys/fs/cgroup: (no controllers)\nNamespaces:       pid, time\n  unavailable:    user\nUser namespaces:  no (max 0)\nOverlayfs:        yes\nData root:        /d\nRun directory:    /r\nRuntime:          /rt (unavailable: gone)"
        );
        let json = serde_json::to_string(&info).unwrap();
        assert!(
            json.contains(
                r#""namespaces":{"pid":true,"user":false,"time":true},"userNamespaces":{"supported":false,"maxUserNamespaces":0,"unprivilegedClone":null}"#
            ),
            "{json}"
        );
        assert!(json.starts_with(r#"{"kernel":{"release":"6.1.0","version":"v1","machine":"x86_64"},"cgroup":{"mode":"v2","v1Controllers":[],"#), "{json}");
    }
}
