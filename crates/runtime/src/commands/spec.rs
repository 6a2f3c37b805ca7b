//! `spec [-b BUNDLE] [--rootless]`: writes a default config.json, as `runc spec` does (the
//! OCI defaults: `sh` on a terminal, a read-only rootfs, new pid, network, ipc, uts and mount
//! namespaces, three capabilities, no devices beyond the default ones). It never overwrites.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde_json::{json, Value};
use tsc_box_core::kind::Kind;

use crate::error::CmdError;

#[derive(clap::Args, Debug)]
pub struct SpecArgs {
    /// The bundle directory to write config.json into.
    #[arg(short = 'b', long)]
    pub bundle: Option<PathBuf>,
    // `spec --rootless` (a config for a rootless container: a user namespace mapping the
    // caller to root, the host's network, /sys bound from the host) is the global
    // --rootless flag: clap cannot have both, and runc's `spec --rootless` reads as either.
}

const CAPS: [&str; 3] = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

/// The default document; `rootless` maps the caller's own ids to root in a user namespace.
pub fn default_spec(rootless: Option<(u32, u32)>) -> Value {
    let devpts_opts: Vec<&str> = match rootless {
        // Without a mapped group 5 (tty), devpts cannot be given gid=5.
        Some(_) => vec!["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
        None => vec!["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    };
    let sys = match rootless {
        // A user namespace without its own network namespace may not mount sysfs.
        Some(_) => json!({"destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}),
        None => json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}),
    };
    let mut linux = json!({
        "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
        "maskedPaths": [
            "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"
        ],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
    });
    match rootless {
        Some((uid, gid)) => {
            linux["namespaces"] = json!([{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "user"}]);
            linux["uidMappings"] = json!([{"containerID": 0, "hostID": uid, "size": 1}]);
            linux["gidMappings"] = json!([{"containerID": 0, "hostID": gid, "size": 1}]);
        }
        None => linux["resources"] = json!({"devices": [{"allow": false, "access": "rwm"}]}),
    }
    json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": true,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            "cwd": "/",
            "capabilities": {"bounding": CAPS, "effective": CAPS, "permitted": CAPS, "ambient": CAPS},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": true
        },
        "root": {"path": "rootfs", "readonly": true},
        "hostname": "tsc-box",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": devpts_opts},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
            sys,
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
        ],
        "linux": linux
    })
}

pub fn run(a: &SpecArgs, rootless: bool) -> Result<i32, CmdError> {
    let dir = a.bundle.clone().unwrap_or_else(|| PathBuf::from("."));
    let path = dir.join("config.json");
    let ids = rootless.then(|| (nix::unistd::geteuid().as_raw(), nix::unistd::getegid().as_raw()));
    let mut text = serde_json::to_string_pretty(&default_spec(ids)).expect("spec serializes");
    text.push('\n');
    // create_new: an existing config.json is the user's work, never replaced.
    let mut f = match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o666).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(CmdError::other(Kind::Config, format!("File {} exists. Remove it first", path.display())))
        }
        Err(e) => return Err(CmdError::other(Kind::Config, format!("cannot write {}: {e}", path.display()))),
    };
    f.write_all(text.as_bytes()).map_err(|e| CmdError::other(Kind::Config, format!("cannot write {}: {e}", path.display())))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_documents_load_as_oci_configs() {
        for ids in [None, Some((1000, 1000))] {
            let bytes = serde_json::to_vec(&default_spec(ids)).unwrap();
            let spec = tsc_box_core::spec::parse(&bytes).unwrap();
            let ns = spec.linux().as_ref().unwrap().namespaces().as_ref().unwrap().len();
            assert_eq!(ns, 5);
            assert_eq!(spec.process().as_ref().unwrap().args().as_ref().unwrap(), &["sh"]);
        }
    }
}
