//! The container's filesystem view, built inside its new mount namespace: the config's
//! mounts under the rootfs, /dev, pivot_root, then masked and read-only paths.

mod cgroupfs;
mod devices;
mod mounts;
mod options;
mod paths;
mod pivot;
pub mod resolve;
#[cfg(test)]
mod tests;

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::MsFlags;
use nix::sys::stat::Mode;
use oci_spec::runtime::Spec;

pub use options::propagation_flags;

use crate::kind::Kind;
use crate::sys::Sys;

#[derive(Debug, thiserror::Error)]
pub enum RootfsError {
    #[error("mount option {0:?} is not supported")]
    Option(String),
    #[error("mount {what} on {dest}: {errno}")]
    Mount { what: String, dest: PathBuf, errno: Errno },
    #[error("{what} {path}: {errno}")]
    Path { what: &'static str, path: PathBuf, errno: Errno },
    #[error("pivot_root into {path}: {errno}")]
    Pivot { path: PathBuf, errno: Errno },
    #[error("mount destination {dest} resolves into the container's {fs} (through a symlink in the rootfs or a path below /proc or /sys): refusing to mount there; only procfs at /proc, sysfs at /sys, cgroups at /sys/fs/cgroup and binds onto lxcfs's /proc files may")]
    IntoKernelFs { dest: PathBuf, fs: &'static str },
    #[error("{0} is not the null character device: refusing to use it for masking")]
    NotNullDevice(PathBuf),
    #[error(transparent)]
    Layers(#[from] crate::layers::LayersError),
}

impl RootfsError {
    pub fn kind(&self) -> Kind {
        match self {
            RootfsError::Option(_) => Kind::Config,
            RootfsError::Mount { .. } => Kind::Mount,
            RootfsError::Layers(e) => e.kind(),
            _ => Kind::Rootfs,
        }
    }
}

pub(crate) fn path_err<'p>(what: &'static str, path: &'p Path) -> impl FnOnce(Errno) -> RootfsError + 'p {
    move |errno| RootfsError::Path { what, path: path.to_path_buf(), errno }
}

/// What the rootfs setup needs beyond the spec.
pub struct Plan<'a> {
    pub rootfs: &'a Path,
    pub spec: &'a Spec,
    /// In a new user namespace mknod is forbidden: devices are bind-mounted from the host.
    pub user_ns: bool,
    /// Per entry of `spec.mounts`, the bind source detached by the parent (see
    /// `detach_bind_sources`); empty when the init can open the sources itself.
    pub bind_trees: &'a [Option<OwnedFd>],
    /// An idmapped copy of the rootfs mount made by the parent (see container::idmount), put
    /// in place of the plain bind.
    pub rootfs_tree: Option<BorrowedFd<'a>>,
    /// The rootfs directory, opened by the init while the kernel still checked it as the
    /// host user (with `rootfs_tree`: the mount goes there).
    pub rootfs_dir: Option<BorrowedFd<'a>>,
    /// Rootless: the image's overlay to mount on the rootfs first (see crate::layers).
    pub layers: Option<&'a crate::layers::Layers>,
}

/// Bind sources as detached mount trees, made in the parent while it is still fully root on
/// the host: in a new user namespace the init is a mapped root that host directories (the
/// CLI's per-container files under a 0700 data root) rightly refuse.
pub fn detach_bind_sources(sys: &dyn Sys, spec: &Spec) -> Result<Vec<Option<OwnedFd>>, RootfsError> {
    let mut out = Vec::new();
    for m in spec.mounts().iter().flatten() {
        let opts = options::parse(m.options().as_deref().unwrap_or(&[]))?;
        if !(opts.is_bind() || m.typ().as_deref() == Some("bind")) {
            out.push(None);
            continue;
        }
        let src = m.source().as_deref().unwrap_or(Path::new(""));
        let tree = sys.open_tree_clone(src, opts.flags.contains(MsFlags::MS_REC)).map_err(path_err("bind source", src))?;
        out.push(Some(tree));
    }
    Ok(out)
}

/// Everything up to and including pivot_root. Runs in the container's mount namespace, while
/// the host's paths (bind sources, /dev) are still reachable.
pub fn prepare(sys: &dyn Sys, plan: &Plan<'_>) -> Result<(), RootfsError> {
    let linux = plan.spec.linux().as_ref();
    let prop = linux.and_then(|l| l.rootfs_propagation().as_deref()).and_then(propagation_flags);
    // Nothing we mount may propagate back to the host: make the whole tree private (or slave
    // when asked for), before the first mount.
    let initial = match prop {
        Some(f) if f.contains(MsFlags::MS_SLAVE) => MsFlags::MS_SLAVE,
        _ => MsFlags::MS_PRIVATE,
    };
    sys.mount(None, Path::new("/"), None, initial | MsFlags::MS_REC, None).map_err(|errno| RootfsError::Mount {
        what: "propagation".into(),
        dest: "/".into(),
        errno,
    })?;
    if let Some(l) = plan.layers {
        crate::layers::mount_in_userns(l, plan.rootfs)?;
    }
    // pivot_root needs the new root to be a mount point.
    let root = match (plan.rootfs_tree, plan.rootfs_dir) {
        (Some(tree), Some(dir)) => {
            sys.move_mount(tree, dir).map_err(|errno| RootfsError::Mount {
                what: "rootfs (detached by the runtime)".into(),
                dest: plan.rootfs.into(),
                errno,
            })?;
            // The tree's fd is the attached mount's root: everything below goes through it.
            nix::fcntl::openat(tree, ".", OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty()).map_err(path_err("open", plan.rootfs))?
        }
        _ => {
            sys.mount(Some(plan.rootfs), plan.rootfs, None, MsFlags::MS_BIND | MsFlags::MS_REC, None).map_err(|errno| RootfsError::Mount {
                what: "rootfs bind".into(),
                dest: plan.rootfs.into(),
                errno,
            })?;
            open_root(plan.rootfs)?
        }
    };
    let mut dev_bound = false;
    // A cgroup namespace of the container's own (new, or joined by path) roots a cgroupfs at
    // its cgroup; without one, a cgroup mount binds the container's own directories instead.
    let cgroup_ns = linux.and_then(|l| l.namespaces().as_ref()).is_some_and(|ns| ns.iter().any(|n| n.typ() == oci_spec::runtime::LinuxNamespaceType::Cgroup));
    for (i, m) in plan.spec.mounts().iter().flatten().enumerate() {
        let tree = plan.bind_trees.get(i).and_then(|t| t.as_ref()).map(|t| t.as_fd());
        dev_bound |= mounts::mount_one(sys, root.as_fd(), m, tree, cgroup_ns)?;
    }
    if !dev_bound {
        devices::populate(sys, root.as_fd(), plan.user_ns)?;
    }
    if let Some(devs) = linux.and_then(|l| l.devices().as_ref()) {
        devices::create_configured(sys, root.as_fd(), devs, plan.user_ns)?;
    }
    pivot::pivot(sys, plan.rootfs, plan.rootfs_tree.map(|_| root.as_fd()))
}

fn open_root(p: &Path) -> Result<OwnedFd, RootfsError> {
    nix::fcntl::open(p, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty()).map_err(path_err("open", p))
}

/// After pivot_root and after sysctls: propagation, masked and read-only paths, read-only
/// root. Last, because each of them takes write access away.
pub fn finish(sys: &dyn Sys, spec: &Spec) -> Result<(), RootfsError> {
    finish_at(sys, spec, Path::new("/"))
}

/// `finish` with the root at `at` (`/` once pivoted; a stand-in directory in unit tests).
fn finish_at(sys: &dyn Sys, spec: &Spec, at: &Path) -> Result<(), RootfsError> {
    let linux = spec.linux().as_ref();
    if let Some(f) = linux.and_then(|l| l.rootfs_propagation().as_deref()).and_then(propagation_flags) {
        sys.mount(None, at, None, f, None).map_err(|errno| RootfsError::Mount { what: "rootfs propagation".into(), dest: "/".into(), errno })?;
    }
    let root = open_root(at)?;
    // The last mount at /dev is the one in place: read-only, it is made so now that its
    // devices and the console are in it.
    let dev = spec.mounts().iter().flatten().rev().find(|m| mounts::at_dev(m));
    if let Some(flags) = dev.map(mounts::read_only_dev).transpose()?.flatten() {
        mounts::remount(sys, root.as_fd(), Path::new("/dev"), flags, None)?;
    }
    for p in linux.and_then(|l| l.readonly_paths().as_ref()).into_iter().flatten() {
        paths::readonly(sys, root.as_fd(), Path::new(p))?;
    }
    if let Some(masked) = linux.and_then(|l| l.masked_paths().as_ref()) {
        if !masked.is_empty() {
            paths::mask_all(sys, root.as_fd(), masked)?;
        }
    }
    if spec.root().as_ref().and_then(|r| r.readonly()).unwrap_or(false) {
        paths::remount_readonly(sys, at)?;
    }
    Ok(())
}
