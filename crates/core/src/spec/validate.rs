//! Semantic checks that serde cannot do: values that parse but that the kernel would reject
//! late (after namespaces and mounts exist) or that would silently do something else.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use oci_spec::runtime::{LinuxNamespaceType, Process, Spec};

use super::SpecError;

/// Validates `spec` for a bundle in `bundle_dir` and returns the absolute rootfs path.
pub fn validate(spec: &Spec, bundle_dir: &Path) -> Result<PathBuf, SpecError> {
    checked(spec, bundle_dir).map(|(rootfs, _)| rootfs)
}

/// `validate`, also returning the process it found present and checked.
pub(super) fn checked<'s>(spec: &'s Spec, bundle_dir: &Path) -> Result<(PathBuf, &'s Process), SpecError> {
    version(spec.version())?;
    let rootfs = root(spec, bundle_dir)?;
    let p = process(spec)?;
    mounts(spec)?;
    linux(spec)?;
    unsupported(spec)?;
    Ok((rootfs, p))
}

fn version(v: &str) -> Result<(), SpecError> {
    let major = v.split('.').next().unwrap_or("");
    match major.parse::<u32>() {
        Ok(1) => Ok(()),
        Ok(_) => Err(SpecError::invalid("ociVersion", format!("{v:?}: only major version 1 is supported"))),
        Err(_) => Err(SpecError::invalid("ociVersion", format!("{v:?} is not a version"))),
    }
}

fn root(spec: &Spec, bundle_dir: &Path) -> Result<PathBuf, SpecError> {
    let root = spec.root().as_ref().ok_or_else(|| SpecError::invalid("root", "missing"))?;
    let p = root.path();
    if p.as_os_str().is_empty() {
        return Err(SpecError::invalid("root.path", "empty"));
    }
    let abs = bundle_dir.join(p);
    match std::fs::metadata(&abs) {
        Ok(m) if m.is_dir() => Ok(abs),
        Ok(_) => Err(SpecError::invalid("root.path", format!("{} is not a directory", abs.display()))),
        Err(e) => Err(SpecError::invalid("root.path", format!("{}: {e}", abs.display()))),
    }
}

fn process(spec: &Spec) -> Result<&Process, SpecError> {
    let p = spec.process().as_ref().ok_or_else(|| SpecError::invalid("process", "missing"))?;
    match p.args() {
        None => return Err(SpecError::invalid("process.args", "missing")),
        Some(a) if a.is_empty() => return Err(SpecError::invalid("process.args", "empty")),
        Some(a) if a[0].is_empty() => return Err(SpecError::invalid("process.args[0]", "empty")),
        Some(a) => {
            if let Some(i) = a.iter().position(|s| s.contains('\0')) {
                return Err(SpecError::invalid(format!("process.args[{i}]"), "contains a NUL byte"));
            }
        }
    }
    if !p.cwd().is_absolute() {
        return Err(SpecError::invalid("process.cwd", format!("{:?} is not an absolute path", p.cwd())));
    }
    for (i, e) in p.env().iter().flatten().enumerate() {
        if !e.contains('=') || e.starts_with('=') || e.contains('\0') {
            return Err(SpecError::invalid(format!("process.env[{i}]"), format!("{e:?} is not NAME=VALUE")));
        }
    }
    let mut seen = HashSet::new();
    for (i, r) in p.rlimits().iter().flatten().enumerate() {
        if r.soft() > r.hard() {
            return Err(SpecError::invalid(format!("process.rlimits[{i}]"), "soft limit above hard limit"));
        }
        if !seen.insert(format!("{:?}", r.typ())) {
            return Err(SpecError::invalid(format!("process.rlimits[{i}]"), format!("duplicate {:?}", r.typ())));
        }
    }
    if p.apparmor_profile().as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(SpecError::invalid("process.apparmorProfile", "AppArmor is not supported"));
    }
    if p.selinux_label().as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(SpecError::invalid("process.selinuxLabel", "SELinux is not supported"));
    }
    if p.io_priority().is_some() {
        return Err(SpecError::invalid("process.ioPriority", "not supported"));
    }
    if p.scheduler().is_some() {
        return Err(SpecError::invalid("process.scheduler", "not supported"));
    }
    if p.exec_cpu_affinity().is_some() {
        return Err(SpecError::invalid("process.execCPUAffinity", "not supported"));
    }
    Ok(p)
}

