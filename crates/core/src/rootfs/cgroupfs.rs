//! A `cgroup` mount in config.json. On a pure v2 host that is cgroup2; on v1 and hybrid hosts
//! it is what runc builds: a tmpfs holding one cgroup mount per v1 hierarchy of the host
//! (through the container's cgroup namespace each shows the container's own cgroup).
//!
//! Without a cgroup namespace (docker's default on v1, podman's and containerd's) a cgroupfs
//! mount would show the host's whole hierarchy, where programs that read their limit at
//! /sys/fs/cgroup/memory/memory.limit_in_bytes (JVMs, Go's and Node's tuning) find the host's.
//! Then each v1 hierarchy is a bind mount of the container's own cgroup directory, as runc
//! does (a hybrid host's unified hierarchy is left out, as by runc), and on a pure v2 host
//! the one hierarchy is; read-only unless the mount's options say otherwise.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::{Path, PathBuf};

use nix::mount::MsFlags;
use nix::sys::stat::Mode;
use nix::unistd::symlinkat;

use super::mounts::remount;
use super::resolve::mkdir_all;
use super::{path_err, RootfsError};
use crate::sys::{fd_path, Sys};

const CONTROLLERS: &[&str] =
    &["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb", "memory", "misc", "net_cls", "net_prio", "perf_event", "pids", "rdma"];

/// A host v1 hierarchy: the directory name it gets and the mount data naming it.
#[derive(Debug, PartialEq)]
pub struct Hierarchy {
    pub dir: String,
    /// Where the host mounts it, and which cgroup its mount root is.
    pub mount_point: PathBuf,
    pub mount_root: String,
    pub data: String,
    pub controllers: Vec<String>,
}

/// The v1 hierarchies in a mountinfo text (empty on a pure v2 host).
pub fn v1_hierarchies(mountinfo: &str) -> Vec<Hierarchy> {
    let mut out: Vec<Hierarchy> = Vec::new();
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else { continue };
        let mut tail = right.split(' ');
        if tail.next() != Some("cgroup") {
            continue;
        }
        let (Some(_src), Some(opts)) = (tail.next(), tail.next()) else { continue };
        let fields: Vec<&str> = left.split(' ').collect();
        let (Some(root), Some(mp)) = (fields.get(3), fields.get(4)) else { continue };
        let Some(dir) = Path::new(mp).file_name().and_then(|n| n.to_str()) else { continue };
        let names: Vec<String> = opts.split(',').filter(|o| CONTROLLERS.contains(o) || o.starts_with("name=")).map(str::to_string).collect();
        let data = names.join(",");
        if names.is_empty() || out.iter().any(|h| h.data == data) {
            continue;
        }
        let controllers = names.iter().filter(|n| !n.starts_with("name=")).cloned().collect();
        out.push(Hierarchy { dir: dir.to_string(), mount_point: PathBuf::from(mp), mount_root: root.to_string(), data, controllers });
    }
    out
}

pub fn mount_cgroup(sys: &dyn Sys, root: BorrowedFd<'_>, dest: &Path, ty: &str, flags: MsFlags, cgroup_ns: bool) -> Result<(), RootfsError> {
    let merr = |what: String| move |errno| RootfsError::Mount { what, dest: dest.to_path_buf(), errno };
    let target = mkdir_all(root, dest, Mode::from_bits_truncate(0o755)).map_err(path_err("create mount point", dest))?;
    super::mounts::check_destination(root, target.as_fd(), dest, ty, false)?;
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let hierarchies = v1_hierarchies(&info);
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    if hierarchies.is_empty() {
        if !cgroup_ns {
            let src = own_dir(&own, "", Path::new("/sys/fs/cgroup"), "/");
            return bind_host(sys, root, dest, &src, &target, flags);
        }
        let r = sys.mount(Some(Path::new("cgroup2")), Path::new(&fd_path(target.as_raw_fd())), Some("cgroup2"), flags, None);
        if r != Err(nix::errno::Errno::EPERM) {
            return r.map_err(merr("cgroup2".into()));
        }
        // A user namespace without a cgroup namespace of its own may not mount cgroupfs:
        // show the container's own cgroup from the host's mount instead, as runc does.
        let src = own_dir(&own, "", Path::new("/sys/fs/cgroup"), "/");
        bind_host(sys, root, dest, &src, &target, flags)?;
        return Ok(());
    }
    let tmpfs_flags = flags & !MsFlags::MS_RDONLY;
    sys.mount(Some(Path::new("tmpfs")), Path::new(&fd_path(target.as_raw_fd())), Some("tmpfs"), tmpfs_flags, Some("mode=755")).map_err(merr("tmpfs".into()))?;
    for h in &hierarchies {
        let sub: PathBuf = dest.join(&h.dir);
        let t = mkdir_all(root, &sub, Mode::from_bits_truncate(0o755)).map_err(path_err("create mount point", &sub))?;
        if !cgroup_ns {
            let src = own_dir(&own, &h.data, &h.mount_point, &h.mount_root);
            bind_host(sys, root, &sub, &src, &t, flags)?;
            link_comounted(root, dest, h)?;
            continue;
        }
        match sys.mount(Some(Path::new("cgroup")), Path::new(&fd_path(t.as_raw_fd())), Some("cgroup"), flags, Some(h.data.as_str())) {
            Err(nix::errno::Errno::EPERM) => {
                let src = own_dir(&own, &h.data, &h.mount_point, &h.mount_root);
                bind_host(sys, root, &sub, &src, &t, flags)?;
            }
            r => r.map_err(|errno| RootfsError::Mount { what: format!("cgroup {}", h.data), dest: sub.clone(), errno })?,
        }
        link_comounted(root, dest, h)?;
    }
    if flags.contains(MsFlags::MS_RDONLY) {
        remount(sys, root, dest, tmpfs_flags | MsFlags::MS_RDONLY, None)?;
    }
    Ok(())
}

