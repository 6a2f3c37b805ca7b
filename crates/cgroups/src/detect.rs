//! Which cgroup hierarchies this process can see, read from /proc/self/mountinfo, and which
//! cgroup this process is in, read from /proc/self/cgroup.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no cgroup filesystem is mounted (neither cgroup v1 controllers nor cgroup2)")]
    NoCgroupFs,
    #[error("malformed line in {file}: {line:?}")]
    Malformed { file: &'static str, line: String },
}

/// The controllers tsc-box knows how to drive on v1. Named hierarchies (name=systemd) and
/// controllers outside this list are left alone.
pub const V1_CONTROLLERS: &[&str] = &["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"];

/// How the host lays out its cgroups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Only v1 controller hierarchies.
    V1,
    /// v1 controllers plus a cgroup2 mount (usually /sys/fs/cgroup/unified) that carries
    /// whatever controllers v1 did not claim.
    Hybrid,
    /// One cgroup2 hierarchy with every controller.
    V2,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::V1 => "v1",
            Mode::Hybrid => "hybrid",
            Mode::V2 => "v2",
        }
    }
}

/// One mounted hierarchy: where it is mounted and which cgroup path its mount root is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    pub mount_point: PathBuf,
    /// The cgroup path the mount point shows ("/" unless a sub-cgroup was bind-mounted).
    pub root: String,
}

/// Every hierarchy tsc-box can use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// v1 controller name -> its hierarchy. Co-mounted controllers (cpu,cpuacct) share one.
    pub v1: BTreeMap<String, Mount>,
    /// The cgroup2 mount, if any.
    pub unified: Option<Mount>,
}

impl Layout {
    pub fn mode(&self) -> Result<Mode, DetectError> {
        match (self.v1.is_empty(), self.unified.is_some()) {
            (false, false) => Ok(Mode::V1),
            (false, true) => Ok(Mode::Hybrid),
            (true, true) => Ok(Mode::V2),
            (true, false) => Err(DetectError::NoCgroupFs),
        }
    }

    /// The distinct v1 hierarchies, each with the controllers mounted on it.
    pub fn v1_hierarchies(&self) -> Vec<(Vec<String>, Mount)> {
        let mut out: Vec<(Vec<String>, Mount)> = Vec::new();
        for (name, mount) in &self.v1 {
            match out.iter_mut().find(|(_, m)| m.mount_point == mount.mount_point) {
                Some((names, _)) => names.push(name.clone()),
                None => out.push((vec![name.clone()], mount.clone())),
            }
        }
        out
    }
}

/// The cgroups a process is a member of, from /proc/<pid>/cgroup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// v1 controller -> cgroup path.
    pub v1: BTreeMap<String, String>,
    /// The cgroup2 path ("0::/path").
    pub unified: Option<String>,
}

/// Detect the host's layout from /proc/self/mountinfo.
pub fn detect() -> Result<Layout, DetectError> {
    let text = read("/proc/self/mountinfo")?;
    let layout = parse_mountinfo(&text)?;
    layout.mode()?;
    Ok(layout)
}

/// The calling process's own cgroups.
pub fn own_membership() -> Result<Membership, DetectError> {
    parse_proc_cgroup(&read("/proc/self/cgroup")?)
}

fn read(path: &str) -> Result<String, DetectError> {
    std::fs::read_to_string(path).map_err(|source| DetectError::Read { path: path.into(), source })
}

