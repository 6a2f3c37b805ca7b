//! The `options` of a config.json mount, split into mount(2) flags, propagation changes,
//! recursive attributes and the filesystem-specific data string.

use nix::mount::MsFlags;

use super::RootfsError;
use crate::sys::{MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY};

/// MS_NOSYMFOLLOW (Linux 5.10), which nix does not name.
const NOSYMFOLLOW: MsFlags = MsFlags::from_bits_retain(256);

#[derive(Debug, PartialEq)]
pub struct MountOptions {
    pub flags: MsFlags,
    /// Propagation changes, applied one by one after the mount exists.
    pub propagation: Vec<MsFlags>,
    /// mount_setattr attributes for the whole tree (`rro`, `rnosuid`, ...).
    pub recursive_attrs: u64,
    pub data: String,
}

impl MountOptions {
    pub fn is_bind(&self) -> bool {
        self.flags.contains(MsFlags::MS_BIND)
    }

    /// Flags that a bind mount only gets through a second, remounting call.
    pub fn remount_flags(&self) -> MsFlags {
        self.flags
            & (MsFlags::MS_RDONLY
                | MsFlags::MS_NOSUID
                | MsFlags::MS_NODEV
                | MsFlags::MS_NOEXEC
                | MsFlags::MS_NOATIME
                | MsFlags::MS_NODIRATIME
                | MsFlags::MS_RELATIME
                | MsFlags::MS_STRICTATIME
                | NOSYMFOLLOW)
    }
}

/// Maps a propagation mode name (also used by linux.rootfsPropagation) to its flags.
pub fn propagation_flags(name: &str) -> Option<MsFlags> {
    Some(match name {
        "private" => MsFlags::MS_PRIVATE,
        "rprivate" => MsFlags::MS_PRIVATE | MsFlags::MS_REC,
        "shared" => MsFlags::MS_SHARED,
        "rshared" => MsFlags::MS_SHARED | MsFlags::MS_REC,
        "slave" => MsFlags::MS_SLAVE,
        "rslave" => MsFlags::MS_SLAVE | MsFlags::MS_REC,
        "unbindable" => MsFlags::MS_UNBINDABLE,
        "runbindable" => MsFlags::MS_UNBINDABLE | MsFlags::MS_REC,
        _ => return None,
    })
}

