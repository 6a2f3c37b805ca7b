//! `features`: what this runtime supports, as the OCI features document.

use super::Global;
use crate::error::CmdError;

pub fn run(_g: &Global<'_>) -> Result<i32, CmdError> {
    let doc = serde_json::json!({
        "ociVersionMin": "1.0.0",
        "ociVersionMax": "1.2.0",
        "hooks": [],
        "mountOptions": [
            "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "mand",
            "noatime", "nodev", "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime",
            "nosuid", "nosymfollow", "private", "rbind", "relatime", "ro", "rnodev",
            "rnoexec", "rnosuid", "rprivate", "rro", "rshared", "rslave", "runbindable", "rw",
            "shared", "slave", "strictatime", "suid", "symfollow", "sync", "unbindable"
        ],
        "linux": {
            "namespaces": ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"],
            "capabilities": caps::all().iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            "cgroup": { "v1": true, "v2": true, "systemd": false, "systemdUser": false },
            "seccomp": { "enabled": true },
            "apparmor": { "enabled": false },
            "selinux": { "enabled": false },
            "intelRdt": { "enabled": false },
            "mountExtensions": { "idmap": { "enabled": false } }
        },
        "annotations": {
            "org.opencontainers.runtime-spec.features": "tsc-box-runtime"
        }
    });
    println!("{}", serde_json::to_string_pretty(&doc).expect("features serialize"));
    Ok(0)
}