fn mounts(spec: &Spec) -> Result<(), SpecError> {
    for (i, m) in spec.mounts().iter().flatten().enumerate() {
        if !m.destination().is_absolute() {
            return Err(SpecError::invalid(format!("mounts[{i}].destination"), format!("{:?} is not an absolute path", m.destination())));
        }
        if m.destination().components().any(|c| c == Component::ParentDir) {
            return Err(SpecError::invalid(format!("mounts[{i}].destination"), "contains \"..\""));
        }
        let ty = m.typ().as_deref().unwrap_or("");
        let opts = m.options().as_deref().unwrap_or(&[]);
        let is_bind = ty == "bind" || opts.iter().any(|o| o == "bind" || o == "rbind");
        if is_bind && m.source().is_none() {
            return Err(SpecError::invalid(format!("mounts[{i}].source"), "missing for a bind mount"));
        }
        if is_bind && m.source().as_ref().is_some_and(|s| !s.is_absolute()) {
            return Err(SpecError::invalid(format!("mounts[{i}].source"), "a bind source must be an absolute path"));
        }
        if !is_bind && ty.is_empty() {
            return Err(SpecError::invalid(format!("mounts[{i}].type"), "missing"));
        }
    }
    Ok(())
}

fn linux(spec: &Spec) -> Result<(), SpecError> {
    let Some(l) = spec.linux() else {
        return Err(SpecError::invalid("linux", "missing (a new mount namespace is required)"));
    };
    let mut types = HashSet::new();
    let mut new_ns = HashSet::new();
    for (i, ns) in l.namespaces().iter().flatten().enumerate() {
        if !types.insert(ns.typ()) {
            return Err(SpecError::invalid(format!("linux.namespaces[{i}].type"), format!("duplicate namespace {}", ns.typ())));
        }
        match ns.path() {
            Some(p) if !p.is_absolute() => return Err(SpecError::invalid(format!("linux.namespaces[{i}].path"), "not an absolute path")),
            Some(_) => {}
            None => {
                new_ns.insert(ns.typ());
            }
        }
    }
    // A mount namespace joined by path is set up as a new one would be (runc does the same:
    // the rootfs is prepared and pivoted to in that namespace). Inheriting the runtime's own
    // is refused: the rootfs's mounts would land in the host's mount table and outlive the
    // container (docs/oci-conformance.md).
    if !types.contains(&LinuxNamespaceType::Mount) {
        return Err(SpecError::invalid(
            "linux.namespaces",
            "a mount namespace is required, new or joined by path (without one the container's mounts would be made in the host's mount namespace)",
        ));
    }
    if types.contains(&LinuxNamespaceType::User) && !new_ns.contains(&LinuxNamespaceType::User) && new_ns.contains(&LinuxNamespaceType::Pid) {
        return Err(SpecError::invalid("linux.namespaces", "joining a user namespace by path together with a new pid namespace is not supported"));
    }
    // The hostname is set in the container's uts namespace, new or joined by path (a pod's,
    // where the CRI passes the pod's own hostname), as runc does; never in the host's.
    let host = |t| !types.contains(&t);
    if spec.hostname().as_deref().is_some_and(|h| !h.is_empty()) && host(LinuxNamespaceType::Uts) {
        return Err(SpecError::invalid("hostname", "set without a uts namespace of the container (new or joined by path)"));
    }
    if spec.domainname().as_deref().is_some_and(|h| !h.is_empty()) && host(LinuxNamespaceType::Uts) {
        return Err(SpecError::invalid("domainname", "set without a uts namespace of the container (new or joined by path)"));
    }
    let new_user = new_ns.contains(&LinuxNamespaceType::User);
    for (field, maps) in [("linux.uidMappings", l.uid_mappings()), ("linux.gidMappings", l.gid_mappings())] {
        let maps = maps.as_deref().unwrap_or(&[]);
        if !maps.is_empty() && !new_user {
            return Err(SpecError::invalid(field, "set without a new user namespace"));
        }
        if maps.is_empty() && new_user {
            return Err(SpecError::invalid(field, "a new user namespace needs mappings"));
        }
        if let Some(i) = maps.iter().position(|m| m.size() == 0) {
            return Err(SpecError::invalid(format!("{field}[{i}].size"), "zero"));
        }
    }
    if new_ns.contains(&LinuxNamespaceType::Time) || l.time_offsets().is_some() {
        return Err(SpecError::invalid("linux.namespaces", "time namespaces are not supported"));
    }
    for (key, _) in l.sysctl().iter().flatten() {
        sysctl(key, &new_ns)?;
    }
    if let Some(p) = l.rootfs_propagation().as_deref() {
        if crate::rootfs::propagation_flags(p).is_none() {
            return Err(SpecError::invalid("linux.rootfsPropagation", format!("unknown mode {p:?}")));
        }
    }
    for (field, paths) in [("linux.maskedPaths", l.masked_paths()), ("linux.readonlyPaths", l.readonly_paths())] {
        for (i, p) in paths.iter().flatten().enumerate() {
            if !p.starts_with('/') {
                return Err(SpecError::invalid(format!("{field}[{i}]"), format!("{p:?} is not an absolute path")));
            }
        }
    }
    for (i, d) in l.devices().iter().flatten().enumerate() {
        if !d.path().starts_with("/dev/") || d.path().components().any(|c| c == Component::ParentDir) {
            return Err(SpecError::invalid(format!("linux.devices[{i}].path"), "must be a path under /dev"));
        }
    }
    if let Some(cg) = l.cgroups_path() {
        let s = cg.to_string_lossy();
        if s.contains(':') && !s.starts_with('/') {
            return Err(SpecError::invalid("linux.cgroupsPath", "systemd slice:prefix:name paths are not supported"));
        }
        if cg.components().any(|c| c == Component::ParentDir) {
            return Err(SpecError::invalid("linux.cgroupsPath", "contains \"..\""));
        }
    }
    if l.intel_rdt().is_some() {
        return Err(SpecError::invalid("linux.intelRdt", "not supported"));
    }
    if l.personality().is_some() {
        return Err(SpecError::invalid("linux.personality", "not supported"));
    }
    if l.memory_policy().is_some() {
        return Err(SpecError::invalid("linux.memoryPolicy", "not supported"));
    }
    if l.net_devices().as_ref().is_some_and(|d| !d.is_empty()) {
        return Err(SpecError::invalid("linux.netDevices", "not supported"));
    }
    Ok(())
}