/// Parse mountinfo text. The first mount of each hierarchy wins (later ones are bind mounts).
pub fn parse_mountinfo(text: &str) -> Result<Layout, DetectError> {
    let mut layout = Layout::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let malformed = || DetectError::Malformed { file: "mountinfo", line: line.to_string() };
        // Fields after the " - " separator: fstype, source, super options.
        let (left, right) = line.split_once(" - ").ok_or_else(malformed)?;
        let fields: Vec<&str> = left.split(' ').collect();
        let tail: Vec<&str> = right.split(' ').collect();
        if fields.len() < 5 || tail.len() < 3 {
            return Err(malformed());
        }
        let mount = Mount { root: unescape(fields[3]), mount_point: PathBuf::from(unescape(fields[4])) };
        match tail[0] {
            "cgroup2" if layout.unified.is_none() => layout.unified = Some(mount),
            "cgroup" => {
                for opt in tail[2].split(',') {
                    if V1_CONTROLLERS.contains(&opt) && !layout.v1.contains_key(opt) {
                        layout.v1.insert(opt.to_string(), mount.clone());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(layout)
}

/// mountinfo escapes space, tab, newline and backslash as \ooo octal.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            let v = (b[i + 1] - b'0') as u32 * 64 + (b[i + 2] - b'0') as u32 * 8 + (b[i + 3] - b'0') as u32;
            out.push(v as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse /proc/<pid>/cgroup: "hierarchy-id:controller,list:/path" per line.
pub fn parse_proc_cgroup(text: &str) -> Result<Membership, DetectError> {
    let mut m = Membership::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(ctrls), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(DetectError::Malformed { file: "cgroup", line: line.to_string() });
        };
        if id == "0" && ctrls.is_empty() {
            m.unified = Some(path.to_string());
            continue;
        }
        for c in ctrls.split(',') {
            if V1_CONTROLLERS.contains(&c) {
                m.v1.insert(c.to_string(), path.to_string());
            }
        }
    }
    Ok(m)
}

/// Where a cgroup path (as the kernel names it, e.g. "/tsc-box/x") lives on disk in a mount.
/// None when the mount does not show that part of the hierarchy.
pub fn dir_in_mount(mount: &Mount, cgroup_path: &str) -> Option<PathBuf> {
    let root = mount.root.trim_end_matches('/');
    let rel = if root.is_empty() {
        cgroup_path
    } else {
        let rest = cgroup_path.strip_prefix(root)?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        rest
    };
    let rel = rel.trim_start_matches('/');
    Some(if rel.is_empty() { mount.mount_point.clone() } else { Path::new(&mount.mount_point).join(rel) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1_SPLIT: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
";

    const HYBRID_COMOUNT: &str = "\
25 20 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:5 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup rw,xattr,name=systemd
30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,net_cls,net_prio
32 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
33 25 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,pids
";

    const PURE_V2: &str = "\
22 20 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";

    #[test]
    fn v1_split_controllers() {
        let l = parse_mountinfo(V1_SPLIT).unwrap();
        assert_eq!(l.mode().unwrap(), Mode::V1);
        assert_eq!(l.v1.len(), 8);
        assert!(!l.v1.contains_key("name=systemd"));
        assert_eq!(l.v1["cpuacct"].mount_point, PathBuf::from("/sys/fs/cgroup/cpuacct"));
        assert_eq!(l.v1_hierarchies().len(), 8);
    }

    #[test]
    fn hybrid_with_comounted_cpu_cpuacct() {
        let l = parse_mountinfo(HYBRID_COMOUNT).unwrap();
        assert_eq!(l.mode().unwrap(), Mode::Hybrid);
        assert_eq!(l.v1["cpu"].mount_point, PathBuf::from("/sys/fs/cgroup/cpu,cpuacct"));
        assert_eq!(l.v1["cpu"], l.v1["cpuacct"]);
        let h = l.v1_hierarchies();
        assert_eq!(h.len(), 3);
        assert!(h.iter().any(|(n, _)| n == &vec!["cpu".to_string(), "cpuacct".to_string()]));
        assert_eq!(l.unified.unwrap().mount_point, PathBuf::from("/sys/fs/cgroup/unified"));
    }

    #[test]
    fn pure_v2() {
        let l = parse_mountinfo(PURE_V2).unwrap();
        assert_eq!(l.mode().unwrap(), Mode::V2);
        assert!(l.v1.is_empty());
    }

    #[test]
    fn nothing_mounted_is_an_error() {
        let l = parse_mountinfo("22 20 0:21 / /sys rw - sysfs sysfs rw\n").unwrap();
        assert!(matches!(l.mode(), Err(DetectError::NoCgroupFs)));
    }

    #[test]
    fn malformed_line() {
        assert!(parse_mountinfo("garbage\n").is_err());
    }

    #[test]
    fn escaped_mount_point() {
        let l = parse_mountinfo("26 22 0:23 / /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n").unwrap();
        assert_eq!(l.unified.unwrap().mount_point, PathBuf::from("/mnt/my cg"));
    }

    #[test]
    fn proc_cgroup() {
        let m = parse_proc_cgroup("9:name=systemd:/\n4:memory:/process_api/6e\n2:cpu,cpuacct:/a\n0::/user.slice\n").unwrap();
        assert_eq!(m.v1["memory"], "/process_api/6e");
        assert_eq!(m.v1["cpuacct"], "/a");
        assert_eq!(m.unified.as_deref(), Some("/user.slice"));
        assert!(!m.v1.contains_key("name=systemd"));
    }

    #[test]
    fn dir_in_bind_mounted_sub_cgroup() {
        let m = Mount { mount_point: "/sys/fs/cgroup/memory".into(), root: "/docker/abc".into() };
        assert_eq!(dir_in_mount(&m, "/docker/abc/x"), Some(PathBuf::from("/sys/fs/cgroup/memory/x")));
        assert_eq!(dir_in_mount(&m, "/docker/abcd"), None);
        assert_eq!(dir_in_mount(&m, "/other"), None);
        let root = Mount { mount_point: "/sys/fs/cgroup".into(), root: "/".into() };
        assert_eq!(dir_in_mount(&root, "/tsc-box/1"), Some(PathBuf::from("/sys/fs/cgroup/tsc-box/1")));
        assert_eq!(dir_in_mount(&root, "/"), Some(PathBuf::from("/sys/fs/cgroup")));
    }
}
