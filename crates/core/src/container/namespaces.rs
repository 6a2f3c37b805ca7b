//! Which namespaces the container gets: new ones become clone flags, existing ones (by path)
//! are joined with setns, the user namespace first so the others are joined with its rights.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::stat::Mode;
use oci_spec::runtime::{LinuxNamespaceType as T, Spec};

use super::ContainerError;

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

/// The name of a namespace type as /proc/PID/ns spells it, for errors.
pub fn type_name(flag: CloneFlags) -> &'static str {
    const NAMES: &[(i32, &str)] = &[
        (libc::CLONE_NEWNS, "mnt"),
        (libc::CLONE_NEWCGROUP, "cgroup"),
        (libc::CLONE_NEWUTS, "uts"),
        (libc::CLONE_NEWIPC, "ipc"),
        (libc::CLONE_NEWUSER, "user"),
        (libc::CLONE_NEWPID, "pid"),
        (libc::CLONE_NEWNET, "net"),
        (libc::CLONE_NEWTIME, "time"),
    ];
    NAMES.iter().find(|(f, _)| flag.bits() == *f).map_or("unknown", |(_, n)| n)
}

/// statfs f_type of the namespace filesystem (linux/magic.h).
const NSFS_MAGIC: i64 = 0x6e73_6673;
/// ioctl NS_GET_NSTYPE (linux/nsfs.h: _IO(0xb7, 0x3)): the CLONE_NEW* type of a namespace fd.
const NS_GET_NSTYPE: libc::c_ulong = 0xb703;

/// Opens the namespace file `path` of a config (linux.namespaces[].path) to join it as a
/// namespace of type `flag`, refusing anything else. The path comes from whoever wrote the
/// config: a FIFO there would block a plain open for reading forever, a device would run its
/// driver's open. O_PATH does neither; only a file of the namespace filesystem (a
/// /proc/PID/ns/* link or a bind mount of one) is then reopened for setns, and its type must
/// be the one the config says.
pub fn open(path: &Path, flag: CloneFlags) -> Result<OwnedFd, ContainerError> {
    let bad = |why: String| ContainerError::NotNamespace { path: path.display().to_string(), typ: type_name(flag), why };
    let handle = nix::fcntl::open(path, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|errno| ContainerError::Namespace { what: format!("{} ({})", path.display(), type_name(flag)), errno })?;
    let f_type = nix::sys::statfs::fstatfs(&handle)
        .map_err(|errno| ContainerError::Namespace { what: format!("fstatfs {}", path.display()), errno })?
        .filesystem_type()
        .0;
    if f_type as i64 != NSFS_MAGIC {
        let what = match nix::sys::stat::fstat(&handle).map(|s| s.st_mode & libc::S_IFMT) {
            Ok(libc::S_IFIFO) => "a FIFO".to_string(),
            Ok(libc::S_IFDIR) => "a directory".to_string(),
            Ok(libc::S_IFCHR) | Ok(libc::S_IFBLK) => "a device".to_string(),
            Ok(libc::S_IFSOCK) => "a socket".to_string(),
            _ => format!("a file on a filesystem of type {f_type:#x}, not nsfs"),
        };
        return Err(bad(what));
    }
    let fd = nix::fcntl::open(crate::sys::fd_path(handle.as_raw_fd()).as_str(), OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|errno| ContainerError::Namespace { what: format!("{} ({})", path.display(), type_name(flag)), errno })?;
    // SAFETY: a plain ioctl on an fd we own; it takes no argument.
    let got = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_NSTYPE) };
    if got < 0 {
        return Err(ContainerError::Namespace { what: format!("NS_GET_NSTYPE {}", path.display()), errno: nix::errno::Errno::last() });
    }
    if got != flag.bits() {
        let actual = type_name(CloneFlags::from_bits_retain(got));
        return Err(bad(format!("a {actual} namespace")));
    }
    Ok(fd)
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
    fn opens_only_namespace_files_of_the_right_type() {
        let fd = open(Path::new("/proc/self/ns/net"), CloneFlags::CLONE_NEWNET).unwrap();
        assert!(fd.as_raw_fd() > 2);
        let e = open(Path::new("/proc/self/ns/uts"), CloneFlags::CLONE_NEWNET).unwrap_err().to_string();
        assert!(e.contains("a uts namespace") && e.contains("net namespace"), "{e}");
        let dir = std::env::temp_dir().join(format!("tsc-box-ns-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A FIFO with no writer: a plain open would block here forever.
        let fifo = dir.join("fifo");
        nix::unistd::mkfifo(&fifo, Mode::from_bits_truncate(0o600)).unwrap();
        let e = open(&fifo, CloneFlags::CLONE_NEWNET).unwrap_err().to_string();
        assert!(e.contains("a FIFO"), "{e}");
        let file = dir.join("file");
        std::fs::write(&file, "").unwrap();
        let e = open(&file, CloneFlags::CLONE_NEWUTS).unwrap_err().to_string();
        assert!(e.contains("not nsfs"), "{e}");
        assert!(open(Path::new("/dev/null"), CloneFlags::CLONE_NEWNET).unwrap_err().to_string().contains("a device"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