/// Co-mounted controllers (cpu,cpuacct) are also reachable by each name.
fn link_comounted(root: BorrowedFd<'_>, dest: &Path, h: &Hierarchy) -> Result<(), RootfsError> {
    if h.controllers.len() > 1 {
        let dir = super::resolve::open_in_root(root, dest, nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY).map_err(path_err("open", dest))?;
        for c in &h.controllers {
            let _ = symlinkat(h.dir.as_str(), std::os::fd::AsFd::as_fd(&dir), c.as_str());
        }
    }
    Ok(())
}

/// The host directory of our own cgroup in the hierarchy named `controllers` ("" for the
/// unified one), from /proc/self/cgroup, under that hierarchy's mount.
fn own_dir(proc_cgroup: &str, controllers: &str, mount_point: &Path, mount_root: &str) -> PathBuf {
    let want: std::collections::BTreeSet<&str> = controllers.split(',').filter(|s| !s.is_empty()).collect();
    let path = proc_cgroup
        .lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, c, p) = (f.next()?, f.next()?, f.next()?);
            (c.split(',').filter(|s| !s.is_empty()).collect::<std::collections::BTreeSet<_>>() == want).then_some(p)
        })
        .next()
        .unwrap_or("/");
    let rel = path.strip_prefix(mount_root.trim_end_matches('/')).unwrap_or(path);
    mount_point.join(rel.trim_start_matches('/'))
}

fn bind_host(sys: &dyn Sys, root: BorrowedFd<'_>, dest: &Path, src: &Path, target: &std::os::fd::OwnedFd, flags: MsFlags) -> Result<(), RootfsError> {
    sys.mount(Some(src), Path::new(&fd_path(target.as_raw_fd())), None, MsFlags::MS_BIND | MsFlags::MS_REC, None).map_err(|errno| RootfsError::Mount {
        what: format!("bind {}", src.display()),
        dest: dest.to_path_buf(),
        errno,
    })?;
    remount(sys, root, dest, (flags & !MsFlags::MS_RELATIME) | MsFlags::MS_REC, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_v1_hierarchies() {
        let info = "\
30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
33 30 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate
34 30 0:28 / /mnt/again rw - cgroup cgroup rw,xattr,name=systemd
";
        let h = v1_hierarchies(info);
        assert_eq!(h.len(), 2);
        assert_eq!(
            h[0],
            Hierarchy {
                dir: "cpu,cpuacct".into(),
                mount_point: "/sys/fs/cgroup/cpu,cpuacct".into(),
                mount_root: "/".into(),
                data: "cpu,cpuacct".into(),
                controllers: vec!["cpu".into(), "cpuacct".into()]
            }
        );
        assert_eq!(h[1].data, "name=systemd");
        assert!(h[1].controllers.is_empty());
        assert!(v1_hierarchies("1 0 0:1 / / rw - cgroup2 cgroup2 rw").is_empty());
    }

    #[test]
    fn finds_our_own_cgroup_directory() {
        let pc = "4:memory:/tsc/x\n2:cpuacct,cpu:/tsc/x\n1:name=systemd:/user/1\n0::/tsc/x\n";
        assert_eq!(own_dir(pc, "cpu,cpuacct", Path::new("/sys/fs/cgroup/cpu,cpuacct"), "/"), PathBuf::from("/sys/fs/cgroup/cpu,cpuacct/tsc/x"));
        assert_eq!(own_dir(pc, "", Path::new("/sys/fs/cgroup/unified"), "/"), PathBuf::from("/sys/fs/cgroup/unified/tsc/x"));
        assert_eq!(own_dir(pc, "name=systemd", Path::new("/sys/fs/cgroup/systemd"), "/user"), PathBuf::from("/sys/fs/cgroup/systemd/1"));
    }
}
