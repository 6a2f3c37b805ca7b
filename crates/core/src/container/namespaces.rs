//! Which namespaces the container gets: new ones become clone flags, existing ones (by path)
//! are joined with setns, the user namespace first so the others are joined with its rights.

use std::path::PathBuf;

use nix::sched::CloneFlags;
use oci_spec::runtime::{LinuxNamespaceType as T, Spec};

#[derive(Debug, PartialEq)]
pub struct NsPlan {
    /// New namespaces created by clone itself. The cgroup namespace is not among them: it is
    /// unshared by the child once the parent has put it in its cgroup (on v1 the parent can
    /// only do that after clone), so the namespace is rooted at the container's cgroup.
    pub clone_flags: CloneFlags,
    /// New namespaces the init unshares itself, after joining a user namespace by path: made
    /// by clone they would belong to our user namespace, where the init has no rights.
    pub unshare_flags: CloneFlags,
    pub new_cgroup: bool,
    pub new_user: bool,
    pub new_net: bool,
    pub new_mount: bool,
    pub new_pid: bool,
    /// Namespaces to join in the child, in order.
    pub joins: Vec<(PathBuf, CloneFlags)>,
    /// A pid namespace to join: setns in the parent, which only affects its children.
    pub pid_join: Option<PathBuf>,
}

impl NsPlan {
    /// Whether the init ends up in a user namespace other than ours (new or joined): then it
    /// is only a mapped root on the host.
    pub fn in_user_ns(&self) -> bool {
        self.new_user || self.joins.iter().any(|(_, f)| *f == CloneFlags::CLONE_NEWUSER)
    }
}

fn flag(t: T) -> CloneFlags {
    match t {
        T::Mount => CloneFlags::CLONE_NEWNS,
        T::Cgroup => CloneFlags::CLONE_NEWCGROUP,
        T::Uts => CloneFlags::CLONE_NEWUTS,
        T::Ipc => CloneFlags::CLONE_NEWIPC,
        T::User => CloneFlags::CLONE_NEWUSER,
        T::Pid => CloneFlags::CLONE_NEWPID,
        T::Network => CloneFlags::CLONE_NEWNET,
        T::Time => CloneFlags::from_bits_retain(libc::CLONE_NEWTIME),
    }
}

pub fn plan(spec: &Spec) -> NsPlan {
    let mut p = NsPlan {
        clone_flags: CloneFlags::empty(),
        unshare_flags: CloneFlags::empty(),
        new_cgroup: false,
        new_user: false,
        new_net: false,
        new_mount: false,
        new_pid: false,
        joins: Vec::new(),
        pid_join: None,
    };
    let nss = spec.linux().as_ref().and_then(|l| l.namespaces().as_ref());
    for ns in nss.into_iter().flatten() {
        let f = flag(ns.typ());
        match (ns.typ(), ns.path()) {
            (T::Pid, Some(path)) => p.pid_join = Some(path.clone()),
            (T::User, Some(path)) => p.joins.insert(0, (path.clone(), f)),
            (_, Some(path)) => p.joins.push((path.clone(), f)),
            (T::Cgroup, None) => p.new_cgroup = true,
            (t, None) => {
                p.clone_flags |= f;
                match t {
                    T::User => p.new_user = true,
                    T::Network => p.new_net = true,
                    T::Mount => p.new_mount = true,
                    T::Pid => p.new_pid = true,
                    _ => {}
                }
            }
        }
    }
    if p.in_user_ns() && !p.new_user {
        p.unshare_flags = p.clone_flags;
        p.clone_flags = CloneFlags::empty();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_joined_and_cgroup_namespaces() {
        let spec: Spec = serde_json::from_value(serde_json::json!({
            "ociVersion": "1.0.0",
            "linux": {"namespaces": [
                {"type": "pid"}, {"type": "network", "path": "/run/netns/x"}, {"type": "mount"},
                {"type": "cgroup"}, {"type": "user", "path": "/proc/9/ns/user"}, {"type": "uts"}
            ]}
        }))
        .unwrap();
        let p = plan(&spec);
        assert!(p.new_cgroup && p.new_pid && p.new_mount && !p.new_net && !p.new_user);
        assert_eq!(p.joins[0], (PathBuf::from("/proc/9/ns/user"), CloneFlags::CLONE_NEWUSER));
        assert_eq!(p.joins[1], (PathBuf::from("/run/netns/x"), CloneFlags::CLONE_NEWNET));
        assert_eq!(p.pid_join, None);
        assert!(p.in_user_ns());
        // The user namespace is joined: the new ones are unshared by the init, after it.
        assert_eq!(p.clone_flags, CloneFlags::empty());
        assert_eq!(p.unshare_flags, CloneFlags::CLONE_NEWPID | CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWUTS);
    }
}