/// A sysctl is allowed only when it belongs to a namespace the container owns; otherwise it
/// would change the host.
fn sysctl(key: &str, new_ns: &HashSet<LinuxNamespaceType>) -> Result<(), SpecError> {
    let field = || format!("linux.sysctl.{key}");
    let norm = key.replace('/', ".");
    if norm.is_empty() || norm.split('.').any(|c| c.is_empty() || c == "..") {
        return Err(SpecError::invalid(field(), "malformed key"));
    }
    const IPC: &[&str] =
        &["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"];
    let needs = if IPC.contains(&norm.as_str()) || norm.starts_with("fs.mqueue.") {
        LinuxNamespaceType::Ipc
    } else if norm.starts_with("net.") {
        LinuxNamespaceType::Network
    } else if norm == "kernel.hostname" || norm == "kernel.domainname" {
        LinuxNamespaceType::Uts
    } else {
        return Err(SpecError::invalid(field(), "not a namespaced sysctl; it would change the host"));
    };
    if !new_ns.contains(&needs) {
        return Err(SpecError::invalid(field(), format!("needs a new {needs} namespace")));
    }
    Ok(())
}

fn unsupported(spec: &Spec) -> Result<(), SpecError> {
    if let Some(h) = spec.hooks() {
        // Those two run inside the container's namespaces from the init, which has no hook
        // runner: refused rather than silently skipped.
        if h.create_container().as_ref().is_some_and(|l| !l.is_empty()) {
            return Err(SpecError::invalid("hooks.createContainer", "createContainer hooks are not supported"));
        }
        if h.start_container().as_ref().is_some_and(|l| !l.is_empty()) {
            return Err(SpecError::invalid("hooks.startContainer", "startContainer hooks are not supported"));
        }
        let phases = [("prestart", h.prestart()), ("createRuntime", h.create_runtime()), ("poststart", h.poststart()), ("poststop", h.poststop())];
        for (name, list) in phases {
            for (i, hook) in list.as_deref().unwrap_or(&[]).iter().enumerate() {
                if !hook.path().is_absolute() {
                    return Err(SpecError::invalid(format!("hooks.{name}[{i}].path"), "must be an absolute path"));
                }
                if hook.timeout().is_some_and(|t| t <= 0) {
                    return Err(SpecError::invalid(format!("hooks.{name}[{i}].timeout"), "must be greater than zero"));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::parse;

    fn base() -> serde_json::Value {
        serde_json::json!({
            "ociVersion": "1.0.2",
            "root": {"path": "rootfs"},
            "process": {"args": ["/bin/true"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}},
            "hostname": "box",
            "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
            "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "network"}, {"type": "ipc"}]}
        })
    }

    fn bundle() -> PathBuf {
        let d = std::env::temp_dir().join(format!("tscbox-validate-{}", std::process::id()));
        std::fs::create_dir_all(d.join("rootfs")).unwrap();
        d
    }

    fn check(v: serde_json::Value) -> Result<PathBuf, SpecError> {
        let spec = parse(v.to_string().as_bytes())?;
        validate(&spec, &bundle())
    }

    fn field_of(r: Result<PathBuf, SpecError>) -> String {
        match r {
            Err(SpecError::Invalid { field, .. }) | Err(SpecError::Parse { field, .. }) => field,
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn accepts_a_good_spec() {
        assert_eq!(check(base()).unwrap(), bundle().join("rootfs"));
    }

    #[test]
    fn refuses_other_major_versions() {
        let mut v = base();
        v["ociVersion"] = "2.0.0".into();
        assert_eq!(field_of(check(v)), "ociVersion");
        let mut v = base();
        v["ociVersion"] = "x".into();
        assert_eq!(field_of(check(v)), "ociVersion");
    }

    #[test]
    fn refuses_missing_or_empty_args() {
        let mut v = base();
        v["process"]["args"] = serde_json::json!([]);
        assert_eq!(field_of(check(v)), "process.args");
        let mut v = base();
        v["process"].as_object_mut().unwrap().remove("args");
        assert_eq!(field_of(check(v)), "process.args");
        let mut v = base();
        v.as_object_mut().unwrap().remove("process");
        assert_eq!(field_of(check(v)), "process");
    }

    #[test]
    fn refuses_relative_cwd() {
        let mut v = base();
        v["process"]["cwd"] = "tmp".into();
        assert_eq!(field_of(check(v)), "process.cwd");
    }

    #[test]
    fn refuses_bad_root() {
        let mut v = base();
        v["root"]["path"] = "nope".into();
        assert_eq!(field_of(check(v)), "root.path");
        let mut v = base();
        v.as_object_mut().unwrap().remove("root");
        assert_eq!(field_of(check(v)), "root");
        let b = bundle();
        std::fs::write(b.join("afile"), b"").unwrap();
        let mut v = base();
        v["root"]["path"] = "afile".into();
        assert_eq!(field_of(check(v)), "root.path");
    }

    #[test]
    fn refuses_relative_mount_destination() {
        let mut v = base();
        v["mounts"][0]["destination"] = "proc".into();
        assert_eq!(field_of(check(v)), "mounts[0].destination");
        let mut v = base();
        v["mounts"][0]["destination"] = "/a/../../etc".into();
        assert_eq!(field_of(check(v)), "mounts[0].destination");
    }

    #[test]
    fn refuses_relative_bind_source() {
        let mut v = base();
        v["mounts"] = serde_json::json!([{"destination": "/x", "type": "bind", "source": "rel", "options": ["rbind"]}]);
        assert_eq!(field_of(check(v)), "mounts[0].source");
    }

    #[test]
    fn refuses_duplicate_and_unknown_namespaces() {
        let mut v = base();
        v["linux"]["namespaces"] = serde_json::json!([{"type": "pid"}, {"type": "pid"}]);
        v.as_object_mut().unwrap().remove("hostname");
        assert_eq!(field_of(check(v)), "linux.namespaces[1].type");
        let mut v = base();
        v["linux"]["namespaces"] = serde_json::json!([{"type": "pid"}, {"type": "wat"}]);
        assert_eq!(field_of(check(v)), "linux.namespaces[1].type");
    }

    #[test]
    fn refuses_hostname_without_uts() {
        let mut v = base();
        v["linux"]["namespaces"] = serde_json::json!([{"type": "pid"}, {"type": "mount"}]);
        assert_eq!(field_of(check(v)), "hostname");
        // A uts namespace joined by path is the container's: its hostname is accepted, as
        // with runc (the CRI joins the pod's and passes the pod's hostname).
        let mut v = base();
        v["linux"]["namespaces"] = serde_json::json!([{"type": "mount"}, {"type": "uts", "path": "/proc/1/ns/uts"}]);
        check(v).unwrap();
    }

    #[test]
    fn a_mount_namespace_may_be_joined_by_path_but_not_inherited() {
        let mut v = base();
        v["linux"]["namespaces"] = serde_json::json!([{"type": "uts"}, {"type": "mount", "path": "/proc/1/ns/mnt"}]);
        check(v).unwrap();
        let mut v = base();
        v["linux"]["namespaces"] = serde_json::json!([{"type": "uts"}]);
        assert_eq!(field_of(check(v)), "linux.namespaces");
    }

    #[test]
    fn refuses_mappings_without_user_namespace() {
        let mut v = base();
        v["linux"]["uidMappings"] = serde_json::json!([{"containerID": 0, "hostID": 1000, "size": 1}]);
        assert_eq!(field_of(check(v)), "linux.uidMappings");
        let mut v = base();
        v["linux"]["namespaces"].as_array_mut().unwrap().push(serde_json::json!({"type": "user"}));
        assert_eq!(field_of(check(v)), "linux.uidMappings");
    }

    #[test]
    fn refuses_host_sysctls() {
        let mut v = base();
        v["linux"]["sysctl"] = serde_json::json!({"kernel.panic": "1"});
        assert_eq!(field_of(check(v)), "linux.sysctl.kernel.panic");
        let mut v = base();
        v["linux"]["sysctl"] = serde_json::json!({"net.ipv4.ip_forward": "1"});
        assert!(check(v).is_ok());
        let mut v = base();
        v["linux"]["sysctl"] = serde_json::json!({"net/../kernel": "1"});
        assert!(check(v).is_err());
    }

    #[test]
    fn refuses_bad_env_and_rlimits() {
        let mut v = base();
        v["process"]["env"] = serde_json::json!(["PATH=/bin", "JUNK"]);
        assert_eq!(field_of(check(v)), "process.env[1]");
        let mut v = base();
        v["process"]["rlimits"] = serde_json::json!([{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 5}]);
        assert_eq!(field_of(check(v)), "process.rlimits[0]");
    }

    #[test]
    fn refuses_a_joined_user_namespace_with_a_new_pid_namespace() {
        let mut v = base();
        v["linux"]["namespaces"].as_array_mut().unwrap().push(serde_json::json!({"type": "user", "path": "/proc/1/ns/user"}));
        assert_eq!(field_of(check(v)), "linux.namespaces");
    }

    #[test]
    fn refuses_relative_namespace_path_and_bad_propagation() {
        let mut v = base();
        v["linux"]["namespaces"][0]["path"] = "proc/1/ns/pid".into();
        assert_eq!(field_of(check(v)), "linux.namespaces[0].path");
        let mut v = base();
        v["linux"]["rootfsPropagation"] = "sideways".into();
        assert_eq!(field_of(check(v)), "linux.rootfsPropagation");
    }

    #[test]
    fn checks_hooks_and_refuses_unsupported_seccomp() {
        let mut v = base();
        v["hooks"] = serde_json::json!({"prestart": [{"path": "/bin/true"}], "poststop": [{"path": "/bin/true", "timeout": 5}]});
        check(v).unwrap();
        let mut v = base();
        v["hooks"] = serde_json::json!({"createRuntime": [{"path": "/bin/true"}, {"path": "bin/true"}]});
        assert_eq!(field_of(check(v)), "hooks.createRuntime[1].path");
        let mut v = base();
        v["hooks"] = serde_json::json!({"poststart": [{"path": "/bin/true", "timeout": 0}]});
        assert_eq!(field_of(check(v)), "hooks.poststart[0].timeout");
        let mut v = base();
        v["hooks"] = serde_json::json!({"startContainer": [{"path": "/bin/true"}]});
        assert_eq!(field_of(check(v)), "hooks.startContainer");
    }
}