pub fn parse(options: &[String]) -> Result<MountOptions, RootfsError> {
    let mut o = MountOptions { flags: MsFlags::empty(), propagation: Vec::new(), recursive_attrs: 0, data: String::new() };
    let mut data = Vec::new();
    for opt in options {
        let (set, clear) = match opt.as_str() {
            "defaults" => (MsFlags::empty(), MsFlags::empty()),
            "ro" => (MsFlags::MS_RDONLY, MsFlags::empty()),
            "rw" => (MsFlags::empty(), MsFlags::MS_RDONLY),
            "nosuid" => (MsFlags::MS_NOSUID, MsFlags::empty()),
            "suid" => (MsFlags::empty(), MsFlags::MS_NOSUID),
            "nodev" => (MsFlags::MS_NODEV, MsFlags::empty()),
            "dev" => (MsFlags::empty(), MsFlags::MS_NODEV),
            "noexec" => (MsFlags::MS_NOEXEC, MsFlags::empty()),
            "exec" => (MsFlags::empty(), MsFlags::MS_NOEXEC),
            "sync" => (MsFlags::MS_SYNCHRONOUS, MsFlags::empty()),
            "async" => (MsFlags::empty(), MsFlags::MS_SYNCHRONOUS),
            "dirsync" => (MsFlags::MS_DIRSYNC, MsFlags::empty()),
            "mand" => (MsFlags::MS_MANDLOCK, MsFlags::empty()),
            "nomand" => (MsFlags::empty(), MsFlags::MS_MANDLOCK),
            "noatime" => (MsFlags::MS_NOATIME, MsFlags::empty()),
            "atime" => (MsFlags::empty(), MsFlags::MS_NOATIME),
            "nodiratime" => (MsFlags::MS_NODIRATIME, MsFlags::empty()),
            "diratime" => (MsFlags::empty(), MsFlags::MS_NODIRATIME),
            "relatime" => (MsFlags::MS_RELATIME, MsFlags::empty()),
            "norelatime" => (MsFlags::empty(), MsFlags::MS_RELATIME),
            "strictatime" => (MsFlags::MS_STRICTATIME, MsFlags::empty()),
            "nostrictatime" => (MsFlags::empty(), MsFlags::MS_STRICTATIME),
            // The rest of the spec's MUST list: flags of mount(2), never filesystem data.
            "iversion" => (MsFlags::MS_I_VERSION, MsFlags::empty()),
            "noiversion" => (MsFlags::empty(), MsFlags::MS_I_VERSION),
            "lazytime" => (MsFlags::MS_LAZYTIME, MsFlags::empty()),
            "nolazytime" => (MsFlags::empty(), MsFlags::MS_LAZYTIME),
            "silent" => (MsFlags::MS_SILENT, MsFlags::empty()),
            "loud" => (MsFlags::empty(), MsFlags::MS_SILENT),
            "remount" => (MsFlags::MS_REMOUNT, MsFlags::empty()),
            "nosymfollow" => (NOSYMFOLLOW, MsFlags::empty()),
            "symfollow" => (MsFlags::empty(), NOSYMFOLLOW),
            "bind" => (MsFlags::MS_BIND, MsFlags::empty()),
            "rbind" => (MsFlags::MS_BIND | MsFlags::MS_REC, MsFlags::empty()),
            "rro" => {
                o.recursive_attrs |= MOUNT_ATTR_RDONLY;
                continue;
            }
            "rnosuid" => {
                o.recursive_attrs |= MOUNT_ATTR_NOSUID;
                continue;
            }
            "rnodev" => {
                o.recursive_attrs |= MOUNT_ATTR_NODEV;
                continue;
            }
            "rnoexec" => {
                o.recursive_attrs |= MOUNT_ATTR_NOEXEC;
                continue;
            }
            // Copy-up of the image's content into a tmpfs: a podman extension we lack.
            "tmpcopyup" | "idmap" | "ridmap" | "copy-symlink" => {
                return Err(RootfsError::Option(opt.clone()));
            }
            other => {
                if let Some(p) = propagation_flags(other) {
                    o.propagation.push(p);
                } else {
                    data.push(other);
                }
                continue;
            }
        };
        o.flags.insert(set);
        o.flags.remove(clear);
    }
    o.data = data.join(",");
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &[&str]) -> MountOptions {
        parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn the_specs_must_options_are_flags_not_data() {
        let o = p(&["iversion", "lazytime", "silent", "nolazytime", "loud"]);
        assert_eq!(o.flags, MsFlags::MS_I_VERSION);
        assert_eq!(o.data, "");
        assert_eq!(p(&["remount", "ro"]).flags, MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY);
    }

    #[test]
    fn splits_flags_and_data() {
        let o = p(&["nosuid", "strictatime", "mode=755", "size=65536k"]);
        assert_eq!(o.flags, MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME);
        assert_eq!(o.data, "mode=755,size=65536k");
        assert!(!o.is_bind());
    }

    #[test]
    fn later_options_win() {
        assert_eq!(p(&["ro", "rw"]).flags, MsFlags::empty());
        assert_eq!(p(&["rw", "ro"]).flags, MsFlags::MS_RDONLY);
    }

    #[test]
    fn bind_and_propagation() {
        let o = p(&["rbind", "ro", "rprivate", "slave"]);
        assert!(o.is_bind());
        assert!(o.flags.contains(MsFlags::MS_REC));
        assert_eq!(o.remount_flags(), MsFlags::MS_RDONLY);
        assert_eq!(o.propagation, vec![MsFlags::MS_PRIVATE | MsFlags::MS_REC, MsFlags::MS_SLAVE]);
    }

    #[test]
    fn recursive_attrs_and_unsupported() {
        assert_eq!(p(&["rbind", "rro"]).recursive_attrs, MOUNT_ATTR_RDONLY);
        assert!(parse(&["tmpcopyup".to_string()]).is_err());
        assert!(propagation_flags("sideways").is_none());
    }
}
